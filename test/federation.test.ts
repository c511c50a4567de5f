/**
 * The service as an Apollo Federation 2 subgraph, over HTTP: `_service { sdl }`, `_entities` (batched through the
 * per-request loaders, and under the same scope, tenant and own-company rules as `customer`), malformed
 * representations, and composition with a tiny orders subgraph (and a companies subgraph that takes over
 * LegalEntity.name) by @theguild/federation-composition.
 */
import { readFileSync } from 'node:fs';
import { composeServices, compositionHasErrors } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACME_NUMBERS, INITECH_MEMBERS, seedFederationData, type FederationData } from './support/federation-data.js';
import { ORDERS_TYPE_DEFS } from './support/orders-subgraph.js';
import { codes, startTestServer, type TestServer } from './helpers.js';

const ENTITIES = /* GraphQL */ `
  query Entities($representations: [_Any!]!) {
    _entities(representations: $representations) {
      __typename
      ... on Customer { id firstName addresses { id city } }
      ... on Address { id city customer { id } }
      ... on LegalEntity { id name contactAssignmentId }
    }
  }
`;

const customer = (id: unknown) => ({ __typename: 'Customer', id });
const address = (id: unknown) => ({ __typename: 'Address', id });
const legalEntity = (id: unknown) => ({ __typename: 'LegalEntity', id });

let server: TestServer;
let data: FederationData;

beforeAll(async () => {
  server = await startTestServer();
  data = await seedFederationData(server);
});
afterAll(() => server.close());

const entities = (representations: unknown[], token?: string | null) =>
  server.gql(ENTITIES, { representations }, token === undefined ? {} : { token });

/** The statements one request costs, from /metrics. */
async function statementsOf<T>(run: () => Promise<T>): Promise<{ result: T; statements: number }> {
  const before = await server.statements();
  const result = await run();
  return { result, statements: (await server.statements()) - before };
}

