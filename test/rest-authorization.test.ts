/**
 * The REST API's route × scope matrix: every route × each kind of caller of AUTH.md (each scope alone, no scope, no
 * token, customer tokens with own scopes, narrowed to one legal entity or not, without a company, another tenant)
 * × customers inside and outside the caller's company. Each cell asserts the outcome AUTH.md's table gives (written
 * out here, not imported from src/auth), asserts that the GraphQL operation the route stands for answers the same,
 * and for writes that the customer changed exactly when the write succeeded. A token of another tenant calling
 * with this tenant's path is the 400 of REST.md; with its own path it finds nothing of this tenant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type GraphQLResponse, type TestServer } from './helpers.js';
import { restClient } from './support/rest-client.js';
import {
  companyOf,
  PRINCIPALS,
  reachOf,
  sees,
  TARGETS,
  type Principal,
  type Rule,
  type Target,
  seedWorld,
  type World,
} from './support/auth-matrix.js';
import { fixtures, type Fixtures, type SeededCustomer } from './tenant-fixtures.js';

/** What a cell answers, in the terms both APIs share. */
type Outcome = 'data' | 'absent' | 'forbidden' | 'unauthenticated';

interface Cell {
  target: SeededCustomer;
  unique: string;
}

interface RouteCase {
  route: string;
  rule: Rule;
  write: boolean;
  /** Names no existing customer (create). */
  noTarget?: true;
  /** Where the caller's tenant has no such customer, it creates one (PUT). */
  createsWhenAbsent?: true;
  rest(cell: Cell): { method: string; path: string; body?: unknown };
  /** The REST answer's outcome beyond its status (a list tells absence by its Count). */
  restOutcome?(status: number, headers: Headers): Outcome | undefined;
  graphql: string;
  variables(cell: Cell): Record<string, unknown>;
  /**
   * For an answer that is a customer (a list's first one): the GraphQL twin with a selection in place of `%`, which
   * each guarded field of the REST answer is compared with (present in REST exactly when GraphQL answers it).
   */
  customerFields?: string;
}

/** The fields of a customer's REST answer that a permission guards, and their GraphQL selections. */
const GUARDED_FIELDS = { b2b: 'b2b { companyRegistrationId }', defaultAddress: 'defaultAddress { id }' };
const READ_CUSTOMER_WITH = 'query($n: String!) { customer(customerNumber: $n) { customerNumber % } }';

const c = (cell: Cell) => `/customers/${cell.target.number}`;
const a = (cell: Cell) => `${c(cell)}/addresses/${cell.target.addressId}`;
const customerVars = (cell: Cell) => ({ n: cell.target.number });
const addressVars = (cell: Cell) => ({ n: cell.target.number, a: cell.target.addressId });
const READ_CUSTOMER = 'query($n: String!) { customer(customerNumber: $n) { customerNumber } }';
const READ_ADDRESS = 'query($n: String!, $a: ID!) { customerAddress(customerNumber: $n, addressId: $a) { id } }';
const listed = (status: number, headers: Headers): Outcome | undefined =>
  status === 200 ? (headers.get('count') === '1' ? 'data' : 'absent') : undefined;

