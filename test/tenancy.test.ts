/**
 * "Not yours" looks exactly like "missing". For every way to name a customer or an address (ids, filters, cursors,
 * nested fields, mutations), a caller gets the same answer for a row of another tenant, or of another company
 * for an own-scope customer token, as for one that does not exist: the same status, data and errors once the ids
 * are replaced by placeholders, and the same number of SQL statements (so the checks do the same work, without
 * asserting anything about time).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LegalEntity } from '../src/domain/store.js';
import { startTestServer, type TestServer } from './helpers.js';
import { fixtures, type Fixtures, type SeededCustomer } from './tenant-fixtures.js';

type Vars = Record<string, string>;

let server: TestServer;
let fx: Fixtures;
/** acme's own customer, used where only the other id varies. */
let mine: SeededCustomer;
/** Another customer of acme: its address is not `mine`'s. */
let neighbour: SeededCustomer;
let globexCompany: LegalEntity;
let theirs: SeededCustomer;
/** Everything stored about globex's customer before any test ran. */
let theirsBefore: string;
// An own-scope customer token of acme: Alice of company A, who does not share a company with the stranger.
let alice: SeededCustomer;
let stranger: SeededCustomer;
let strangerCompany: LegalEntity;
let readOwn: string;
let manageOwn: string;

let missingCount = 0;
/** A customer number, address id or other value that exists nowhere, each call a new one. */
const missing = (prefix = 'C-missing') => `${prefix}-${++missingCount}`;

beforeAll(async () => {
  server = await startTestServer();
  fx = fixtures(server.service);
  const companyA = await fx.company('acme');
  strangerCompany = await fx.company('acme');
  mine = await fx.customer('acme', { entities: [companyA] });
  neighbour = await fx.customer('acme');
  alice = await fx.customer('acme', { entities: [companyA] });
  stranger = await fx.customer('acme', { entities: [strangerCompany], firstName: 'Strangelove' });
  globexCompany = await fx.company('globex');
  theirs = await fx.customer('globex', { entities: [globexCompany], firstName: 'Globexina' });
  theirsBefore = await fx.fingerprint('globex', theirs.number);
  const own = (scope: string) => server.token({ tenant: 'acme', scope, sub: alice.number, customer_id: alice.number });
  readOwn = await own('customer.customer_read_own');
  manageOwn = await own('customer.customer_manage_own');
});
afterAll(() => server?.close());

/** One call, as the caller sees it, with the given variables' values replaced by `<name>`. */
async function observe(query: string, vars: Vars, token?: string) {
  const before = await server.statements();
  const res = await server.gql(query, vars, { token });
  const statements = (await server.statements()) - before;
  let text = JSON.stringify({ status: res.status, data: res.data ?? null, errors: res.errors ?? [], statements });
  for (const [name, value] of Object.entries(vars).sort(([, a], [, b]) => b.length - a.length)) {
    text = text.replaceAll(value, `<${name}>`);
  }
  return JSON.parse(text) as { status: number; data: any; errors: any[]; statements: number };
}

/**
 * Asserts that "not yours" and "missing" get identical answers, and returns the answer. A warm-up call first, so
 * that preparing statements on first use does not count; operations that create take their own warm-up values.
 */
async function expectAlike(query: string, variants: { notYours: Vars; missing: Vars; warmUp?: Vars }, token?: string) {
  await observe(query, variants.warmUp ?? variants.missing, token);
  const asMissing = await observe(query, variants.missing, token);
  const asNotYours = await observe(query, variants.notYours, token);
  expect(asNotYours).toEqual(asMissing);
  return asMissing;
}

const notFound = (path: string) => ({
  status: 404,
  data: null,
  codes: ['NOT_FOUND'],
  path: [path],
});
const summary = (r: { status: number; data: any; errors: any[] }) => ({
  status: r.status,
  data: r.data,
  codes: r.errors.map((e) => e.extensions?.code),
  path: r.errors[0]?.path,
});