describe('_service', () => {
  it('serves the subgraph SDL without a token: @link to federation v2.6 and @key(fields: "id") on the entities', async () => {
    const response = await server.gql<{ _service: { sdl: string } }>('{ _service { sdl } }', {}, { token: null });
    expect(response.status).toBe(200);
    expect(response.errors).toBeUndefined();
    const sdl = response.data!._service.sdl;
    expect(sdl).toMatch(
      /extend schema\s+@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.6", import: \["@key"\]\)/,
    );
    for (const type of ['Customer', 'Address', 'LegalEntity']) {
      expect(sdl).toMatch(new RegExp(`type ${type}\\s+@key\\(fields: "id"\\)\\s*\\{`));
    }
    // The printed file is what the service serves.
    expect(readFileSync(new URL('../schema/subgraph.graphql', import.meta.url), 'utf8')).toBe(`${sdl}\n`);
  });

  it('still serves the SDL to a gateway or registry when introspection is switched off', async () => {
    const closed = await startTestServer({ GRAPHQL_INTROSPECTION: 'false' });
    try {
      const introspection = await closed.gql('{ __schema { queryType { name } } }', {}, { token: null });
      expect(introspection.data ?? null).toBeNull();
      expect(new Set(codes(introspection))).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
      const service = await closed.gql<{ _service: { sdl: string } }>('{ _service { sdl } }', {}, { token: null });
      expect(service.errors).toBeUndefined();
      expect(service.data!._service.sdl).toContain('@key(fields: "id")');
    } finally {
      await closed.close();
    }
  });

  it('keeps the federation fields out of the public schema/schema.graphql', () => {
    const publicSdl = readFileSync(new URL('../schema/schema.graphql', import.meta.url), 'utf8');
    expect(publicSdl).not.toMatch(/_entities|_service|_Any|@key|@link/);
    expect(publicSdl).toMatch(/type Customer \{/);
  });
});

describe('_entities', () => {
  it('needs a token: anonymous is UNAUTHENTICATED (401), like `customer`', async () => {
    const response = await entities([customer('F01')], null);
    expect(response.status).toBe(401);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['UNAUTHENTICATED']);
  });

  it('resolves customers, addresses and legal entities in the order of the representations', async () => {
    const response = await entities([
      customer('F02'),
      address('A-F03'),
      legalEntity(data.legalEntities.initech),
      customer('NOPE'),
    ]);
    expect(response.errors).toBeUndefined();
    expect(response.data!._entities).toEqual([
      { __typename: 'Customer', id: 'F02', firstName: 'AcmeF02', addresses: [{ id: 'A-F02', city: 'Acme City F02' }] },
      { __typename: 'Address', id: 'A-F03', city: 'Acme City F03', customer: { id: 'F03' } },
      { __typename: 'LegalEntity', id: data.legalEntities.initech, name: 'Initech', contactAssignmentId: null },
      null,
    ]);
  });

  it('batches: ten customers with their addresses cost what one costs, a bounded number of statements', async () => {
    const one = await statementsOf(() => entities([customer('F01')]));
    const ten = await statementsOf(() => entities(ACME_NUMBERS.map(customer)));
    expect(one.result.errors).toBeUndefined();
    expect(ten.result.errors).toBeUndefined();
    expect(ten.result.data!._entities.map((c: { id: string }) => c.id)).toEqual(ACME_NUMBERS);
    // One statement for the customers, one for all their addresses.
    expect(ten.statements).toBeLessThanOrEqual(2);
    expect(ten.statements).toBe(one.statements);
  });

  it('batches addresses and legal entities too', async () => {
    const addresses = await statementsOf(() => entities(ACME_NUMBERS.map((n) => address(`A-${n}`))));
    expect(addresses.result.data!._entities).toHaveLength(10);
    expect(addresses.result.data!._entities.every((a: unknown) => a !== null)).toBe(true);
    // The addresses, then their customers (the reach check, reused by Address.customer).
    expect(addresses.statements).toBeLessThanOrEqual(2);

    const entitiesOfCompanies = await statementsOf(() =>
      entities([legalEntity(data.legalEntities.initech), legalEntity(data.legalEntities.umbrella)]),
    );
    expect(entitiesOfCompanies.result.data!._entities.map((e: { name: string }) => e.name)).toEqual([
      'Initech',
      'Umbrella',
    ]);
    expect(entitiesOfCompanies.statements).toBeLessThanOrEqual(1);
  });

  it("never resolves another tenant's rows: they look exactly like missing ones", async () => {
    // globex has its own, unrelated F01; acme's F02, its addresses and its companies do not exist for globex.
    const asGlobex = await entities(
      [
        customer('F01'),
        customer('F02'),
        address('A-F01'),
        legalEntity(data.legalEntities.initech),
        customer('MISSING'),
        address('MISSING'),
        legalEntity('MISSING'),
      ],
      data.globexToken,
    );
    expect(asGlobex.errors).toBeUndefined();
    expect(asGlobex.data!._entities).toEqual([
      {
        __typename: 'Customer',
        id: 'F01',
        firstName: 'GlobexF01',
        addresses: [{ id: 'G-F01', city: 'Globex City F01' }],
      },
      null,
      null,
      null,
      null,
      null,
      null,
    ]);

    const asAcme = await entities([customer('G99'), address('G-G99'), legalEntity(data.legalEntities.globex)]);
    expect(asAcme.errors).toBeUndefined();
    expect(asAcme.data!._entities).toEqual([null, null, null]);
  });

  it("gives an own-scope customer token only its own company's customers and legal entities", async () => {
    const own = await server.token({ customer_id: 'F01', scope: 'customer.customer_read_own' });
    const OWN_ENTITIES = `query($representations: [_Any!]!) {
      _entities(representations: $representations) {
        ... on Customer { id } ... on LegalEntity { id }
      }
    }`;
    const representations = [
      ...ACME_NUMBERS.map(customer),
      legalEntity(data.legalEntities.initech),
      legalEntity(data.legalEntities.umbrella),
    ];
    const response = await server.gql(OWN_ENTITIES, { representations }, { token: own });
    expect(response.errors).toBeUndefined();
    expect(response.data!._entities).toEqual([
      ...ACME_NUMBERS.map((n) => (INITECH_MEMBERS.includes(n) ? { id: n } : null)),
      { id: data.legalEntities.initech },
      null,
    ]);

    // Narrowed by legal_entity_id to a company the caller does not belong to: nothing at all.
    const narrowed = await server.token({
      customer_id: 'F01',
      legal_entity_id: data.legalEntities.umbrella,
      scope: 'customer.customer_read_own',
    });
    const none = await server.gql(OWN_ENTITIES, { representations }, { token: narrowed });
    expect(none.errors).toBeUndefined();
    expect(none.data!._entities.every((entity: unknown) => entity === null)).toBe(true);
  });

  it('applies the scopes of `customer` and `customerAddress`: FORBIDDEN without them, per representation', async () => {
    const createOnly = await server.token({ scope: 'customer.customer_create' });
    const viaQuery = await server.gql('{ customer(customerNumber: "F01") { id } }', {}, { token: createOnly });
    const response = await entities([customer('F01'), legalEntity(data.legalEntities.initech)], createOnly);
    expect(codes(viaQuery)).toEqual(['FORBIDDEN']);
    expect(codes(response)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    expect(response.errors!.map((e) => e.path)).toEqual([
      ['_entities', 0],
      ['_entities', 1],
    ]);
    expect(response.errors![0]!.extensions!.requiredScopes).toEqual(viaQuery.errors![0]!.extensions!.requiredScopes);
    expect(response.data!._entities).toEqual([null, null]);

    // Addresses need a tenant-wide read scope; an own-scope customer token reads customers but no addresses.
    const own = await server.token({ customer_id: 'F01', scope: 'customer.customer_read_own' });
    const addresses = await server.gql(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Address { id } } }',
      { r: [address('A-F01')] },
      { token: own },
    );
    expect(codes(addresses)).toEqual(['FORBIDDEN']);
    expect(addresses.data!._entities).toEqual([null]);
  });

  it('answers a representation with a missing or malformed key with BAD_USER_INPUT at its index', async () => {
    const response = await entities([
      { __typename: 'Customer' },
      customer(42),
      customer(''),
      customer('not an id'),
      { id: 'F01' },
      { __typename: 'Order', id: '1' },
      'F01',
      customer('F01'),
    ]);
    expect(response.status).toBe(200);
    expect(response.data!._entities.slice(0, 7)).toEqual([null, null, null, null, null, null, null]);
    expect(response.data!._entities[7]).toMatchObject({ id: 'F01', firstName: 'AcmeF01' });
    expect(codes(response)).toEqual(Array(7).fill('BAD_USER_INPUT'));
    expect(response.errors!.map((e) => e.path)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => ['_entities', i]));
    expect(response.errors!.map((e) => e.extensions!.details.map((d: { field: string }) => d.field))).toEqual([
      ['representations[0].id'],
      ['representations[1].id'],
      ['representations[2].id'],
      ['representations[3].id'],
      ['representations[4].__typename'],
      ['representations[5].__typename'],
      ['representations[6]'],
    ]);
    expect(response.errors![0]!.extensions!.details[0].message).toBe('is required');
  });
});