const ROUTE_CASES: RouteCase[] = [
  {
    route: 'listCustomers',
    rule: 'read',
    write: false,
    rest: (cell) => ({ method: 'GET', path: `/customers?q=id:${cell.target.number}` }),
    restOutcome: listed,
    graphql: READ_CUSTOMER,
    variables: customerVars,
    customerFields: READ_CUSTOMER_WITH,
  },
  {
    route: 'createCustomer',
    rule: 'create',
    write: true,
    noTarget: true,
    rest: () => ({ method: 'POST', path: '/customers', body: { firstName: 'New' } }),
    graphql: 'mutation { createCustomer(input: { firstName: "New" }) { customerNumber } }',
    variables: () => ({}),
  },
  {
    route: 'searchCustomers',
    rule: 'read',
    write: false,
    rest: (cell) => ({ method: 'POST', path: '/customers/search', body: { q: `id:${cell.target.number}` } }),
    restOutcome: listed,
    graphql: READ_CUSTOMER,
    variables: customerVars,
    customerFields: READ_CUSTOMER_WITH,
  },
  {
    route: 'upsertCustomer',
    rule: 'update',
    write: true,
    createsWhenAbsent: true,
    rest: (cell) => ({ method: 'PUT', path: c(cell), body: { lastName: 'Upserted' } }),
    graphql:
      'mutation($n: String!) { upsertCustomer(customerNumber: $n, input: { lastName: "Upserted" }) { created } }',
    variables: customerVars,
  },
  {
    route: 'patchCustomer',
    rule: 'update',
    write: true,
    rest: (cell) => ({ method: 'PATCH', path: c(cell), body: { lastName: 'Patched' } }),
    graphql:
      'mutation($n: String!) { patchCustomer(customerNumber: $n, input: { lastName: "Patched" }) { customerNumber } }',
    variables: customerVars,
    customerFields:
      'mutation($n: String!) { patchCustomer(customerNumber: $n, input: { lastName: "Patched" }) { customerNumber % } }',
  },
  {
    route: 'getCustomer',
    rule: 'read',
    write: false,
    rest: (cell) => ({ method: 'GET', path: c(cell) }),
    graphql: READ_CUSTOMER,
    variables: customerVars,
    customerFields: READ_CUSTOMER_WITH,
  },
  {
    route: 'deleteCustomer',
    rule: 'delete',
    write: true,
    rest: (cell) => ({ method: 'DELETE', path: c(cell) }),
    graphql: 'mutation($n: String!) { deleteCustomer(customerNumber: $n) { customerNumber } }',
    variables: customerVars,
  },
  {
    route: 'assignAccount',
    rule: 'parts',
    write: true,
    rest: (cell) => ({
      method: 'POST',
      path: `${c(cell)}/accounts/internal`,
      body: { email: `rest-${cell.unique}@example.com` },
    }),
    graphql: 'mutation($n: String!, $e: String!) { assignCustomerAccount(customerNumber: $n, email: $e) { email } }',
    variables: (cell) => ({ n: cell.target.number, e: `gql-${cell.unique}@example.com` }),
  },
  {
    route: 'listAddresses',
    rule: 'addresses',
    write: false,
    rest: (cell) => ({ method: 'GET', path: `${c(cell)}/addresses` }),
    graphql: READ_ADDRESS,
    variables: addressVars,
  },
  {
    route: 'addAddress',
    rule: 'parts',
    write: true,
    rest: (cell) => ({ method: 'POST', path: `${c(cell)}/addresses`, body: { contactName: 'Added', country: 'FR' } }),
    graphql:
      'mutation($n: String!) { addCustomerAddress(customerNumber: $n, input: { contactName: "Added", country: "FR" }) { id } }',
    variables: customerVars,
  },
  {
    route: 'upsertAddress',
    rule: 'parts',
    write: true,
    rest: (cell) => ({ method: 'PUT', path: a(cell), body: { contactName: 'Updated', country: 'AT' } }),
    graphql:
      'mutation($n: String!, $a: ID!) { updateCustomerAddress(customerNumber: $n, addressId: $a, input: { contactName: "Updated", country: "AT" }) { id } }',
    variables: addressVars,
  },
  {
    route: 'patchAddress',
    rule: 'parts',
    write: true,
    rest: (cell) => ({ method: 'PATCH', path: a(cell), body: { city: 'Hamburg' } }),
    graphql:
      'mutation($n: String!, $a: ID!) { patchCustomerAddress(customerNumber: $n, addressId: $a, input: { city: "Hamburg" }) { id } }',
    variables: addressVars,
  },
  {
    route: 'getAddress',
    rule: 'addresses',
    write: false,
    rest: (cell) => ({ method: 'GET', path: a(cell) }),
    graphql: READ_ADDRESS,
    variables: addressVars,
  },
  {
    route: 'deleteAddress',
    rule: 'parts',
    write: true,
    rest: (cell) => ({ method: 'DELETE', path: a(cell) }),
    graphql:
      'mutation($n: String!, $a: ID!) { deleteCustomerAddress(customerNumber: $n, addressId: $a) { addressId } }',
    variables: addressVars,
  },
  {
    route: 'addAddressTags',
    rule: 'parts',
    write: true,
    rest: (cell) => ({ method: 'POST', path: `${a(cell)}/tags?tags=VIP` }),
    graphql:
      'mutation($n: String!, $a: ID!) { addCustomerAddressTags(customerNumber: $n, addressId: $a, tags: ["VIP"]) { id } }',
    variables: addressVars,
  },
  {
    route: 'removeAddressTags',
    rule: 'parts',
    write: true,
    rest: (cell) => ({ method: 'DELETE', path: `${a(cell)}/tags?tags=BILLING` }),
    graphql:
      'mutation($n: String!, $a: ID!) { removeCustomerAddressTags(customerNumber: $n, addressId: $a, tags: ["BILLING"]) { id } }',
    variables: addressVars,
  },
];

/** AUTH.md's answer for a cell; `t` is undefined for a create. */
function expectedOutcome(rc: RouteCase, p: Principal, t: Target | undefined): Outcome {
  if (p.tenant === null) return 'unauthenticated';
  const reach = reachOf(p, rc.rule);
  if (!reach) return 'forbidden';
  // An own-scope create needs a company to put the new customer in.
  if (rc.noTarget) return reach === 'own' && companyOf(p).length === 0 ? 'forbidden' : 'data';
  // Another tenant has no such customer: an upsert creates one of its own, anything else finds nothing.
  if (p.tenant !== 'acme') return rc.createsWhenAbsent ? 'data' : 'absent';
  return sees(p, reach, t!) ? 'data' : 'absent';
}