describe('another tenant: queries', () => {
  it('customer(customerNumber)', async () => {
    const r = await expectAlike(`query($n: String!) { customer(customerNumber: $n) { customerNumber } }`, {
      notYours: { n: theirs.number },
      missing: { n: missing() },
    });
    expect(r.data).toEqual({ customer: null });
  });

  it('customerAddress: their customer and address, my customer and their address, my customer and a neighbour address', async () => {
    const query = `query($n: String!, $a: ID!) { customerAddress(customerNumber: $n, addressId: $a) { id } }`;
    const cases: { notYours: Vars; missing: Vars }[] = [
      { notYours: { n: theirs.number, a: theirs.addressId }, missing: { n: missing(), a: missing('a') } },
      { notYours: { n: mine.number, a: theirs.addressId }, missing: { n: mine.number, a: missing('a') } },
      { notYours: { n: mine.number, a: neighbour.addressId }, missing: { n: mine.number, a: missing('a') } },
    ];
    for (const variants of cases) {
      expect((await expectAlike(query, variants)).data).toEqual({ customerAddress: null });
    }
  });

  it('customers filtered by their legal entity, their contact email, or a search for their name', async () => {
    const list = (filter: string, type: string) => `query($v: ${type}) {
      customers(filter: { ${filter}: $v }) { totalCount edges { node { customerNumber } } pageInfo { hasNextPage endCursor } }
    }`;
    const empty = { customers: { totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } } };
    const filters = [
      { query: list('legalEntityId', 'ID'), notYours: globexCompany.id, missing: missing('LE') },
      { query: list('contactEmail', 'String'), notYours: theirs.email, missing: `${missing('nobody')}@example.com` },
      { query: list('search', 'String'), notYours: theirs.firstName, missing: missing('Nobody') },
    ];
    for (const { query, notYours, missing: absent } of filters) {
      const r = await expectAlike(query, { notYours: { v: notYours }, missing: { v: absent } });
      expect(r.data).toEqual(empty);
    }
  });

  it('a cursor made in another tenant is a position only: the same page whether its row exists there or not', async () => {
    const gone = await fx.customer('globex');
    const globexToken = await server.token({ tenant: 'globex' });
    const source = await server.gql(
      `query($e: String!) { customers(first: 1, filter: { contactEmail: $e }) { edges { cursor } } }`,
      { e: gone.email },
      { token: globexToken },
    );
    const cursor = source.data!.customers.edges[0].cursor as string;
    const page = `query($c: String!) {
      customers(first: 50, after: $c) { totalCount edges { node { customerNumber } } pageInfo { hasNextPage hasPreviousPage } }
    }`;
    await observe(page, { c: cursor });
    const whileTheirs = await observe(page, { c: cursor });
    await fx.deleteCustomer('globex', gone.number);
    const onceMissing = await observe(page, { c: cursor });
    expect(whileTheirs).toEqual(onceMissing);
    // Only acme's customers, and acme's total.
    const acme = await server.gql(`{ customers(first: 200) { totalCount edges { node { customerNumber } } } }`);
    const acmeNumbers = acme.data!.customers.edges.map((e: any) => e.node.customerNumber);
    expect(whileTheirs.data.customers.totalCount).toBe(acme.data!.customers.totalCount);
    for (const edge of whileTheirs.data.customers.edges) expect(acmeNumbers).toContain(edge.node.customerNumber);
  });

  it("a customer number used in both tenants: acme's customer shows nothing of globex's, nested fields included", async () => {
    const twin = await fx.customer('acme');
    const query = `query($n: String!) {
      customer(customerNumber: $n) {
        customerNumber firstName businessModel accounts { email } addresses { id } defaultAddress { id }
        b2b { legalEntities { id name } } metadata { version }
      }
    }`;
    const alone = await observe(query, { n: twin.number });
    // Globex gets a customer under the same number, with its own company, account and address.
    await fx.customer('globex', { number: twin.number, entities: [globexCompany] });
    const withTwin = await observe(query, { n: twin.number });
    expect(withTwin).toEqual(alone);
    expect(alone.data.customer).toMatchObject({ customerNumber: '<n>', firstName: twin.firstName, b2b: null });
  });
});

