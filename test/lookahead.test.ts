/**
 * The customers a query reads bring along the parts its selection shows (src/graphql/lookahead.ts): a customer
 * with its addresses, accounts and companies is one statement; a page of them is one on PostgreSQL and one per
 * part on SQLite, whatever the page size; fragments count; parts that are not selected, or that the caller may not
 * see, are not asked for; and the answers are those the part loaders give.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, STORE, startTestServer, type TestServer } from './helpers.js';

let server: TestServer;

/** The SQL statements a request costs. */
async function cost<T>(work: () => Promise<T>): Promise<{ result: T; statements: number }> {
  const before = await server.statements();
  const result = await work();
  return { result, statements: (await server.statements()) - before };
}

const PARTS = `addresses { id isDefault tags } defaultAddress { id } accounts { email }
  businessModel b2b { companyRegistrationId legalEntities { id name } }`;

beforeAll(async () => {
  server = await startTestServer();
  for (const [i, registration] of [
    [1, 'REG-1'],
    [2, null],
    [3, 'REG-1'],
  ] as const) {
    const created = await server.gql(
      `mutation ($input: CustomerCreateInput!) { createCustomer(input: $input) { customerNumber } }`,
      {
        input: {
          id: `look-${i}`,
          lastName: `Look ${i}`,
          company: 'Looking Glass',
          contactEmail: `look-${i}@example.com`,
          ...(registration ? { b2b: { companyRegistrationId: registration } } : {}),
        },
      },
    );
    expect(created.errors).toBeUndefined();
    for (const [j, isDefault] of [
      [1, false],
      [2, true],
    ] as const) {
      const added = await server.gql(
        `mutation ($n: String!, $input: AddressInput!) { addCustomerAddress(customerNumber: $n, input: $input) { id } }`,
        {
          n: `look-${i}`,
          input: { id: `look-${i}-a${j}`, contactName: 'A', country: 'DE', tags: [`t${j}`], isDefault },
        },
      );
      expect(added.errors).toBeUndefined();
    }
    const account = await server.gql(
      `mutation ($n: String!, $email: String!) { assignCustomerAccount(customerNumber: $n, email: $email) { id } }`,
      { n: `look-${i}`, email: `look-${i}-second@example.com` },
    );
    expect(account.errors).toBeUndefined();
  }
});
afterAll(() => server?.close());

const expectedParts = (i: number) => ({
  addresses: [
    { id: `look-${i}-a2`, isDefault: true, tags: ['t2'] },
    { id: `look-${i}-a1`, isDefault: false, tags: ['t1'] },
  ],
  defaultAddress: { id: `look-${i}-a2` },
  accounts: [{ email: `look-${i}@example.com` }, { email: `look-${i}-second@example.com` }],
  businessModel: i === 2 ? 'B2C' : 'B2B',
  b2b:
    i === 2
      ? null
      : { companyRegistrationId: 'REG-1', legalEntities: [{ id: expect.any(String), name: 'Looking Glass' }] },
});