function restOutcome(rc: RouteCase, status: number, headers: Headers): Outcome {
  const special = rc.restOutcome?.(status, headers);
  if (special) return special;
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'absent';
  if (status >= 200 && status < 300) return 'data';
  throw new Error(`${rc.route}: unexpected status ${status}`);
}

function graphqlOutcome(response: GraphQLResponse): Outcome {
  const code = response.errors?.[0]?.extensions?.code;
  if (code === 'UNAUTHENTICATED') return 'unauthenticated';
  if (code === 'FORBIDDEN') return 'forbidden';
  if (code === 'NOT_FOUND') return 'absent';
  if (code) throw new Error(`unexpected GraphQL error ${code}: ${response.errors![0]!.message}`);
  const value = Object.values(response.data ?? {})[0];
  return value === null || value === undefined ? 'absent' : 'data';
}

let server: TestServer;
let fx: Fixtures;
let world: World;
let cellNumber = 0;

beforeAll(async () => {
  server = await startTestServer();
  fx = fixtures(server.service);
  world = await seedWorld(server, fx);
});
afterAll(() => server?.close());

describe.each(ROUTE_CASES)('$route', (rc) => {
  it.each(PRINCIPALS)('$name', async (p) => {
    const token = world.tokens.get(p)!;
    const rest = restClient(server, token);
    // The token's own tenant in the path; without a token, the tenant of the data.
    const base = `/customer/${p.tenant ?? 'acme'}`;
    for (const t of rc.noTarget ? [undefined] : TARGETS) {
      const expected = expectedOutcome(rc, p, t);
      // Writes get customers of their own (one for REST, one for GraphQL), so each sees the target as it was seeded.
      const fresh = async () =>
        rc.write && t
          ? fx.customer('acme', { entities: t.companies.map((n) => world.companies[n]) })
          : world.targets.get(t!)!;
      const restCell: Cell = { target: t ? await fresh() : (undefined as never), unique: `r${++cellNumber}` };
      const gqlCell: Cell = { target: t ? await fresh() : (undefined as never), unique: `g${++cellNumber}` };
      const where = `${rc.route} × ${p.name} × ${t?.name ?? 'new customer'}`;

      const before = t ? await fx.fingerprint('acme', restCell.target.number) : String(await fx.count('acme'));
      const request = rc.rest(restCell);
      const answer = await rest(request.method, `${base}${request.path}`, { body: request.body });
      expect(restOutcome(rc, answer.status, answer.headers), `${where} (REST ${answer.status} ${answer.text})`).toBe(
        expected,
      );
      const after = t ? await fx.fingerprint('acme', restCell.target.number) : String(await fx.count('acme'));
      // A write changes the tenant's customer exactly when it succeeds (another tenant's upsert creates its own).
      const changesAcme = rc.write && expected === 'data' && p.tenant === 'acme';
      if (changesAcme) expect(after, where).not.toBe(before);
      else expect(after, where).toBe(before);

      const response = await server.gql(rc.graphql, rc.variables(gqlCell), { token });
      expect(graphqlOutcome(response), `${where} (GraphQL ${JSON.stringify(response.errors ?? response.data)})`).toBe(
        expected,
      );

      // The answer's fields: REST shows a guarded field exactly when GraphQL answers it to the same caller.
      if (rc.customerFields && expected === 'data') {
        const customer = Array.isArray(answer.json) ? answer.json[0] : answer.json;
        for (const [field, selection] of Object.entries(GUARDED_FIELDS)) {
          // A write changes a customer of its own, made like the target (its REST one was changed already).
          const target = rc.write ? await fresh() : restCell.target;
          const twin = await server.gql(rc.customerFields.replace('%', selection), { n: target.number }, { token });
          const answered = Object.values(twin.data ?? {})[0] as Record<string, unknown> | null | undefined;
          const inGraphql = answered?.[field] !== undefined && answered?.[field] !== null;
          expect(field in customer, `${where}: ${field} (GraphQL ${JSON.stringify(twin.errors ?? twin.data)})`).toBe(
            inGraphql,
          );
        }
      }

      // Another tenant's token on this tenant's path: REST.md's 400, whatever the route, and nothing written.
      if (p.tenant === 'globex') {
        const request = rc.rest(restCell);
        const refused = await rest(request.method, `/customer/acme${request.path}`, { body: request.body });
        expect(refused.status, where).toBe(400);
        expect(refused.json.message).toBe('The tenant information provided with the request is not valid.');
        expect(t ? await fx.fingerprint('acme', restCell.target.number) : String(await fx.count('acme'))).toBe(after);
      }
    }
  });
});
