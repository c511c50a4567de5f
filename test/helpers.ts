/**
 * Test harness: the real service over HTTP on a fresh SQLite file, with real HS256 tokens.
 * Each test file starts its own server (`startTestServer()`), so files run in parallel without sharing data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_SCOPES } from '../src/auth/scopes.js';
import { signToken, type TokenClaims } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createService, type Service } from '../src/server.js';
import { expect, inject } from 'vitest';
import { createDatabase } from './support/postgres.js';

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

/**
 * The mode every test server runs in, unless a test sets NODE_ENV itself. vitest.config.ts runs the HTTP suite once
 * per mode, so that every behaviour is proven in production (what users deploy) as well as in development.
 */
export const MODE: 'development' | 'production' =
  process.env.CUSTOMER_GRAPH_TEST_MODE === 'production' ? 'production' : 'development';
export const PRODUCTION = MODE === 'production';
/** The store every test server uses: vitest.config.ts runs the HTTP suite on PostgreSQL too. */
export const STORE: 'sqlite' | 'postgres' =
  process.env.CUSTOMER_GRAPH_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';
export const MANAGE = 'customer.customer_manage';

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  headers: Headers;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

export interface TestServer {
  url: string;
  service: Service;
  /** A signed token; defaults: tenant "acme", every scope, sub "test". */
  token(claims?: Partial<TokenClaims>, options?: { ttlSeconds?: number }): Promise<string>;
  /**
   * Posts a GraphQL operation. `token: null` sends no Authorization header; a string is sent as the bearer token;
   * by default a token of tenant "acme" with every scope is used.
   */
  gql<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    options?: { token?: string | null; headers?: Record<string, string>; operationName?: string },
  ): Promise<GraphQLResponse<T>>;
  /** db_statements_total as /metrics reports it. */
  statements(): Promise<number>;
  close(): Promise<void>;
}

/** `developmentToken` is handed to the service as main.ts hands it the printed one (GraphiQL's headers). */
export async function startTestServer(
  env: Record<string, string> = {},
  { developmentToken }: { developmentToken?: string } = {},
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'customer-graph-test-'));
  const config = loadConfig({
    NODE_ENV: MODE,
    // Each server its own database: a fresh SQLite file, or a fresh database of the run's PostgreSQL.
    DATABASE_URL:
      STORE === 'postgres' ? await createDatabase(inject('postgresAdminUrl')) : `file:${join(dir, 'customers.db')}`,
    DATA_DIR: dir,
    AUTH_JWT_SECRET: TEST_SECRET,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const service = await createService({
    config,
    jwtSecret: config.auth.jwtSecret,
    logger: createLogger('silent'),
    developmentToken,
  });
  const url = await service.listen(0, '127.0.0.1');

  const token: TestServer['token'] = (claims = {}, options = {}) =>
    signToken(
      TEST_SECRET,
      { tenant: 'acme', scope: ALL_SCOPES.join(' '), sub: 'test', ...claims },
      { ttlSeconds: options.ttlSeconds ?? 600, issuer: config.auth.issuer, audience: config.auth.audience },
    );
  const defaultToken = await token();

  return {
    url,
    service,
    token,
    async gql(query, variables, options = {}) {
      const bearer = options.token === undefined ? defaultToken : options.token;
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
          ...options.headers,
        },
        body: JSON.stringify({ query, variables, operationName: options.operationName }),
      });
      const body = (await response.json()) as Omit<GraphQLResponse, 'status' | 'headers'>;
      return { status: response.status, headers: response.headers, ...body } as GraphQLResponse<any>;
    },
    async statements() {
      const text = await (await fetch(`${url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith('db_statements_total '));
      if (!line) throw new Error('db_statements_total missing from /metrics');
      return Number(line.split(' ')[1]);
    },
    async close() {
      await service.close(1000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The `extensions.code` of each error, in order. */
export const codes = (response: GraphQLResponse) => (response.errors ?? []).map((e) => e.extensions?.code);

/** The data of a response that must have succeeded: the value of its one root field. */
export function ok<T = Record<string, any>>(response: GraphQLResponse): T {
  expect(response.errors).toBeUndefined();
  return Object.values(response.data!)[0] as T;
}

/** Asserts one error with this code (and, for BAD_USER_INPUT, exactly these fields in `details`, each with a message). */
export function expectError(response: GraphQLResponse, code: string, fields?: string[]) {
  expect(codes(response)).toEqual([code]);
  if (fields) {
    const details: { field: string; message: string }[] = response.errors![0]!.extensions!.details;
    expect(details.map((d) => d.field).sort()).toEqual([...fields].sort());
    for (const detail of details) expect(detail.message).toEqual(expect.any(String));
  }
}
