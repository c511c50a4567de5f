/**
 * Concurrent writes to one customer, through the HTTP API, all at once: each store must give the answers a single
 * writer at a time would. On PostgreSQL the requests run on several pooled connections at once (row locks and
 * unique keys decide); on SQLite they take turns on the writer. test/replicas.test.ts does the same across processes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type GraphQLResponse, type TestServer } from './helpers.js';
import { restClient } from './support/rest-client.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

let sequence = 0;
const unique = (prefix: string) => `${prefix}${process.pid}-${++sequence}`;
const N = 24;
const codeOf = (response: GraphQLResponse) => response.errors?.[0]?.extensions?.code ?? 'OK';

/** How many answers gave each outcome: `{ OK: 1, CONFLICT: 23 }`. */
function outcomes(responses: GraphQLResponse[]): Record<string, number> {
  const counted: Record<string, number> = {};
  for (const response of responses) counted[codeOf(response)] = (counted[codeOf(response)] ?? 0) + 1;
  return counted;
}

async function createCustomer(input: Record<string, unknown>) {
  const response = await server.gql(
    `mutation($i: CustomerCreateInput!) { createCustomer(input: $i) { customerNumber metadata { version } } }`,
    { i: input },
  );
  expect(response.errors).toBeUndefined();
  return response.data!.createCustomer as { customerNumber: string; metadata: { version: number } };
}

async function addAddress(n: string, input: Record<string, unknown> = {}) {
  const response = await server.gql(
    `mutation($n: String!, $i: AddressInput!) { addCustomerAddress(customerNumber: $n, input: $i) { id } }`,
    { n, i: { contactName: 'Home', country: 'DE', ...input } },
  );
  expect(response.errors).toBeUndefined();
  return response.data!.addCustomerAddress.id as string;
}

const readCustomer = async (n: string) =>
  (
    await server.gql(
      `query($n: String!) { customer(customerNumber: $n) {
        lastName metadata { version } addresses { id isDefault tags } accounts { email } } }`,
      { n },
    )
  ).data!.customer;

