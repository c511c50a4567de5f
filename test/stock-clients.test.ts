/**
 * Clients nobody here wrote, each with its default settings, run the tutorial against the service: Apollo Client,
 * urql (which sends queries as GET), graphql-request, and openapi-fetch over types that openapi-typescript makes
 * from the served OpenAPI document while the test runs (and that tsc then checks a typed call against). A change
 * that breaks a stock client fails here. Each client works in a tenant of its own (the tutorial's emails are fixed).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { createClient as createUrqlClient, fetchExchange } from '@urql/core';
import { GraphQLClient } from 'graphql-request';
import createFetchClient from 'openapi-fetch';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../src/rest/openapi.js';
import { startTestServer, type TestServer } from './helpers.js';
import { ROOT } from './support/built-service.js';
import { runTutorial, TUTORIAL_ADDRESS, TUTORIAL_CREATE_BODY, TUTORIAL_CUSTOMER } from './support/tutorial.js';

const SCOPES = 'customer.customer_manage customer.customer_manage_own';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

const tokenOf = (tenant: string) => server.token({ tenant, scope: SCOPES, sub: 'stock-client' });

/** Requests that reached the service, by method: to see how a client sent them. */
async function methodsSeen<T>(run: () => Promise<T>): Promise<{ result: T; methods: string[] }> {
  const methods: string[] = [];
  const listener = (request: { method?: string; url?: string }) => {
    if (request.url?.startsWith('/graphql')) methods.push(request.method ?? '');
  };
  server.service.server.on('request', listener);
  try {
    return { result: await run(), methods };
  } finally {
    server.service.server.off('request', listener);
  }
}

describe('GraphQL clients, as they come', () => {
  it('Apollo Client', async () => {
    const client = new ApolloClient({
      link: new HttpLink({
        uri: `${server.url}/graphql`,
        headers: { authorization: `Bearer ${await tokenOf('apollo')}` },
      }),
      cache: new InMemoryCache(),
    });
    await runTutorial(async (document, variables) => {
      const parsed = gql(document);
      const isQuery = document.trimStart().startsWith('query');
      const { data } = isQuery
        ? await client.query({ query: parsed, variables, fetchPolicy: 'network-only' })
        : await client.mutate({ mutation: parsed, variables });
      return data as Record<string, any>;
    });
  });

  it('urql, which sends its queries as GET (with the Authorization header, so not refused as CSRF)', async () => {
    const token = await tokenOf('urql');
    const client = createUrqlClient({
      url: `${server.url}/graphql`,
      exchanges: [fetchExchange],
      fetchOptions: { headers: { authorization: `Bearer ${token}` } },
    });
    const { methods } = await methodsSeen(() =>
      runTutorial(async (document, variables) => {
        const isQuery = document.trimStart().startsWith('query');
        const result = isQuery
          ? await client.query(document, variables ?? {}).toPromise()
          : await client.mutation(document, variables ?? {}).toPromise();
        expect(result.error).toBeUndefined();
        return result.data as Record<string, any>;
      }),
    );
    expect(methods).toEqual(['POST', 'POST', 'POST', 'POST', 'POST', 'GET']);
    // A GET without the header (what a cross-site form or image could send) is still refused.
    const bare = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ __typename }')}`);
    expect(bare.status).toBe(403);
  });

  it('graphql-request', async () => {
    const client = new GraphQLClient(`${server.url}/graphql`, {
      headers: { authorization: `Bearer ${await tokenOf('gqlrequest')}` },
    });
    await runTutorial((document, variables) => client.request<Record<string, any>>(document, variables));
  });
});

describe('a REST client generated while the test runs', () => {
  it('openapi-typescript makes types of the served document that tsc accepts, and openapi-fetch runs the tutorial', async () => {
    const dir = mkdtempSync(join(ROOT, 'node_modules', '.stock-client-'));
    try {
      const types = astToString(await openapiTS(buildOpenApiDocument() as never));
      writeFileSync(join(dir, 'api.d.ts'), types);
      // A typed call as a user writes it: tsc must accept it with the generated types.
      writeFileSync(
        join(dir, 'client.ts'),
        `import createClient from 'openapi-fetch';
import type { paths } from './api.js';
const client = createClient<paths>({ baseUrl: 'http://localhost' });
export const read = (tenant: string, customerNumber: string) =>
  client.GET('/customer/{tenant}/customers/{customerNumber}', {
    params: { path: { tenant, customerNumber }, query: { expand: ['addresses', 'accounts'] } },
  });
`,
      );
      execFileSync(
        process.execPath,
        [
          join(ROOT, 'node_modules/typescript/bin/tsc'),
          '--noEmit',
          '--strict',
          '--module',
          'nodenext',
          '--moduleResolution',
          'nodenext',
          '--target',
          'es2022',
          '--skipLibCheck',
          join(dir, 'client.ts'),
        ],
        { cwd: ROOT, stdio: 'pipe' },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const tenant = 'openapifetch';
    const token = await tokenOf(tenant);
    const client = createFetchClient<any>({ baseUrl: server.url, headers: { authorization: `Bearer ${token}` } });
    const path = { tenant };
    const created = await client.POST('/customer/{tenant}/customers', {
      params: { path, query: { sendPasswordResetNotifications: true } },
      body: TUTORIAL_CREATE_BODY,
    });
    expect(created.response.status).toBe(201);
    const customerNumber = created.data.id as string;
    const customer = { ...path, customerNumber };
    const updated = await client.PUT('/customer/{tenant}/customers/{customerNumber}', {
      params: { path: customer },
      body: { contactEmail: 'john.doe@emporix.com', firstName: 'John', lastName: 'Doe', preferredLanguage: 'de_DE' },
    });
    expect(updated.response.status).toBe(204);
    const { id: _id, isDefault: _default, tags: _tags, ...address } = { id: '', ...TUTORIAL_ADDRESS };
    const added = await client.POST('/customer/{tenant}/customers/{customerNumber}/addresses', {
      params: { path: customer },
      body: { ...address, tags: ['BILLING', 'SHIPPING'], isDefault: true },
    });
    expect(added.response.status).toBe(201);
    const addressId = added.data.id as string;
    // Arrays as openapi-fetch sends them by default: tags=A&tags=B (one tag here, as the tutorial's step).
    const tagged = await client.POST('/customer/{tenant}/customers/{customerNumber}/addresses/{addressId}/tags', {
      params: { path: { ...customer, addressId }, query: { tags: ['PRIMARY_CONTACT'] } },
    });
    expect(tagged.response.status).toBe(204);
    const activated = await client.PATCH('/customer/{tenant}/customers/{customerNumber}', {
      params: { path: customer },
      body: { active: true, onHold: false },
    });
    expect(activated.response.status).toBe(200);
    const read = await client.GET('/customer/{tenant}/customers/{customerNumber}', {
      params: { path: customer, query: { expand: ['addresses', 'accounts'] } },
    });
    expect(read.response.status).toBe(200);
    expect(read.data).toMatchObject({
      ...TUTORIAL_CUSTOMER,
      id: customerNumber,
      contactEmail: 'john.doe@emporix.com',
      addresses: [{ id: addressId, ...TUTORIAL_ADDRESS }],
      accounts: [{ id: 'john.doe@example.com' }],
    });
    // A list parameter repeated, as openapi-fetch sends arrays: what the comma-separated form means.
    const sorted = await client.GET('/customer/{tenant}/customers', {
      params: { path, query: { sort: ['lastName', 'id:desc'], expand: ['accounts', 'addresses'] } },
    });
    expect(sorted.response.status).toBe(200);
    expect(sorted.data).toHaveLength(1);
  });
});