describe('composition', () => {
  /** A companies subgraph that owns LegalEntity: it takes `name` over and adds a field of its own. */
  const COMPANIES_TYPE_DEFS = parse(/* GraphQL */ `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key", "@override"])

    type LegalEntity @key(fields: "id") {
      id: ID!
      name: String @override(from: "customers")
      vatId: String
    }
  `);

  async function servedSdl(): Promise<string> {
    const response = await server.gql<{ _service: { sdl: string } }>('{ _service { sdl } }', {}, { token: null });
    return response.data!._service.sdl;
  }

  it('composes with an orders subgraph that references Customer and Address by id', async () => {
    const result = composeServices([
      { name: 'customers', typeDefs: parse(await servedSdl()), url: 'http://customers.test/graphql' },
      { name: 'orders', typeDefs: ORDERS_TYPE_DEFS, url: 'http://orders.test/graphql' },
    ]);
    // @theguild/federation-composition reports errors only; it computes no hints (see its README), so a clean
    // result is "no errors" plus the supergraph we expect.
    expect(compositionHasErrors(result) ? result.errors.map((e) => e.message) : []).toEqual([]);
    const supergraph = result.supergraphSdl!;
    expect(supergraph).toContain(
      'type Customer @join__type(graph: CUSTOMERS, key: "id") @join__type(graph: ORDERS, key: "id", resolvable: false)',
    );
    expect(supergraph).toContain(
      'type Address @join__type(graph: CUSTOMERS, key: "id") @join__type(graph: ORDERS, key: "id", resolvable: false)',
    );
    expect(supergraph).toContain('type LegalEntity @join__type(graph: CUSTOMERS, key: "id")');

    const api = result.publicSdl!;
    expect(api).toMatch(/type Order \{\s+id: ID!\s+"""[^"]+"""\s+customer: Customer\s+shippingAddress: Address\s+\}/);
    expect(api).toMatch(/customer\(customerNumber: String!\): Customer/);
    expect(api).not.toMatch(/_entities|_service/);
  });

  it('lets a companies subgraph own and extend LegalEntity', async () => {
    const result = composeServices([
      { name: 'customers', typeDefs: parse(await servedSdl()), url: 'http://customers.test/graphql' },
      { name: 'orders', typeDefs: ORDERS_TYPE_DEFS, url: 'http://orders.test/graphql' },
      { name: 'companies', typeDefs: COMPANIES_TYPE_DEFS, url: 'http://companies.test/graphql' },
    ]);
    expect(compositionHasErrors(result) ? result.errors.map((e) => e.message) : []).toEqual([]);
    const supergraph = result.supergraphSdl!;
    expect(supergraph).toContain(
      'type LegalEntity @join__type(graph: COMPANIES, key: "id") @join__type(graph: CUSTOMERS, key: "id")',
    );
    expect(supergraph).toMatch(/name: String @join__field\(graph: COMPANIES, override: "customers"\)/);
    expect(result.publicSdl).toMatch(/type LegalEntity \{[^}]*vatId: String[^}]*\}/);
  });
});
