/**
 * AUTH.md's scope table, walked cell by cell: every operation of the contract × every kind of caller (each customer
 * scope on its own, no scope, no token, customer tokens with own scopes, with and without legal_entity_id, and a
 * caller of another tenant) × customers inside and outside the caller's company. Each cell asserts the exact
 * outcome: the data, null / absent, FORBIDDEN with the scopes that would allow it, NOT_FOUND, or UNAUTHENTICATED;
 * and for mutations, that the customer changed exactly when the mutation succeeded.
 *
 * The expected outcomes come from AUTH.md's table, written out below on its own (not imported from src/auth), so
 * that this test checks the implementation rather than repeating it.
 */
import { getNamedType, isObjectType, type GraphQLField, type GraphQLObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldPermission } from '../src/graphql/field-permission.js';
import { publicSchema } from '../src/graphql/schema.js';
import { codes, MANAGE, startTestServer, type GraphQLResponse, type TestServer } from './helpers.js';
import {
  companyOf,
  CREATE,
  MANAGE_OWN,
  PRINCIPALS,
  READ,
  READ_OWN,
  reachOf,
  RULES,
  sees,
  TARGETS,
  UPDATE,
  type Principal,
  type Rule,
  type Target,
  seedWorld,
  type World,
} from './support/auth-matrix.js';
import { fixtures, type Fixtures, type SeededCustomer } from './tenant-fixtures.js';

/** The scope that manages webhook endpoints (EVENTS.md), and only them. */
const WEBHOOKS = 'webhook.subscription_manage';

const requiredScopes = (rule: Rule) => [...RULES[rule].tenant, ...RULES[rule].own].sort();

// ---------------------------------------------------------------------------------------------------------------
// The operations
// ---------------------------------------------------------------------------------------------------------------
/** A scope check on the way to the data: the rule, the response path it guards, and the HTTP status when it fails. */
interface Check {
  rule: Rule;
  path: string[];
  status: number;
}

interface CellContext {
  target: SeededCustomer;
  principal: Principal;
  /** Unique per cell, for new customer numbers and emails. */
  unique: string;
  world: World;
}

interface Operation {
  name: string;
  kind: 'query' | 'mutation';
  /** The checks in the order the server meets them; the first is the root field's. */
  checks: Check[];
  document: string;
  variables(ctx: CellContext): Record<string, unknown>;
  /** The exact `data` of a successful call. */
  data(ctx: CellContext): unknown;
  /** Queries: the exact `data` when the customer is missing or not the caller's. Mutations answer NOT_FOUND. */
  absent?: unknown;
  /** Mutations: what success does to the target customer. */
  effect?: 'changed' | 'gone' | 'unchanged';
  /** Operations that name no existing customer. */
  special?: 'me' | 'create' | 'upsertCreate';
  /** An upsert: where the caller's tenant has no such customer, it creates one. */
  createsWhenAbsent?: true;
}

const root = (name: string, rule: Rule): Check => ({ rule, path: [name], status: 403 });
/** A create by an own-scope caller: its customer number is generated. */
const ownCreate = (p: Principal) => reachOf(p, 'create') === 'own';
const nested = (path: string[], rule: Rule, status: number): Check => ({ rule, path, status });
const customerVars = (ctx: CellContext) => ({ n: ctx.target.number });
const addressVars = (ctx: CellContext) => ({ n: ctx.target.number, a: ctx.target.addressId });
const entityIds = (ctx: CellContext) => ctx.target.entityIds.map((id) => ({ id }));

/** `customer(customerNumber)` and a nested field of it. */
function customerField(
  field: string,
  rule: Rule,
  selection: string,
  value: (ctx: CellContext) => unknown,
  status: number,
): Operation {
  return {
    name: `Customer.${field}`,
    kind: 'query',
    checks: [root('customer', 'read'), nested(['customer', field], rule, status)],
    document: `query($n: String!) { customer(customerNumber: $n) { customerNumber ${field} ${selection} } }`,
    variables: customerVars,
    data: (ctx) => ({ customer: { customerNumber: ctx.target.number, [field]: value(ctx) } }),
    absent: { customer: null },
  };
}

/** The same nested field on the customer a mutation returns (an empty patch, which changes nothing). */
function patchedCustomerField(
  field: string,
  rule: Rule,
  selection: string,
  value: (ctx: CellContext) => unknown,
  status: number,
): Operation {
  return {
    name: `patchCustomer → Customer.${field}`,
    kind: 'mutation',
    checks: [root('patchCustomer', 'update'), nested(['patchCustomer', field], rule, status)],
    document: `mutation($n: String!) { patchCustomer(customerNumber: $n, input: {}) { customerNumber ${field} ${selection} } }`,
    variables: customerVars,
    data: (ctx) => ({ patchCustomer: { customerNumber: ctx.target.number, [field]: value(ctx) } }),
    effect: 'unchanged',
  };
}

const accountsValue = (ctx: CellContext) => [{ email: ctx.target.email }];
const b2bValue = (ctx: CellContext) => (ctx.target.entityIds.length > 0 ? { legalEntities: entityIds(ctx) } : null);
const addressesValue = (ctx: CellContext) => [{ id: ctx.target.addressId }];
const defaultAddressValue = (ctx: CellContext) => ({ id: ctx.target.addressId });

/** An address or tag mutation; `fields` is the selection, `value` its expected result. */
function addressMutation(name: string, args: string, fields: string, value: (ctx: CellContext) => unknown): Operation {
  return {
    name,
    kind: 'mutation',
    checks: [root(name, 'parts')],
    document: `mutation($n: String!, $a: ID!) { ${name}(customerNumber: $n, ${args}) { ${fields} } }`,
    variables: addressVars,
    data: (ctx) => ({ [name]: value(ctx) }),
    effect: 'changed',
  };
}