describe('concurrent writes give one answer each, as if they had taken turns', () => {
  it(`${N} patches expecting the same version: one wins, the others are CONFLICT`, async () => {
    const { customerNumber: n, metadata } = await createCustomer({ firstName: 'Race' });
    const responses = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        server.gql(
          `mutation($n: String!, $v: Int!, $l: String!) {
            patchCustomer(customerNumber: $n, input: { lastName: $l }, expectedVersion: $v) { lastName } }`,
          { n, v: metadata.version, l: `Writer${i}` },
        ),
      ),
    );
    expect(outcomes(responses)).toEqual({ OK: 1, CONFLICT: N - 1 });
    for (const response of responses.filter((r) => r.errors)) expect(response.status).toBe(409);
    const winner = responses.find((r) => !r.errors)!.data!.patchCustomer.lastName;
    expect(await readCustomer(n)).toMatchObject({ lastName: winner, metadata: { version: metadata.version + 1 } });
  });

  it(`${N} tag additions and removals on one address lose none of each other's changes`, async () => {
    const { customerNumber: n } = await createCustomer({ firstName: 'Tags' });
    const keep = Array.from({ length: N }, (_, i) => `keep${i}`);
    const drop = Array.from({ length: N }, (_, i) => `drop${i}`);
    const a = await addAddress(n, { tags: drop.slice(0, 10) });
    const tagCall = (field: string, tag: string) =>
      server.gql(
        `mutation($n: String!, $a: ID!, $t: [String!]!) { ${field}(customerNumber: $n, addressId: $a, tags: $t) { id } }`,
        { n, a, t: [tag] },
      );
    const responses = await Promise.all([
      ...keep.slice(0, 10).map((tag) => tagCall('addCustomerAddressTags', tag)),
      ...drop.slice(0, 10).map((tag) => tagCall('removeCustomerAddressTags', tag)),
    ]);
    expect(outcomes(responses)).toEqual({ OK: 20 });
    const { addresses, metadata } = await readCustomer(n);
    expect([...addresses[0].tags].sort()).toEqual(keep.slice(0, 10).sort());
    // Each change is a version of the customer: 1 at creation, 1 for the address, 20 for the tags.
    expect(metadata.version).toBe(22);
  });

  it(`${N} addresses each made the default at once: exactly one default remains`, async () => {
    const { customerNumber: n } = await createCustomer({ firstName: 'Defaults' });
    const responses = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        server.gql(
          `mutation($n: String!, $i: AddressInput!) { addCustomerAddress(customerNumber: $n, input: $i) { id } }`,
          { n, i: { contactName: `Home ${i}`, country: 'DE', isDefault: true } },
        ),
      ),
    );
    expect(outcomes(responses)).toEqual({ OK: N });
    const { addresses } = await readCustomer(n);
    expect(addresses).toHaveLength(N);
    expect(addresses.filter((address: { isDefault: boolean }) => address.isDefault)).toHaveLength(1);
  });

  it(`${N} creates with one custom number: one customer, the others CONFLICT (never a masked error)`, async () => {
    const id = unique('same-number-');
    const responses = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        server.gql(`mutation($i: CustomerCreateInput!) { createCustomer(input: $i) { customerNumber } }`, {
          i: { id, firstName: `Twin${i}` },
        }),
      ),
    );
    expect(outcomes(responses)).toEqual({ OK: 1, CONFLICT: N - 1 });
    expect((await readCustomer(id)).metadata.version).toBe(1);
  });

  it('10 upserts of one new customer number: one creates it, the others update it (GraphQL)', async () => {
    const n = unique('upsert-race-');
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        server.gql(
          `mutation($n: String!, $l: String!) {
            upsertCustomer(customerNumber: $n, input: { lastName: $l }) { created customer { lastName } } }`,
          { n, l: `Upserter${i}` },
        ),
      ),
    );
    expect(outcomes(responses)).toEqual({ OK: 10 });
    const created = responses.map((r) => r.data!.upsertCustomer.created as boolean);
    expect(created.filter(Boolean)).toHaveLength(1);
    // Each writer's change is a version, as if they had taken turns: the creation (1), then nine new names.
    const customer = await readCustomer(n);
    expect(customer.lastName).toMatch(/^Upserter\d$/);
    expect(customer.metadata.version).toBe(10);
  });

  it('10 PUTs of one new customer number: one 201, nine 204 (REST)', async () => {
    const rest = restClient(server, await server.token());
    const n = unique('put-race-');
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        rest('PUT', `/customer/acme/customers/${n}`, { body: { lastName: `Putter${i}` } }),
      ),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses, answers.map((answer) => answer.text).join('\n')).toEqual([201, ...Array(9).fill(204)]);
    expect(answers.find((answer) => answer.status === 201)!.json).toEqual({ id: n });
    expect(await readCustomer(n)).toMatchObject({
      lastName: expect.stringMatching(/^Putter\d$/),
      metadata: { version: 10 },
    });
  });

  it(`${N} creates with one email in different letter cases: one account, the others CONFLICT`, async () => {
    const local = unique('same-email-');
    const responses = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        server.gql(`mutation($i: CustomerCreateInput!) { createCustomer(input: $i) { customerNumber } }`, {
          i: { contactEmail: `${i % 2 ? local.toUpperCase() : local}@Example.com` },
        }),
      ),
    );
    expect(outcomes(responses)).toEqual({ OK: 1, CONFLICT: N - 1 });
    // The losers wrote nothing: searching the email finds the one customer.
    const found = await server.gql(`query($e: String!) { customers(filter: { contactEmail: $e }) { totalCount } }`, {
      e: `${local}@example.com`,
    });
    expect(found.data!.customers.totalCount).toBe(1);
  });

  it(`${N} customers joining one new legal entity at once: one entity, every customer in it`, async () => {
    const registrationId = unique('REG-race-');
    const responses = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        server.gql(
          `mutation($i: CustomerCreateInput!) {
            createCustomer(input: $i) { b2b { legalEntities { id } } } }`,
          { i: { company: `Race ${i}`, b2b: { companyRegistrationId: registrationId } } },
        ),
      ),
    );
    expect(outcomes(responses)).toEqual({ OK: N });
    const entityIds = new Set(responses.map((r) => r.data!.createCustomer.b2b.legalEntities[0].id));
    expect(entityIds.size).toBe(1);
    const members = await server.gql(`query($e: ID!) { customers(filter: { legalEntityId: $e }) { totalCount } }`, {
      e: [...entityIds][0],
    });
    expect(members.data!.customers.totalCount).toBe(N);
  });

  it('a patch and a delete of one customer at once: either order, never a masked error', async () => {
    for (let round = 0; round < 6; round++) {
      const { customerNumber: n } = await createCustomer({ firstName: 'Doomed' });
      const [patched, deleted] = await Promise.all([
        server.gql(`mutation($n: String!) { patchCustomer(customerNumber: $n, input: { lastName: "Late" }) { id } }`, {
          n,
        }),
        server.gql(`mutation($n: String!) { deleteCustomer(customerNumber: $n) { customerNumber } }`, { n }),
      ]);
      expect(codeOf(deleted)).toBe('OK');
      expect(['OK', 'NOT_FOUND']).toContain(codeOf(patched));
      expect(await readCustomer(n)).toBeNull();
    }
  });
});