describe('a customer with its parts', () => {
  it('costs one statement and answers as the loaders do', async () => {
    const { result, statements } = await cost(() =>
      server.gql(`query ($n: String!) { customer(customerNumber: $n) { customerNumber ${PARTS} } }`, { n: 'look-1' }),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.customer).toEqual({ customerNumber: 'look-1', ...expectedParts(1) });
    expect(statements).toBe(1);
  });

  it('finds the parts in fragments and inline fragments', async () => {
    const { result, statements } = await cost(() =>
      server.gql(
        `query ($n: String!) { customer(customerNumber: $n) { customerNumber ...Places ... on Customer { accounts { email } } } }
         fragment Places on Customer { addresses { id isDefault tags } ...Company }
         fragment Company on Customer { b2b { companyRegistrationId } }`,
        { n: 'look-3' },
      ),
    );
    expect(result.errors).toBeUndefined();
    const { addresses, accounts } = expectedParts(3);
    expect(result.data?.customer).toEqual({
      customerNumber: 'look-3',
      addresses,
      accounts,
      b2b: { companyRegistrationId: 'REG-1' },
    });
    expect(statements).toBe(1);
  });

  it('reads no part that the selection does not show', async () => {
    const { result, statements } = await cost(() =>
      server.gql(`query ($n: String!) { customer(customerNumber: $n) { customerNumber lastName } }`, { n: 'look-2' }),
    );
    expect(result.data?.customer).toEqual({ customerNumber: 'look-2', lastName: 'Look 2' });
    expect(statements).toBe(1);
    const accountsOnly = await cost(() =>
      server.gql(`query ($n: String!) { customer(customerNumber: $n) { accounts { email } } }`, { n: 'look-2' }),
    );
    expect(accountsOnly.result.data?.customer).toEqual({ accounts: expectedParts(2).accounts });
    expect(accountsOnly.statements).toBe(1);
  });

  it('answers FORBIDDEN for the addresses of a caller who may not see them, and the rest as usual', async () => {
    // customer_read_own reads its company's customers, not their addresses (AUTH.md); selectedParts leaves the
    // addresses out of the read (test/lookahead-unit.test.ts).
    const token = await server.token({ scope: 'customer.customer_read_own', customer_id: 'look-1' });
    const { result, statements } = await cost(() =>
      server.gql(
        `query ($n: String!) { customer(customerNumber: $n) { customerNumber accounts { email } addresses { id } } }`,
        { n: 'look-3' },
        { token },
      ),
    );
    expect(codes(result)).toEqual(['FORBIDDEN']);
    expect(result.errors?.[0]?.path).toEqual(['customer', 'addresses']);
    expect(result.data?.customer).toBeNull();
    expect(statements).toBe(1);
    // A customer of another company is not there at all, parts or not.
    const other = await server.gql(
      `query ($n: String!) { customer(customerNumber: $n) { customerNumber accounts { email } } }`,
      { n: 'look-2' },
      { token },
    );
    expect(other.errors).toBeUndefined();
    expect(other.data?.customer).toBeNull();
  });
});

describe('parts under @skip and @include', () => {
  it('brings the parts the variables leave in, in the one statement, whichever values came first', async () => {
    // One document text for every request: the server parses it once, and the lookahead remembers it per node.
    const document = `query ($n: String!, $x: Boolean!) { customer(customerNumber: $n) {
      businessModel addresses @include(if: $x) { id } accounts @skip(if: $x) @include(if: $x) { email }
      ... @include(if: $x) { accounts { email } } } }`;
    const { addresses, accounts, businessModel } = expectedParts(1);
    for (const x of [false, true, false, true]) {
      const { result, statements } = await cost(() => server.gql(document, { n: 'look-1', x }));
      expect(result.errors).toBeUndefined();
      expect(result.data?.customer).toEqual(
        x ? { businessModel, addresses: addresses.map(({ id }) => ({ id })), accounts } : { businessModel },
      );
      // A part that the answer shows but the customer's read left out would cost its loader's statement.
      expect(statements).toBe(1);
    }
  });
});

describe('a page of customers with their parts', () => {
  it('costs the same statements for one customer as for three, and answers as the loaders do', async () => {
    const page = (first: number) =>
      cost(() =>
        server.gql(
          `query ($first: Int!) { customers(first: $first, filter: { search: "look-" }, orderBy: [{ field: CUSTOMER_NUMBER }]) {
            edges { node { customerNumber ${PARTS} } } } }`,
          { first },
        ),
      );
    const one = await page(1);
    const three = await page(3);
    expect(three.result.errors).toBeUndefined();
    expect(three.result.data?.customers.edges.map((edge: { node: unknown }) => edge.node)).toEqual(
      [1, 2, 3].map((i) => ({ customerNumber: `look-${i}`, ...expectedParts(i) })),
    );
    expect(one.statements).toBe(STORE === 'postgres' ? 1 : 4);
    expect(three.statements).toBe(one.statements);
  });
});