const OPERATIONS: Operation[] = [
  {
    name: 'customer',
    kind: 'query',
    checks: [root('customer', 'read')],
    document: `query($n: String!) { customer(customerNumber: $n) { customerNumber firstName } }`,
    variables: customerVars,
    data: (ctx) => ({ customer: { customerNumber: ctx.target.number, firstName: ctx.target.firstName } }),
    absent: { customer: null },
  },
  {
    name: 'customers',
    kind: 'query',
    checks: [root('customers', 'read')],
    document: `query($email: String!) {
      customers(filter: { contactEmail: $email }) { totalCount edges { node { customerNumber } } }
    }`,
    variables: (ctx) => ({ email: ctx.target.email }),
    data: (ctx) => ({ customers: { totalCount: 1, edges: [{ node: { customerNumber: ctx.target.number } }] } }),
    absent: { customers: { totalCount: 0, edges: [] } },
  },
  {
    name: 'me',
    kind: 'query',
    special: 'me',
    checks: [root('me', 'read')],
    document: `{ me { customerNumber } }`,
    variables: () => ({}),
    data: (ctx) => ({ me: { customerNumber: ctx.world.actors[ctx.principal.customer!].number } }),
    absent: { me: null },
  },
  {
    name: 'customerAddress',
    kind: 'query',
    checks: [root('customerAddress', 'addresses')],
    document: `query($n: String!, $a: ID!) { customerAddress(customerNumber: $n, addressId: $a) { id city } }`,
    variables: addressVars,
    data: (ctx) => ({ customerAddress: { id: ctx.target.addressId, city: 'Berlin' } }),
    absent: { customerAddress: null },
  },
  {
    name: 'customerAddress → Address.customer',
    kind: 'query',
    checks: [root('customerAddress', 'addresses'), nested(['customerAddress', 'customer'], 'read', 200)],
    document: `query($n: String!, $a: ID!) {
      customerAddress(customerNumber: $n, addressId: $a) { id customer { customerNumber } }
    }`,
    variables: addressVars,
    data: (ctx) => ({ customerAddress: { id: ctx.target.addressId, customer: { customerNumber: ctx.target.number } } }),
    absent: { customerAddress: null },
  },
  customerField('accounts', 'read', '{ email }', accountsValue, 200),
  customerField('b2b', 'read', '{ legalEntities { id } }', b2bValue, 200),
  customerField('addresses', 'addresses', '{ id }', addressesValue, 200),
  customerField('defaultAddress', 'addresses', '{ id }', defaultAddressValue, 200),
  // Nested fields on a customer that a mutation returned: the mutation's scope does not stand in for read scopes,
  // and a selection asking for what the token may not read refuses the whole mutation before it writes.
  patchedCustomerField('accounts', 'read', '{ email }', accountsValue, 403),
  patchedCustomerField('b2b', 'read', '{ legalEntities { id } }', b2bValue, 403),
  patchedCustomerField('addresses', 'addresses', '{ id }', addressesValue, 403),
  patchedCustomerField('defaultAddress', 'addresses', '{ id }', defaultAddressValue, 403),
  {
    name: 'createCustomer',
    kind: 'mutation',
    special: 'create',
    checks: [root('createCustomer', 'create')],
    // The input asks for company Z; an own-scope caller's new customer joins the caller's company regardless.
    // Own-scope callers do not choose customer numbers (see 'own-company rules'): theirs are generated.
    document: `mutation($id: ID, $registration: String!) {
      createCustomer(input: { id: $id, firstName: "New", b2b: { companyRegistrationId: $registration } }) {
        customerNumber firstName
      }
    }`,
    variables: (ctx) => ({
      id: ownCreate(ctx.principal) ? null : `new-${ctx.unique}`,
      registration: ctx.world.companies.Z.registrationId,
    }),
    data: (ctx) => ({
      createCustomer: {
        customerNumber: ownCreate(ctx.principal) ? expect.any(String) : `new-${ctx.unique}`,
        firstName: 'New',
      },
    }),
  },
  {
    name: 'upsertCustomer (create)',
    kind: 'mutation',
    special: 'upsertCreate',
    checks: [root('upsertCustomer', 'update')],
    document: `mutation($n: String!) {
      upsertCustomer(customerNumber: $n, input: { firstName: "Upserted" }) { created customer { customerNumber firstName } }
    }`,
    variables: (ctx) => ({ n: `new-${ctx.unique}` }),
    data: (ctx) => ({
      upsertCustomer: { created: true, customer: { customerNumber: `new-${ctx.unique}`, firstName: 'Upserted' } },
    }),
  },
  {
    name: 'upsertCustomer (update)',
    kind: 'mutation',
    checks: [root('upsertCustomer', 'update')],
    document: `mutation($n: String!) {
      upsertCustomer(customerNumber: $n, input: { lastName: "Upserted" }) { created customer { customerNumber lastName } }
    }`,
    variables: customerVars,
    data: (ctx) => ({
      upsertCustomer: { created: false, customer: { customerNumber: ctx.target.number, lastName: 'Upserted' } },
    }),
    effect: 'changed',
    createsWhenAbsent: true,
  },
  {
    name: 'patchCustomer',
    kind: 'mutation',
    checks: [root('patchCustomer', 'update')],
    document: `mutation($n: String!) { patchCustomer(customerNumber: $n, input: { lastName: "Patched" }) { customerNumber lastName } }`,
    variables: customerVars,
    data: (ctx) => ({ patchCustomer: { customerNumber: ctx.target.number, lastName: 'Patched' } }),
    effect: 'changed',
  },
  {
    name: 'deleteCustomer',
    kind: 'mutation',
    checks: [root('deleteCustomer', 'delete')],
    document: `mutation($n: String!) { deleteCustomer(customerNumber: $n) { customerNumber deletedAddresses deletedAccounts } }`,
    variables: customerVars,
    data: (ctx) => ({ deleteCustomer: { customerNumber: ctx.target.number, deletedAddresses: 1, deletedAccounts: 1 } }),
    effect: 'gone',
  },
  {
    name: 'assignCustomerAccount',
    kind: 'mutation',
    checks: [root('assignCustomerAccount', 'parts')],
    document: `mutation($n: String!, $email: String!) { assignCustomerAccount(customerNumber: $n, email: $email) { email } }`,
    variables: (ctx) => ({ n: ctx.target.number, email: `assigned-${ctx.unique}@example.com` }),
    data: (ctx) => ({ assignCustomerAccount: { email: `assigned-${ctx.unique}@example.com` } }),
    effect: 'changed',
  },
  {
    ...addressMutation(
      'addCustomerAddress',
      'input: { contactName: "Added", country: "FR" }',
      'contactName country',
      () => ({
        contactName: 'Added',
        country: 'FR',
      }),
    ),
    // addCustomerAddress takes no address id.
    document: `mutation($n: String!) {
      addCustomerAddress(customerNumber: $n, input: { contactName: "Added", country: "FR" }) { contactName country }
    }`,
    variables: customerVars,
  },
  addressMutation(
    'updateCustomerAddress',
    'addressId: $a, input: { contactName: "Updated", country: "AT" }',
    'id contactName country',
    (ctx) => ({ id: ctx.target.addressId, contactName: 'Updated', country: 'AT' }),
  ),
  addressMutation('patchCustomerAddress', 'addressId: $a, input: { city: "Hamburg" }', 'id city', (ctx) => ({
    id: ctx.target.addressId,
    city: 'Hamburg',
  })),
  addressMutation('deleteCustomerAddress', 'addressId: $a', 'customerNumber addressId', (ctx) => ({
    customerNumber: ctx.target.number,
    addressId: ctx.target.addressId,
  })),
  addressMutation('addCustomerAddressTags', 'addressId: $a, tags: ["VIP"]', 'id tags', (ctx) => ({
    id: ctx.target.addressId,
    tags: ['BILLING', 'VIP'],
  })),
  addressMutation('removeCustomerAddressTags', 'addressId: $a, tags: ["BILLING"]', 'id tags', (ctx) => ({
    id: ctx.target.addressId,
    tags: [],
  })),
  {
    // An address mutation's result leads back to a customer: reading it takes a read scope.
    ...addressMutation(
      'addCustomerAddressTags',
      'addressId: $a, tags: ["VIP"]',
      'id customer { customerNumber }',
      (ctx) => ({
        id: ctx.target.addressId,
        customer: { customerNumber: ctx.target.number },
      }),
    ),
    name: 'addCustomerAddressTags → Address.customer',
    checks: [root('addCustomerAddressTags', 'parts'), nested(['addCustomerAddressTags', 'customer'], 'read', 403)],
  },
];