describe('another tenant: mutations', () => {
  it('patch, delete and assignCustomerAccount of their customer: NOT_FOUND, as for a missing one', async () => {
    const mutations = [
      {
        root: 'patchCustomer',
        query: `mutation($n: String!) { patchCustomer(customerNumber: $n, input: { lastName: "X" }) { customerNumber } }`,
      },
      {
        root: 'deleteCustomer',
        query: `mutation($n: String!) { deleteCustomer(customerNumber: $n) { customerNumber } }`,
      },
      {
        root: 'assignCustomerAccount',
        query: `mutation($n: String!) { assignCustomerAccount(customerNumber: $n, email: "new-login@example.com") { id } }`,
      },
      {
        root: 'addCustomerAddress',
        query: `mutation($n: String!) { addCustomerAddress(customerNumber: $n, input: { contactName: "X", country: "DE" }) { id } }`,
      },
    ];
    for (const { root, query } of mutations) {
      const r = await expectAlike(query, { notYours: { n: theirs.number }, missing: { n: missing() } });
      expect(summary(r)).toEqual(notFound(root));
    }
    expect(await fx.fingerprint('globex', theirs.number)).toBe(theirsBefore);
  });

  it('every address and tag mutation, with their customer, their address, or a neighbour address: NOT_FOUND alike', async () => {
    const mutations: Record<string, string> = {
      updateCustomerAddress: 'input: { contactName: "X", country: "DE" }',
      patchCustomerAddress: 'input: { city: "X" }',
      deleteCustomerAddress: '',
      addCustomerAddressTags: 'tags: ["X"]',
      removeCustomerAddressTags: 'tags: ["BILLING"]',
    };
    const neighbourBefore = await fx.fingerprint('acme', neighbour.number);
    for (const [root, args] of Object.entries(mutations)) {
      const query = `mutation($n: String!, $a: ID!) { ${root}(customerNumber: $n, addressId: $a${args ? `, ${args}` : ''}) { __typename } }`;
      const cases: { notYours: Vars; missing: Vars }[] = [
        { notYours: { n: theirs.number, a: theirs.addressId }, missing: { n: missing(), a: missing('a') } },
        { notYours: { n: mine.number, a: theirs.addressId }, missing: { n: mine.number, a: missing('a') } },
        { notYours: { n: mine.number, a: neighbour.addressId }, missing: { n: mine.number, a: missing('a') } },
      ];
      for (const variants of cases) expect(summary(await expectAlike(query, variants))).toEqual(notFound(root));
    }
    expect(await fx.fingerprint('globex', theirs.number)).toBe(theirsBefore);
    expect(await fx.fingerprint('acme', neighbour.number)).toBe(neighbourBefore);
  });

  it('their customer number, email, registration or address id is free in my tenant: creating with it works as with new ones', async () => {
    const upsert = `mutation($n: String!) {
      upsertCustomer(customerNumber: $n, input: { firstName: "Mine" }) { created customer { customerNumber } }
    }`;
    const upserted = await expectAlike(upsert, {
      notYours: { n: theirs.number },
      missing: { n: missing() },
      warmUp: { n: missing() },
    });
    expect(upserted.data).toEqual({ upsertCustomer: { created: true, customer: { customerNumber: '<n>' } } });

    const create = `mutation($id: ID!, $email: String!, $registration: String!) {
      createCustomer(input: { id: $id, contactEmail: $email, b2b: { companyRegistrationId: $registration } }) {
        customerNumber contactEmail accounts { email }
      }
    }`;
    const fresh = () => ({ id: missing(), email: `${missing('fresh')}@example.com`, registration: missing('REG') });
    const someOther = await fx.customer('globex');
    const created = await expectAlike(create, {
      notYours: { id: someOther.number, email: theirs.email, registration: globexCompany.registrationId! },
      missing: fresh(),
      warmUp: fresh(),
    });
    expect(created.data.createCustomer).toEqual({
      customerNumber: '<id>',
      contactEmail: '<email>',
      accounts: [{ email: '<email>' }],
    });
    // The registration id made a company of acme's own, not a link to globex's.
    expect(await fx.entityIdsOf('acme', someOther.number)).toHaveLength(1);
    expect(await fx.entityIdsOf('acme', someOther.number)).not.toContain(globexCompany.id);

    const addAddress = `mutation($n: String!, $a: ID!) {
      addCustomerAddress(customerNumber: $n, input: { id: $a, contactName: "X", country: "DE" }) { id }
    }`;
    const added = await expectAlike(addAddress, {
      notYours: { n: mine.number, a: theirs.addressId },
      missing: { n: mine.number, a: missing('a') },
      warmUp: { n: mine.number, a: missing('a') },
    });
    expect(added.data).toEqual({ addCustomerAddress: { id: '<a>' } });

    const assign = `mutation($n: String!, $email: String!) { assignCustomerAccount(customerNumber: $n, email: $email) { email } }`;
    const assigned = await expectAlike(assign, {
      notYours: { n: mine.number, email: (await fx.customer('globex')).email },
      missing: { n: mine.number, email: `${missing('fresh')}@example.com` },
      warmUp: { n: mine.number, email: `${missing('fresh')}@example.com` },
    });
    expect(assigned.data).toEqual({ assignCustomerAccount: { email: '<email>' } });

    expect(await fx.fingerprint('globex', theirs.number)).toBe(theirsBefore);
    expect(await fx.fingerprint('globex', someOther.number)).not.toBe('gone');
  });
});

describe('another company, for an own-scope customer token', () => {
  it('customer(customerNumber) of a stranger is null, as for a missing one', async () => {
    const r = await expectAlike(
      `query($n: String!) { customer(customerNumber: $n) { customerNumber } }`,
      { notYours: { n: stranger.number }, missing: { n: missing() } },
      readOwn,
    );
    expect(r.data).toEqual({ customer: null });
  });

  it("customers filtered by the stranger's company, email or name are empty, as for missing ones", async () => {
    const list = (filter: string, type: string) => `query($v: ${type}) {
      customers(filter: { ${filter}: $v }) { totalCount edges { node { customerNumber } } }
    }`;
    const filters = [
      { query: list('legalEntityId', 'ID'), notYours: strangerCompany.id, missing: missing('LE') },
      { query: list('contactEmail', 'String'), notYours: stranger.email, missing: `${missing('nobody')}@example.com` },
      { query: list('search', 'String'), notYours: stranger.firstName, missing: missing('Nobody') },
    ];
    for (const { query, notYours, missing: absent } of filters) {
      const r = await expectAlike(query, { notYours: { v: notYours }, missing: { v: absent } }, readOwn);
      expect(r.data).toEqual({ customers: { totalCount: 0, edges: [] } });
    }
  });

  it("a cursor at a stranger's row gives the page it gives once that row is gone", async () => {
    const gone = await fx.customer('acme', { entities: [strangerCompany] });
    const source = await server.gql(
      `query($e: String!) { customers(first: 1, filter: { contactEmail: $e }) { edges { cursor } } }`,
      { e: gone.email },
    );
    const cursor = source.data!.customers.edges[0].cursor as string;
    const page = `query($c: String!) { customers(first: 10, after: $c) { totalCount edges { node { customerNumber } } } }`;
    await observe(page, { c: cursor }, readOwn);
    const whileTheirs = await observe(page, { c: cursor }, readOwn);
    await fx.deleteCustomer('acme', gone.number);
    expect(await observe(page, { c: cursor }, readOwn)).toEqual(whileTheirs);
  });

  it('patch, upsert and delete of a stranger: NOT_FOUND, as for a missing one, and the stranger is untouched', async () => {
    const before = await fx.fingerprint('acme', stranger.number);
    const mutations = [
      {
        root: 'patchCustomer',
        query: `mutation($n: String!) { patchCustomer(customerNumber: $n, input: { lastName: "X" }) { customerNumber } }`,
      },
      {
        root: 'upsertCustomer',
        query: `mutation($n: String!) { upsertCustomer(customerNumber: $n, input: { lastName: "X" }) { created } }`,
      },
      {
        root: 'deleteCustomer',
        query: `mutation($n: String!) { deleteCustomer(customerNumber: $n) { customerNumber } }`,
      },
    ];
    for (const { root, query } of mutations) {
      const r = await expectAlike(query, { notYours: { n: stranger.number }, missing: { n: missing() } }, manageOwn);
      expect(summary(r)).toEqual(notFound(root));
    }
    expect(await fx.fingerprint('acme', stranger.number)).toBe(before);
  });
});