// ---------------------------------------------------------------------------------------------------------------
// The cells
// ---------------------------------------------------------------------------------------------------------------
type Outcome =
  | { kind: 'data' }
  | { kind: 'absent' }
  | { kind: 'forbidden'; check: Check }
  /** An own-scope create by a customer without a company: refused, no company to join. */
  | { kind: 'noCompany' }
  | { kind: 'unauthenticated' }
  /** An upsert by a caller of another tenant: a new customer of its own tenant, the target untouched. */
  | { kind: 'created' };

function expectedOutcome(op: Operation, p: Principal, t: Target | undefined): Outcome {
  if (p.tenant === null) return { kind: 'unauthenticated' };
  const [rootCheck, ...nestedChecks] = op.checks;
  const reach = reachOf(p, rootCheck!.rule);
  if (!reach) return { kind: 'forbidden', check: rootCheck! };
  switch (op.special) {
    case 'me': // a customer token always sees itself; any other token has no "me"
      return { kind: p.customer ? 'data' : 'absent' };
    case 'create':
      return reach === 'own' && companyOf(p).length === 0 ? { kind: 'noCompany' } : { kind: 'data' };
    case 'upsertCreate': // own scopes update but never create
      return { kind: reach === 'own' ? 'absent' : 'data' };
  }
  const forbiddenNested = nestedChecks.find((check) => !reachOf(p, check.rule));
  // A mutation's whole selection is checked before it runs; a query meets nested checks only on a customer it found.
  if (forbiddenNested && op.kind === 'mutation') return { kind: 'forbidden', check: forbiddenNested };
  if (!sees(p, reach, t!)) return { kind: op.createsWhenAbsent && reach === 'tenant' ? 'created' : 'absent' };
  return forbiddenNested ? { kind: 'forbidden', check: forbiddenNested } : { kind: 'data' };
}

function label(op: Operation, outcome: Outcome): string {
  switch (outcome.kind) {
    case 'data':
      return 'data';
    case 'absent':
      return op.kind === 'query' ? `${JSON.stringify(op.absent)}` : 'NOT_FOUND';
    case 'forbidden':
      return `FORBIDDEN at ${outcome.check.path.join('.')} (${outcome.check.rule})`;
    case 'noCompany':
      return 'FORBIDDEN (no company to join)';
    case 'unauthenticated':
      return 'UNAUTHENTICATED';
    case 'created':
      return "created in the caller's tenant";
  }
}

interface Cell {
  title: string;
  op: Operation;
  principal: Principal;
  target: Target | undefined;
  expected: Outcome;
}

const cells: Cell[] = OPERATIONS.flatMap((op) =>
  PRINCIPALS.flatMap((principal) =>
    (op.special ? [undefined] : TARGETS).map((target): Cell => {
      const expected = expectedOutcome(op, principal, target);
      const where = target ? ` · ${target.name}` : '';
      return {
        title: `${op.name} · ${principal.name}${where} ⇒ ${label(op, expected)}`,
        op,
        principal,
        target,
        expected,
      };
    }),
  ),
);

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

/** The value at a response path; undefined as soon as a step is missing or null. */
function at(data: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>(
    (value, key) => (value == null ? undefined : (value as Record<string, unknown>)[key]),
    data,
  );
}

function assertOutcome(op: Operation, expected: Outcome, res: GraphQLResponse, ctx: CellContext): void {
  const rootName = op.checks[0]!.path[0]!;
  switch (expected.kind) {
    case 'data':
      return; // compared exactly by the caller
    case 'created':
      expect({ status: res.status, errors: res.errors, data: res.data }).toEqual({
        status: 200,
        errors: undefined,
        data: { [rootName]: { created: true, customer: { customerNumber: ctx.target.number, lastName: 'Upserted' } } },
      });
      return;
    case 'absent':
      if (op.kind === 'query') {
        expect({ status: res.status, errors: res.errors, data: res.data }).toEqual({
          status: 200,
          errors: undefined,
          data: op.absent,
        });
      } else {
        expect({ status: res.status, codes: codes(res), path: res.errors?.[0]?.path, data: res.data }).toEqual({
          status: 404,
          codes: ['NOT_FOUND'],
          path: [rootName],
          data: null,
        });
      }
      return;
    case 'forbidden': {
      const { check } = expected;
      expect(res.status).toBe(check.status);
      expect(res.errors?.length).toBeGreaterThan(0);
      for (const error of res.errors!) {
        expect(error.extensions?.code).toBe('FORBIDDEN');
        expect([...((error.extensions?.requiredScopes ?? []) as string[])].sort()).toEqual(requiredScopes(check.rule));
        expect(error.path?.slice(0, check.path.length)).toEqual(check.path);
      }
      expect(at(res.data, check.path) ?? null).toBeNull();
      return;
    }
    case 'noCompany':
      expect({ status: res.status, codes: codes(res), path: res.errors?.[0]?.path, data: res.data }).toEqual({
        status: 403,
        codes: ['FORBIDDEN'],
        path: [rootName],
        data: null,
      });
      return;
    case 'unauthenticated':
      expect({ status: res.status, codes: codes(res), path: res.errors?.[0]?.path }).toEqual({
        status: 401,
        codes: ['UNAUTHENTICATED'],
        path: [rootName],
      });
      expect(at(res.data, [rootName]) ?? null).toBeNull();
      return;
  }
}

describe(`scope matrix (${cells.length} cells)`, () => {
  for (const { title, op, principal, target, expected } of cells) {
    it(title, async () => {
      const unique = `m${++cellNumber}`;
      // A mutation that succeeds works on a customer of its own, made like the target, so that no cell disturbs
      // another; the others use the shared target, and each asserts that it left the target as it was.
      const succeeds = expected.kind === 'data' || expected.kind === 'created';
      const seeded =
        target &&
        (op.kind === 'mutation' && succeeds
          ? await fx.customer('acme', { entities: target.companies.map((c) => world.companies[c]) })
          : world.targets.get(target)!);
      const ctx: CellContext = { target: seeded!, principal, unique, world };
      const before = seeded && (await fx.fingerprint('acme', seeded.number));

      const totalsAfter = () => Promise.all((['acme', 'globex'] as const).map((tenant) => fx.count(tenant)));
      const totalsBefore = await totalsAfter();
      const res = await server.gql(op.document, op.variables(ctx), { token: world.tokens.get(principal)! });

      if (expected.kind === 'data') {
        expect({ status: res.status, errors: res.errors, data: res.data }).toEqual({
          status: 200,
          errors: undefined,
          data: op.data(ctx),
        });
      } else {
        assertOutcome(op, expected, res, ctx);
      }

      // What the call did to the stored data: exactly what success does, and nothing when it failed.
      if (seeded) {
        const after = await fx.fingerprint('acme', seeded.number);
        const effect = expected.kind === 'data' ? (op.effect ?? 'unchanged') : 'unchanged';
        if (effect === 'unchanged') expect(after).toBe(before);
        if (effect === 'changed') expect(after).not.toBe(before);
        if (effect === 'gone') expect(after).toBe('gone');
      }
      if (expected.kind === 'created') expect(await fx.entityIdsOf(principal.tenant!, seeded!.number)).toEqual([]);
      if (op.special === 'create' && ownCreate(principal)) {
        // A generated number: the customers of each tenant are counted instead (cells run one at a time).
        const createdNumber = res.data?.createCustomer?.customerNumber as string | undefined;
        expect(createdNumber === undefined).toBe(expected.kind !== 'data');
        expect(await totalsAfter()).toEqual(
          totalsBefore.map((n, i) => n + (expected.kind === 'data' && i === 0 ? 1 : 0)),
        );
        if (createdNumber) {
          expect(await fx.entityIdsOf('acme', createdNumber)).toEqual(
            companyOf(principal)
              .map((c) => world.companies[c].id)
              .sort(),
          );
        }
      } else if (op.special === 'create' || op.special === 'upsertCreate') {
        const number = `new-${unique}`;
        const createdIn: string[] = [];
        for (const tenant of ['acme', 'globex'] as const) {
          if ((await fx.entityIdsOf(tenant, number)) !== undefined) createdIn.push(tenant);
        }
        expect(createdIn).toEqual(expected.kind === 'data' ? [principal.tenant] : []);
        if (expected.kind === 'data' && op.special === 'create') {
          // Own scopes: the caller's company, whatever the input asked. Otherwise: the company the input named,
          // which in globex is a new legal entity of globex's own, never acme's Z.
          const joined = await fx.entityIdsOf(principal.tenant!, number)!;
          if (reachOf(principal, 'create') === 'own') {
            expect(joined).toEqual(
              companyOf(principal)
                .map((c) => world.companies[c].id)
                .sort(),
            );
          } else if (principal.tenant === 'acme') {
            expect(joined).toEqual([world.companies.Z.id]);
          } else {
            expect(joined).toHaveLength(1);
            expect(joined).not.toContain(world.companies.Z.id);
          }
        }
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// The own-company rules, beyond single cells
// ---------------------------------------------------------------------------------------------------------------
describe('own-company rules', () => {
  const ownToken = (customer: SeededCustomer, scopes: string[], legalEntityId?: string) =>
    server.token({
      tenant: customer.tenant,
      scope: scopes.join(' '),
      sub: customer.number,
      customer_id: customer.number,
      legal_entity_id: legalEntityId,
    });

  it("an own-scope create joins the caller's legal entities (only legal_entity_id's when named), whatever b2b says", async () => {
    const [p, q, other] = [await fx.company('acme'), await fx.company('acme'), await fx.company('acme')];
    const carol = await fx.customer('acme', { entities: [p, q] });
    const create = `mutation($registration: String!) {
      createCustomer(input: { company: "Elsewhere Ltd", b2b: { companyRegistrationId: $registration } }) {
        customerNumber businessModel b2b { companyRegistrationId legalEntities { id } }
      }
    }`;
    const vars = { registration: other.registrationId };

    const wide = await server.gql(create, vars, { token: await ownToken(carol, [MANAGE_OWN]) });
    expect(wide.errors).toBeUndefined();
    const wideB2b = wide.data!.createCustomer.b2b;
    expect(wide.data!.createCustomer.businessModel).toBe('B2B');
    expect(wideB2b.legalEntities.map((e: { id: string }) => e.id).sort()).toEqual([p.id, q.id].sort());
    expect(wideB2b.companyRegistrationId).not.toBe(other.registrationId);

    const narrow = await server.gql(create, vars, { token: await ownToken(carol, [MANAGE_OWN], q.id) });
    expect(narrow.errors).toBeUndefined();
    expect(narrow.data!.createCustomer.b2b).toEqual({
      companyRegistrationId: q.registrationId,
      legalEntities: [{ id: q.id }],
    });

    // The company the input named got no new member.
    const members = await server.gql(`query($e: ID!) { customers(filter: { legalEntityId: $e }) { totalCount } }`, {
      e: other.id,
    });
    expect(members.data!.customers.totalCount).toBe(0);
    // And the caller sees what it created, through its own reach.
    const number = narrow.data!.createCustomer.customerNumber;
    const seen = await server.gql(
      `query($n: String!) { customer(customerNumber: $n) { customerNumber } }`,
      { n: number },
      {
        token: await ownToken(carol, [READ_OWN], q.id),
      },
    );
    expect(seen.data).toEqual({ customer: { customerNumber: number } });
  });

  it('an own-scope create is refused, and creates nothing, when the token names a company the caller is not in', async () => {
    const [mine, foreign] = [await fx.company('acme'), await fx.company('acme')];
    const dan = await fx.customer('acme', { entities: [mine] });
    const before = await fx.count('acme');
    const res = await server.gql(
      `mutation { createCustomer(input: { firstName: "Foreign" }) { customerNumber } }`,
      {},
      {
        token: await ownToken(dan, [MANAGE_OWN], foreign.id),
      },
    );
    expect({ status: res.status, codes: codes(res) }).toEqual({ status: 403, codes: ['FORBIDDEN'] });
    expect(await fx.count('acme')).toBe(before);
  });

  it('an own-scope caller cannot choose a customer number, so it cannot probe which numbers outsiders hold', async () => {
    const company = await fx.company('acme');
    const fay = await fx.customer('acme', { entities: [company] });
    const outsider = await fx.customer('acme');
    const token = await ownToken(fay, [MANAGE_OWN]);
    const create = `mutation($id: ID!) { createCustomer(input: { id: $id, firstName: "Probe" }) { customerNumber } }`;
    const before = await fx.count('acme');
    const taken = await server.gql(create, { id: outsider.number }, { token });
    const unused = await server.gql(create, { id: `unused-${++cellNumber}` }, { token });
    // The same answer, word for word, whether the number is held or free; nothing is created.
    expect(taken).toEqual({ ...unused, headers: taken.headers });
    expect({
      status: taken.status,
      data: taken.data,
      codes: codes(taken),
      message: taken.errors?.[0]?.message,
    }).toEqual({
      status: 403,
      data: null,
      codes: ['FORBIDDEN'],
      message: 'With customer.customer_manage_own customer numbers are generated: leave out input.id.',
    });
    expect(await fx.count('acme')).toBe(before);
    // A tenant-wide caller still chooses its numbers.
    const chosen = await server.gql(
      create,
      { id: `chosen-${cellNumber}` },
      { token: await server.token({ scope: MANAGE }) },
    );
    expect(chosen.data).toEqual({ createCustomer: { customerNumber: `chosen-${cellNumber}` } });
  });

  it('an own-scope upsert updates a customer of the same company but never creates one', async () => {
    const company = await fx.company('acme');
    const erin = await fx.customer('acme', { entities: [company] });
    const colleague = await fx.customer('acme', { entities: [company] });
    const token = await ownToken(erin, [MANAGE_OWN]);
    const upsert = `mutation($n: String!) {
      upsertCustomer(customerNumber: $n, input: { lastName: "Renamed" }) { created customer { customerNumber lastName } }
    }`;

    const updated = await server.gql(upsert, { n: colleague.number }, { token });
    expect(updated.data).toEqual({
      upsertCustomer: { created: false, customer: { customerNumber: colleague.number, lastName: 'Renamed' } },
    });

    const refused = await server.gql(upsert, { n: 'own-upsert-new' }, { token });
    expect({ status: refused.status, codes: codes(refused), data: refused.data }).toEqual({
      status: 404,
      codes: ['NOT_FOUND'],
      data: null,
    });
    // Nothing was created or reserved: a tenant-wide caller can still create that number.
    const later = await server.gql(upsert, { n: 'own-upsert-new' });
    expect(later.data?.upsertCustomer.created).toBe(true);
  });

  it('an own-scope caller cannot join itself or a colleague to a company it is not in (and so widen its reach)', async () => {
    const [mine, foreign] = [await fx.company('acme'), await fx.company('acme')];
    const hal = await fx.customer('acme', { entities: [mine] });
    const colleague = await fx.customer('acme', { entities: [mine] });
    const outsider = await fx.customer('acme', { entities: [foreign] });
    const manage = await ownToken(hal, [MANAGE_OWN]);
    const before = await Promise.all([hal, colleague].map((c) => fx.fingerprint('acme', c.number)));
    for (const root of ['patchCustomer', 'upsertCustomer']) {
      for (const who of [hal, colleague]) {
        const res = await server.gql(
          `mutation($n: String!, $r: String!) {
            ${root}(customerNumber: $n, input: { b2b: { companyRegistrationId: $r } }) { __typename }
          }`,
          { n: who.number, r: foreign.registrationId },
          { token: manage },
        );
        expect({ status: res.status, codes: codes(res), data: res.data }).toEqual({
          status: 403,
          codes: ['FORBIDDEN'],
          data: null,
        });
      }
    }
    expect(await Promise.all([hal, colleague].map((c) => fx.fingerprint('acme', c.number)))).toEqual(before);
    const seen = await server.gql(
      `query($n: String!) { customer(customerNumber: $n) { customerNumber } }`,
      { n: outsider.number },
      {
        token: await ownToken(hal, [READ_OWN]),
      },
    );
    expect(seen.data).toEqual({ customer: null });

    // Within its own company it may: naming the company's registration id, or clearing it.
    const own = await server.gql(
      `mutation($n: String!, $r: String!) {
        patchCustomer(customerNumber: $n, input: { b2b: { companyRegistrationId: $r } }) { b2b { legalEntities { id } } }
      }`,
      { n: colleague.number, r: mine.registrationId },
      { token: manage },
    );
    expect(own.data).toEqual({ patchCustomer: { b2b: { legalEntities: [{ id: mine.id }] } } });
  });

  it('`me` is always the caller itself, even where its own reach does not include it', async () => {
    const [mine, foreign] = [await fx.company('acme'), await fx.company('acme')];
    const fay = await fx.customer('acme', { entities: [mine] });
    const loner = await fx.customer('acme');
    const query = `query($n: String!) { me { customerNumber } customer(customerNumber: $n) { customerNumber } }`;

    const narrowedAway = await server.gql(
      query,
      { n: fay.number },
      { token: await ownToken(fay, [READ_OWN], foreign.id) },
    );
    expect(narrowedAway.data).toEqual({ me: { customerNumber: fay.number }, customer: null });
    const withoutCompany = await server.gql(query, { n: loner.number }, { token: await ownToken(loner, [READ_OWN]) });
    expect(withoutCompany.data).toEqual({ me: { customerNumber: loner.number }, customer: null });

    // A customer token of a customer since deleted: no one is "me".
    const gone = await fx.customer('acme', { entities: [mine] });
    const goneToken = await ownToken(gone, [READ_OWN]);
    await fx.deleteCustomer('acme', gone.number);
    expect((await server.gql(`{ me { customerNumber } }`, {}, { token: goneToken })).data).toEqual({ me: null });
  });

  it('own-scope lists hold exactly the company, in full pages, with the right totalCount', async () => {
    // A tenant of its own, so that the expected lists are exactly what is seeded here.
    const tenant = 'lists';
    const [p, q, r] = [await fx.company(tenant), await fx.company(tenant), await fx.company(tenant)];
    const gina = await fx.customer(tenant, { entities: [p, q], firstName: 'Gina' });
    const inP: string[] = [gina.number];
    const inQ: string[] = [gina.number];
    const inPorQ: string[] = [gina.number];
    const martas: string[] = [];
    for (let i = 0; i < 45; i++) {
      // Members of P and Q interleaved with others, so that post-filtering a page would leave it short.
      const entities = i % 5 === 0 ? [p] : i % 5 === 1 ? [q] : i % 5 === 2 ? [r] : [];
      const firstName = i % 2 === 0 ? 'Marta' : 'Jonas';
      const c = await fx.customer(tenant, { entities, firstName });
      if (entities[0] === p) inP.push(c.number);
      if (entities[0] === q) inQ.push(c.number);
      if (entities[0] === p || entities[0] === q) inPorQ.push(c.number);
      if (entities[0] === p && firstName === 'Marta') martas.push(c.number);
    }

    async function walk(token: string, first: number, filter: Record<string, unknown> = {}) {
      const numbers: string[] = [];
      const pageSizes: number[] = [];
      const totals = new Set<number>();
      let after: string | null = null;
      for (;;) {
        const res: GraphQLResponse = await server.gql(
          `query($first: Int!, $after: String, $filter: CustomerFilter) {
            customers(first: $first, after: $after, filter: $filter) {
              totalCount edges { node { customerNumber } } pageInfo { hasNextPage endCursor }
            }
          }`,
          { first, after, filter },
          { token },
        );
        expect(res.errors).toBeUndefined();
        const page = res.data!.customers;
        totals.add(page.totalCount);
        pageSizes.push(page.edges.length);
        numbers.push(...page.edges.map((e: { node: { customerNumber: string } }) => e.node.customerNumber));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      return { numbers, pageSizes, totals: [...totals] };
    }
    const fullPages = (count: number, size: number) =>
      Array.from({ length: Math.ceil(count / size) }, (_, i) => Math.min(size, count - i * size));

    const wide = await walk(await ownToken(gina, [READ_OWN]), 4);
    expect(wide).toEqual({ numbers: inPorQ, pageSizes: fullPages(inPorQ.length, 4), totals: [inPorQ.length] });

    const narrowed = await walk(await ownToken(gina, [READ_OWN], q.id), 3);
    expect(narrowed).toEqual({ numbers: inQ, pageSizes: fullPages(inQ.length, 3), totals: [inQ.length] });

    // Filters combine with the reach in the same statement.
    const search = await walk(await ownToken(gina, [MANAGE_OWN], p.id), 2, { search: 'marta' });
    expect(search).toEqual({ numbers: martas, pageSizes: fullPages(martas.length, 2), totals: [martas.length] });
    const otherCompany = await walk(await ownToken(gina, [READ_OWN], p.id), 5, { legalEntityId: q.id });
    expect(otherCompany).toEqual({ numbers: [gina.number], pageSizes: [1], totals: [1] });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// A mutation whose selection asks for what the token may not read is refused before it writes
// ---------------------------------------------------------------------------------------------------------------
describe('mutations refused before they write', () => {
  const ADD_ADDRESS = `
    mutation($n: String!, $skip: Boolean!) {
      added: addCustomerAddress(customerNumber: $n, input: { contactName: "Pre", country: "DE" }) {
        id
        ...Owner @skip(if: $skip)
      }
    }
    fragment Owner on Address { ... on Address { owner: customer { id } } }
  `;

  it('looks through aliases, fragment spreads and inline fragments, and names the field and the scopes', async () => {
    const target = await fx.customer('acme');
    const before = await fx.fingerprint('acme', target.number);
    const token = await server.token({ scope: UPDATE });
    const res = await server.gql(ADD_ADDRESS, { n: target.number, skip: false }, { token });
    expect({
      status: res.status,
      data: res.data,
      errors: res.errors?.map((e) => [e.path, e.extensions?.requiredScopes]),
    }).toEqual({
      status: 403,
      data: null,
      errors: [
        [
          ['added', 'owner'],
          [READ, MANAGE, READ_OWN, MANAGE_OWN],
        ],
      ],
    });
    expect((res.errors![0] as { locations?: unknown[] }).locations).toHaveLength(1);
    expect(await fx.fingerprint('acme', target.number)).toBe(before);
  });

  it('leaves out what @skip / @include leave out: the same mutation without the field runs', async () => {
    const target = await fx.customer('acme');
    const token = await server.token({ scope: UPDATE });
    const res = await server.gql(ADD_ADDRESS, { n: target.number, skip: true }, { token });
    expect({ status: res.status, errors: res.errors }).toEqual({ status: 200, errors: undefined });
    expect(res.data!.added.id).toEqual(expect.any(String));
  });

  /**
   * Every mutation whose result leads to something its scope does not let the caller read, with the forbidden field
   * behind a directive whose variable is not sent and takes its default (so the field is selected): directly, in a
   * named fragment and in an inline fragment. Each is refused, and nothing is written.
   */
  const GUARDED_RESULTS: { mutation: string; call: string; scope: string; variables: string[]; guarded: string }[] = [
    {
      mutation: 'createCustomer',
      call: 'createCustomer(input: { id: $new, firstName: "Pre" })',
      scope: CREATE,
      variables: ['$new: ID!'],
      guarded: 'accounts { id }',
    },
    {
      mutation: 'upsertCustomer',
      call: 'upsertCustomer(customerNumber: $n, input: { firstName: "Pre" })',
      scope: UPDATE,
      variables: ['$n: String!'],
      guarded: 'customer { accounts { id } }',
    },
    {
      mutation: 'patchCustomer',
      call: 'patchCustomer(customerNumber: $n, input: { firstName: "Pre" })',
      scope: UPDATE,
      variables: ['$n: String!'],
      guarded: 'addresses { id }',
    },
    {
      mutation: 'addCustomerAddress',
      call: 'addCustomerAddress(customerNumber: $n, input: { contactName: "Pre", country: "DE" })',
      scope: UPDATE,
      variables: ['$n: String!'],
      guarded: 'customer { id }',
    },
    {
      mutation: 'updateCustomerAddress',
      call: 'updateCustomerAddress(customerNumber: $n, addressId: $a, input: { contactName: "Pre", country: "DE" })',
      scope: UPDATE,
      variables: ['$n: String!', '$a: ID!'],
      guarded: 'customer { id }',
    },
    {
      mutation: 'patchCustomerAddress',
      call: 'patchCustomerAddress(customerNumber: $n, addressId: $a, input: { city: "Pre" })',
      scope: UPDATE,
      variables: ['$n: String!', '$a: ID!'],
      guarded: 'customer { id }',
    },
    {
      mutation: 'addCustomerAddressTags',
      call: 'addCustomerAddressTags(customerNumber: $n, addressId: $a, tags: ["PRE"])',
      scope: UPDATE,
      variables: ['$n: String!', '$a: ID!'],
      guarded: 'customer { id }',
    },
    {
      mutation: 'removeCustomerAddressTags',
      call: 'removeCustomerAddressTags(customerNumber: $n, addressId: $a, tags: ["BILLING"])',
      scope: UPDATE,
      variables: ['$n: String!', '$a: ID!'],
      guarded: 'customer { id }',
    },
    // A webhook scope manages endpoints, and shows none of the customers in their events.
    {
      mutation: 'createWebhookEndpoint',
      call: 'createWebhookEndpoint(input: { url: "https://93.184.215.14/pre" })',
      scope: WEBHOOKS,
      variables: [],
      guarded: 'endpoint { deliveries { edges { node { event { customer { id } } } } } }',
    },
    {
      mutation: 'updateWebhookEndpoint',
      call: 'updateWebhookEndpoint(id: $w, input: { description: "pre" })',
      scope: WEBHOOKS,
      variables: ['$w: ID!'],
      guarded: 'deliveries { edges { node { event { customer { id } } } } }',
    },
    {
      mutation: 'rotateWebhookSecret',
      call: 'rotateWebhookSecret(id: $w)',
      scope: WEBHOOKS,
      variables: ['$w: ID!'],
      guarded: 'endpoint { deliveries { edges { node { event { customer { id } } } } } }',
    },
    {
      mutation: 'redeliverWebhookEvent',
      call: 'redeliverWebhookEvent(endpointId: $w, eventId: $e)',
      scope: WEBHOOKS,
      variables: ['$w: ID!', '$e: ID!'],
      guarded: 'event { customer { id } }',
    },
  ];
  const RESULT_TYPES: Record<string, string> = {
    createCustomer: 'Customer',
    upsertCustomer: 'UpsertCustomerPayload',
    patchCustomer: 'Customer',
    createWebhookEndpoint: 'WebhookEndpointWithSecret',
    updateWebhookEndpoint: 'WebhookEndpoint',
    rotateWebhookSecret: 'WebhookEndpointWithSecret',
    redeliverWebhookEvent: 'WebhookDelivery',
  };
  /** The tenant's endpoints and deliveries as stored: a refused webhook mutation leaves them as they were. */
  const webhookState = async () =>
    JSON.stringify([
      await server.service.store.query('SELECT * FROM webhook_endpoints ORDER BY pk'),
      await server.service.store.query('SELECT * FROM webhook_deliveries ORDER BY pk'),
    ]);
  let endpointId: string;
  let eventId: string;
  beforeAll(async () => {
    const created = await server.gql(
      'mutation { createWebhookEndpoint(input: { url: "https://93.184.215.14/hook" }) { endpoint { id } } }',
    );
    endpointId = created.data!.createWebhookEndpoint.endpoint.id;
    // Paused: nothing is sent from the tests.
    await server.gql(`mutation { updateWebhookEndpoint(id: "${endpointId}", input: { active: false }) { id } }`);
    const events = await server.gql('{ customerEvents(first: 1) { edges { node { id } } } }');
    eventId = events.data!.customerEvents.edges[0].node.id;
  });
  const PLACEMENTS = {
    // The directive goes between the field's name and its selection.
    'the field itself, with @skip(if: s) and s = false': (m: (typeof GUARDED_RESULTS)[number]) => [
      `mutation(${[...m.variables, '$s: Boolean = false'].join(', ')}) { r: ${m.call} { __typename ${m.guarded.replace(' {', ' @skip(if: $s) {')} } }`,
    ],
    'a named fragment, with @include(if: i) and i = true': (m: (typeof GUARDED_RESULTS)[number]) => [
      `mutation(${[...m.variables, '$i: Boolean = true'].join(', ')}) { r: ${m.call} { __typename ...Guarded @include(if: $i) } }`,
      `fragment Guarded on ${RESULT_TYPES[m.mutation] ?? 'Address'} { ${m.guarded} }`,
    ],
    'an inline fragment, with @skip(if: s) and s = false': (m: (typeof GUARDED_RESULTS)[number]) => [
      `mutation(${[...m.variables, '$s: Boolean = false'].join(', ')}) { r: ${m.call} { __typename ... @skip(if: $s) { ${m.guarded} } } }`,
    ],
  };

  it('covers every mutation whose result leads to another object', () => {
    const mutations = publicSchema().getMutationType()!.getFields();
    const leadsOn = Object.values(mutations).filter((field) => {
      const type = getNamedType(field.type);
      return isObjectType(type) && Object.values(type.getFields()).some((f) => isObjectType(getNamedType(f.type)));
    });
    expect(leadsOn.map((field) => field.name).sort()).toEqual(GUARDED_RESULTS.map((m) => m.mutation).sort());
  });

  for (const [placement, document] of Object.entries(PLACEMENTS)) {
    it.each(GUARDED_RESULTS)(`$mutation, guarded field in ${placement}: refused, nothing written`, async (m) => {
      const target = await fx.customer('acme');
      const before = await fx.fingerprint('acme', target.number);
      const hooksBefore = await webhookState();
      const fresh = `pre-${++cellNumber}`;
      const token = await server.token({ scope: m.scope });
      const res = await server.gql(
        document(m).join('\n'),
        { n: target.number, a: target.addressId, new: fresh, w: endpointId, e: eventId },
        { token },
      );
      expect({ status: res.status, data: res.data, codes: codes(res) }).toEqual({
        status: 403,
        data: null,
        codes: ['FORBIDDEN'],
      });
      expect(await fx.fingerprint('acme', target.number)).toBe(before);
      expect(await fx.fingerprint('acme', fresh)).toBe('gone');
      expect(await webhookState()).toBe(hooksBefore);
    });
  }

  it('leaves variables that do not fit to execution, which refuses them without writing', async () => {
    const target = await fx.customer('acme');
    const before = await fx.fingerprint('acme', target.number);
    const res = await server.gql(ADD_ADDRESS, { n: target.number }, { token: await server.token({ scope: UPDATE }) });
    expect(res.data ?? null).toBeNull();
    expect(res.errors).toHaveLength(1);
    expect(codes(res)).not.toContain('FORBIDDEN');
    expect(await fx.fingerprint('acme', target.number)).toBe(before);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Every way into customer data is checked. The types themselves carry no scopes (scope-auth would run a type's
// scopes on every field of every object it returns), so each field that leads to them must check a scope that
// allows reading them: on itself, or on every field that leads to its own type. A mutation's result is readable
// by whoever may run the mutation, but not what can be reached from it. `_entities` is guarded apart (src/graphql/federation.ts, federation tests).
// ---------------------------------------------------------------------------------------------------------------
describe('every field that leads to customer data checks a scope that allows reading it', () => {
  /** The permissions of src/auth/scopes.ts, by the name of their row in RULES. */
  const RULE_OF_PERMISSION: Record<string, Rule> = {
    read: 'read',
    readAddresses: 'addresses',
    create: 'create',
    update: 'update',
    delete: 'delete',
    manageParts: 'parts',
  };
  /** What reading each type of customer data takes, by AUTH.md. */
  const NEEDS: Record<string, Rule> = { Customer: 'read', Address: 'addresses', Account: 'read', LegalEntity: 'read' };

  type Field = GraphQLField<unknown, unknown>;
  const schema = publicSchema();
  const mutation = schema.getMutationType()!;
  const roots = new Set<GraphQLObjectType>([schema.getQueryType()!, mutation]);
  const objectTypes = Object.values(schema.getTypeMap()).filter(
    (type): type is GraphQLObjectType => isObjectType(type) && !type.name.startsWith('__'),
  );
  const leadingTo = (typeName: string): [GraphQLObjectType, Field][] =>
    objectTypes.flatMap((parent) =>
      Object.values(parent.getFields())
        .filter((field) => getNamedType(field.type).name === typeName)
        .map((field): [GraphQLObjectType, Field] => [parent, field]),
    );
  // authScopes, or the permission a field checks itself (src/graphql/field-permission.ts).
  const ruleOf = (field: Field): Rule | undefined => {
    const allowed = fieldPermission(field);
    return allowed === undefined ? undefined : RULE_OF_PERMISSION[allowed];
  };
  /** Every scope that passes `rule` also passes `need`. */
  const atLeast = (rule: Rule, need: Rule) =>
    requiredScopes(rule).every((scope) => requiredScopes(need).includes(scope));

  /**
   * Whether `parent.field` checks `need` or every way to `parent` does. A mutation's check covers the customer data
   * it returns (directly or in a payload), not what can be reached from that data (say an address's customer).
   */
  function checked(
    parent: GraphQLObjectType,
    field: Field,
    need: Rule,
    passed: ReadonlySet<string>,
    result = true,
  ): boolean {
    const rule = ruleOf(field);
    if (rule) return atLeast(rule, need) || (parent === mutation && result);
    if (roots.has(parent) || passed.has(parent.name)) return false;
    const ways = leadingTo(parent.name);
    const stillResult = result && !(parent.name in NEEDS);
    return (
      ways.length > 0 &&
      ways.every(([grandparent, way]) =>
        checked(grandparent, way, need, new Set([...passed, parent.name]), stillResult),
      )
    );
  }

  const ways = Object.entries(NEEDS).flatMap(([type, need]) =>
    leadingTo(type).map(([parent, field]) => ({
      name: `${parent.name}.${field.name} -> ${type}`,
      parent,
      field,
      need,
    })),
  );

  it('finds the fields to check', () => {
    expect(ways.map((way) => way.name)).toEqual(
      expect.arrayContaining([
        'Query.customer -> Customer',
        'CustomerEdge.node -> Customer',
        'Address.customer -> Customer',
        'Mutation.addCustomerAddress -> Address',
        'CustomerB2B.legalEntities -> LegalEntity',
        'Customer.accounts -> Account',
      ]),
    );
  });

  it.each(ways)('$name', ({ parent, field, need }) => {
    expect(checked(parent, field, need, new Set())).toBe(true);
  });
});
