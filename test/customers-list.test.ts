/**
 * The `customers` connection over HTTP: keyset pagination under every order, the filters alone and combined,
 * totalCount, cursor checks, tenancy of cursors, and the statement count of nested list queries.
 *
 * Data is written straight through the store (or the domain) so that tests control timestamps and ties; each
 * test reads its own tenant, so expectations are computed exactly from the rows written here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CUSTOMER_ORDER_FIELDS,
  type Customer as CustomerRow,
  type CustomerOrderField,
  type Direction,
} from '../src/domain/store.js';
import { codes, STORE, startTestServer, type TestServer } from './helpers.js';
import { BASE, newCustomer } from './support/store.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

// ---------------------------------------------------------------------------------------------------------------
// Fixtures

interface CustomerSpec {
  id: string;
  firstName?: string | null;
  lastName?: string | null;
  company?: string | null;
  contactEmail?: string | null;
  active?: boolean;
  onHold?: boolean;
  createdAt: number;
  modifiedAt?: number;
  /** Registration ids of the legal entities the customer belongs to. */
  entities?: string[];
}

/** Writes customers (and their legal entities) directly through the store, with the timestamps given. */
async function insertCustomers(tenant: string, specs: readonly CustomerSpec[]): Promise<Map<string, CustomerRow>> {
  const reach = { tenant };
  const rows = new Map<string, CustomerRow>();
  await server.service.store.transaction(async (tx) => {
    for (const spec of specs) {
      const row = (await tx.customers.insert(
        reach,
        newCustomer(spec.id, {
          firstName: spec.firstName ?? null,
          lastName: spec.lastName ?? null,
          contactEmail: spec.contactEmail ?? null,
          company: spec.company ?? null,
          preferredLanguage: 'en_US',
          preferredCurrency: 'USD',
          active: spec.active ?? false,
          onHold: spec.onHold ?? false,
          companyRegistrationId: spec.entities?.[0] ?? null,
          createdAt: spec.createdAt,
          modifiedAt: spec.modifiedAt ?? spec.createdAt,
        }),
      ))!;
      rows.set(spec.id, row);
      for (const registrationId of spec.entities ?? []) {
        const entity = await tx.legalEntities.getOrCreate(reach, {
          id: `L-${registrationId}`,
          registrationId,
          name: registrationId,
          createdAt: BASE,
        });
        await tx.legalEntities.assign(reach, {
          id: `A-${spec.id}-${registrationId}`,
          customerPk: row.pk,
          legalEntityPk: entity.pk,
          createdAt: spec.createdAt,
        });
      }
    }
  });
  return rows;
}

// ---------------------------------------------------------------------------------------------------------------
// The expected order, computed independently of SQL

type Field = CustomerOrderField;
interface Order {
  field: Field;
  direction: Direction;
}

/** SQLite's NOCASE: only ASCII letters fold; then code-point order (equal to UTF-8 byte order for these strings). */
const nocase = (text: string | null | undefined) => (text ?? '').replace(/[A-Z]/g, (c) => c.toLowerCase());

function keyOf(spec: CustomerSpec, field: Field): string | number {
  switch (field) {
    case 'CREATED_AT':
      return spec.createdAt;
    case 'MODIFIED_AT':
      return spec.modifiedAt ?? spec.createdAt;
    case 'CUSTOMER_NUMBER':
      return spec.id;
    case 'LAST_NAME':
      return nocase(spec.lastName);
    case 'FIRST_NAME':
      return nocase(spec.firstName);
    case 'CONTACT_EMAIL':
      return nocase(spec.contactEmail);
    case 'COMPANY':
      return nocase(spec.company);
  }
}

const compare = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);

/** The contract's order: the terms given, then the id (customer number) the same way as the last term. */
function sortSpecs(specs: readonly CustomerSpec[], order: readonly Order[]): string[] {
  const terms: Order[] = [...order, { field: 'CUSTOMER_NUMBER', direction: order.at(-1)?.direction ?? 'ASC' }];
  return [...specs]
    .sort((a, b) => {
      for (const { field, direction } of terms) {
        const result = compare(keyOf(a, field), keyOf(b, field));
        if (result !== 0) return direction === 'ASC' ? result : -result;
      }
      return 0;
    })
    .map((spec) => spec.id);
}

// ---------------------------------------------------------------------------------------------------------------
// Walking a list page by page over HTTP

const LIST = /* GraphQL */ `
  query List($first: Int, $after: String, $filter: CustomerFilter, $orderBy: [CustomerOrder!]) {
    customers(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
      totalCount
      edges { cursor node { id } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`;

interface Page {
  totalCount: number;
  edges: { cursor: string; node: { id: string } }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

interface ListArgs {
  filter?: Record<string, unknown>;
  orderBy?: { field: Field; direction?: Direction }[];
}

async function page(token: string, args: ListArgs & { first?: number; after?: string | null }): Promise<Page> {
  const response = await server.gql<{ customers: Page }>(LIST, { ...args }, { token });
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data!.customers;
}

/** Every page from the first to the last; checks each page's pageInfo and returns the ids and totals seen. */
async function walk(token: string, args: ListArgs, first: number): Promise<{ ids: string[]; totals: number[] }> {
  const ids: string[] = [];
  const totals: number[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 500; pages++) {
    const result: Page = await page(token, { ...args, first, after });
    totals.push(result.totalCount);
    expect(result.edges.length).toBeLessThanOrEqual(first);
    expect(result.pageInfo.hasPreviousPage).toBe(after !== null);
    expect(result.pageInfo.startCursor).toBe(result.edges[0]?.cursor ?? null);
    expect(result.pageInfo.endCursor).toBe(result.edges.at(-1)?.cursor ?? null);
    ids.push(...result.edges.map((edge) => edge.node.id));
    if (!result.pageInfo.hasNextPage) return { ids, totals };
    expect(result.edges).toHaveLength(first);
    after = result.pageInfo.endCursor;
  }
  throw new Error('the list did not end');
}

const ALL_FIELDS: readonly Field[] = CUSTOMER_ORDER_FIELDS;

// ---------------------------------------------------------------------------------------------------------------

describe('customers: keyset pagination', () => {
  // Many ties in every order key: letter-case variants, NULL and empty text, repeated timestamps.
  const lastNames = ['Smith', 'smith', 'SMITH', null, '', 'Ångström', 'Zed', 'adams', 'Adams', "O'Brien", 'van Dyke'];
  const firstNames = ['Ada', null, 'ada', 'Bob', 'bob', 'Éva', 'Zoe'];
  const companies = [null, 'Acme', 'acme', 'Globex', null, 'Initech'];
  const emails = [null, 'a@x.org', 'B@x.org', 'b@x.org', null];
  const specs: CustomerSpec[] = Array.from({ length: 37 }, (_, i) => ({
    // Ids whose order differs from insertion order, in both letter cases (BINARY: upper case first).
    id: `${i % 2 ? 'w' : 'W'}${String((i * 7919) % 97).padStart(3, '0')}`,
    lastName: lastNames[i % lastNames.length],
    firstName: firstNames[i % firstNames.length],
    company: companies[i % companies.length],
    contactEmail: emails[i % emails.length],
    createdAt: BASE + (i % 5),
    modifiedAt: BASE + ((i * 3) % 4) * 1000,
  }));
  let token: string;
  beforeAll(async () => {
    await insertCustomers('walk', specs);
    // Another tenant's rows sit between and around the walked ones in every index.
    await insertCustomers(
      'walkother',
      specs.map((spec) => ({ ...spec, id: `${spec.id}x` })),
    );
    token = await server.token({ tenant: 'walk' });
  });

  for (const field of ALL_FIELDS) {
    for (const direction of ['ASC', 'DESC'] as const) {
      it(`walks ${field} ${direction} without gaps or duplicates`, async () => {
        const expected = sortSpecs(specs, [{ field, direction }]);
        for (const first of [1, 4, 37, 200]) {
          const { ids, totals } = await walk(token, { orderBy: [{ field, direction }] }, first);
          expect(ids).toEqual(expected);
          expect(new Set(totals)).toEqual(new Set([specs.length]));
        }
      });
    }
  }

  const multiFieldOrders: Order[][] = [
    [
      { field: 'LAST_NAME', direction: 'ASC' },
      { field: 'FIRST_NAME', direction: 'DESC' },
    ],
    [
      { field: 'COMPANY', direction: 'DESC' },
      { field: 'CREATED_AT', direction: 'ASC' },
    ],
    [
      { field: 'FIRST_NAME', direction: 'ASC' },
      { field: 'COMPANY', direction: 'ASC' },
    ],
    [
      { field: 'MODIFIED_AT', direction: 'DESC' },
      { field: 'LAST_NAME', direction: 'ASC' },
      { field: 'CONTACT_EMAIL', direction: 'DESC' },
    ],
  ];
  for (const order of multiFieldOrders) {
    const label = order.map((t) => `${t.field} ${t.direction}`).join(', ');
    it(`walks a multi-field order: ${label}`, async () => {
      const expected = sortSpecs(specs, order);
      for (const first of [1, 5]) {
        expect((await walk(token, { orderBy: order }, first)).ids).toEqual(expected);
      }
    });
  }

  it('a unique key ends the order: terms after CUSTOMER_NUMBER change nothing', async () => {
    const order: Order[] = [
      { field: 'CUSTOMER_NUMBER', direction: 'DESC' },
      { field: 'LAST_NAME', direction: 'ASC' },
    ];
    const expected = sortSpecs(specs, [{ field: 'CUSTOMER_NUMBER', direction: 'DESC' }]);
    expect((await walk(token, { orderBy: order }, 3)).ids).toEqual(expected);
  });

  it('defaults to CREATED_AT ASC, then id', async () => {
    // Five customers created in the same millisecond, inserted in reverse id order, and one created earlier.
    const tied: CustomerSpec[] = ['e', 'd', 'c', 'b', 'a'].map((id) => ({ id: `T-${id}`, createdAt: BASE + 10 }));
    await insertCustomers('dflt', [...tied, { id: 'T-z', createdAt: BASE }]);
    const dflt = await server.token({ tenant: 'dflt' });
    const expected = ['T-z', 'T-a', 'T-b', 'T-c', 'T-d', 'T-e'];
    expect((await walk(dflt, {}, 60)).ids).toEqual(expected);
    expect((await walk(dflt, {}, 2)).ids).toEqual(expected);
    expect((await walk(dflt, { orderBy: [] }, 4)).ids).toEqual(expected);
    expect((await walk(dflt, { orderBy: [{ field: 'CREATED_AT' }] }, 1)).ids).toEqual(expected);
  });

  it('pages of the default size hold 60 customers; first accepts 1..200', async () => {
    await insertCustomers(
      'sizes',
      Array.from({ length: 205 }, (_, i) => ({ id: `S${String(i).padStart(3, '0')}`, createdAt: BASE + i })),
    );
    const sizes = await server.token({ tenant: 'sizes' });
    const byDefault = await page(sizes, {});
    expect(byDefault.edges).toHaveLength(60);
    expect(byDefault.pageInfo.hasNextPage).toBe(true);
    const largest = await page(sizes, { first: 200 });
    expect(largest.edges).toHaveLength(200);
    expect(largest.totalCount).toBe(205);
    const last = await page(sizes, { first: 200, after: largest.pageInfo.endCursor });
    expect(last.edges.map((e) => e.node.id)).toEqual(['S200', 'S201', 'S202', 'S203', 'S204']);
    expect(last.pageInfo.hasNextPage).toBe(false);
  });
});

describe('customers: bad arguments', () => {
  const badInput = async (variables: Record<string, unknown>, field: string) => {
    const response = await server.gql(LIST, variables);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.status).toBe(400);
    const details = response.errors![0]!.extensions!.details as { field: string; message: string }[];
    expect(details).toHaveLength(1);
    expect(details[0]!.field).toBe(field);
    expect(details[0]!.message).toEqual(expect.any(String));
    return details[0]!.message;
  };
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it('rejects page sizes out of 1..200', async () => {
    for (const first of [0, -1, 201, 100_000]) {
      expect(await badInput({ first }, 'first')).toMatch(/1 and 200/);
    }
  });

  it('rejects control characters and overlong text in search and contactEmail', async () => {
    for (const search of ['ab\u0000c', 'abc\u0000', 'a\u0001b', 'tab\there', 'x'.repeat(256)]) {
      await badInput({ filter: { search } }, 'filter.search');
    }
    expect(await badInput({ filter: { search: 'nul\u0000' } }, 'filter.search')).toBe(
      'must not contain control characters',
    );
    await badInput({ filter: { contactEmail: 'a\u0000@example.com' } }, 'filter.contactEmail');
    expect(codes(await server.gql(LIST, { filter: { search: 'x'.repeat(255) } }))).toEqual([]);
  });

  it('rejects text that no store can compare: unpaired surrogates, and U+0000 in legalEntityId too', async () => {
    const surrogate = 'must not contain an unpaired UTF-16 surrogate (it is not Unicode text)';
    expect(await badInput({ filter: { search: 'ab\ud800c' } }, 'filter.search')).toBe(surrogate);
    expect(await badInput({ filter: { contactEmail: '\udfffa@example.com' } }, 'filter.contactEmail')).toBe(surrogate);
    expect(await badInput({ filter: { legalEntityId: 'L1\u0000' } }, 'filter.legalEntityId')).toBe(
      'must not contain control characters',
    );
    expect(await badInput({ filter: { legalEntityId: 'L1\ud800' } }, 'filter.legalEntityId')).toBe(surrogate);
    // A character beyond U+FFFF (a surrogate pair) is searched as any other.
    expect(codes(await server.gql(LIST, { filter: { search: 'smile \u{1F600}' } }))).toEqual([]);
  });

  it('rejects malformed cursors', async () => {
    const malformed = [
      'not-a-cursor',
      '',
      '!!!',
      encode({}),
      encode(null),
      encode([1, 'a']),
      encode({ o: 'CREATED_AT:ASC' }),
      encode({ o: 'CREATED_AT:ASC', k: [BASE] }),
      encode({ o: 'CREATED_AT:ASC', k: [BASE, 'id', 'extra'] }),
      encode({ o: 'CREATED_AT:ASC', k: ['yesterday', 'id'] }),
      encode({ o: 'CREATED_AT:ASC', k: [1.5, 'id'] }),
      encode({ o: 'CREATED_AT:ASC', k: [BASE, 42] }),
      encode({ o: 'CREATED_AT:ASC', k: [BASE, null] }),
      encode({ o: 7, k: [BASE, 'id'] }),
      encode({ k: [BASE, 'id'] }),
    ];
    for (const after of malformed) {
      expect(await badInput({ after }, 'after')).toMatch(/not a cursor/);
    }
    expect(
      await badInput(
        { after: encode({ o: 'LAST_NAME:ASC', k: [7, 'id'] }), orderBy: [{ field: 'LAST_NAME' }] },
        'after',
      ),
    ).toMatch(/not a cursor/);
  });

  it('rejects a cursor made for another orderBy', async () => {
    await insertCustomers('cursors', [
      { id: 'K1', lastName: 'B', createdAt: BASE },
      { id: 'K2', lastName: 'A', createdAt: BASE + 1 },
    ]);
    const token = await server.token({ tenant: 'cursors' });
    const byName = await page(token, { first: 1, orderBy: [{ field: 'LAST_NAME' }] });
    const after = byName.pageInfo.endCursor;
    const others: ListArgs['orderBy'][] = [
      undefined,
      [{ field: 'LAST_NAME', direction: 'DESC' }],
      [{ field: 'FIRST_NAME' }],
      [{ field: 'LAST_NAME' }, { field: 'FIRST_NAME' }],
    ];
    for (const orderBy of others) {
      const response = await server.gql(LIST, { first: 1, after, orderBy }, { token });
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors![0]!.extensions!.details).toEqual([
        { field: 'after', message: 'was made for another orderBy' },
      ]);
    }
    // The same order, spelled with its default direction, accepts it.
    expect(
      (await page(token, { first: 1, after, orderBy: [{ field: 'LAST_NAME', direction: 'ASC' }] })).edges[0]!.node.id,
    ).toBe('K1');
  });
});

describe('customers: filters', () => {
  const T = (k: number) => BASE + k * 1000;
  const specs: CustomerSpec[] = [
    {
      id: 'C-ADA',
      firstName: 'Ada',
      lastName: 'Lovelace',
      company: 'Analytical Engines Ltd',
      contactEmail: 'ada@example.org',
      active: true,
      entities: ['REG-1'],
      createdAt: T(1),
    },
    {
      id: 'C-ALAN',
      firstName: 'Alan',
      lastName: 'Turing',
      contactEmail: 'ALAN.turing@Example.com',
      active: true,
      onHold: true,
      createdAt: T(2),
    },
    {
      id: 'C-GRACE',
      firstName: 'Grace',
      lastName: 'Hopper',
      company: 'Navy',
      contactEmail: 'grace@navy.mil',
      entities: ['REG-1', 'REG-2'],
      createdAt: T(3),
      modifiedAt: T(20),
    },
    {
      id: 'C-OBRIEN',
      firstName: 'Conan',
      lastName: "O'Brien",
      company: 'Team "Coco"',
      contactEmail: 'conan@tbs.com',
      active: true,
      createdAt: T(4),
    },
    {
      id: 'C-OZ',
      firstName: 'Mehmet',
      lastName: 'Öztürk',
      company: 'ÖzBau GmbH',
      onHold: true,
      entities: ['REG-2'],
      createdAt: T(5),
      modifiedAt: T(21),
    },
    { id: 'C-NULL', createdAt: T(6) },
    {
      id: 'Q-7',
      firstName: 'Quincy',
      lastName: 'Adams',
      company: 'quarry',
      contactEmail: 'q@q.q',
      active: true,
      createdAt: T(7),
      modifiedAt: T(22),
    },
    {
      id: 'x-y_z9',
      firstName: 'Xavier',
      lastName: 'Yz',
      company: 'a*b (and) c',
      contactEmail: 'xy@z.io',
      createdAt: T(8),
    },
    {
      id: 'ACME-100',
      firstName: 'John',
      lastName: 'Smith',
      company: 'ACME Corp',
      contactEmail: 'smith@acme.io',
      active: true,
      entities: ['REG-3'],
      createdAt: T(9),
    },
    {
      id: 'acme-101',
      firstName: 'jane',
      lastName: 'smith',
      company: 'acme corp',
      contactEmail: 'SMITH@ACME.IO',
      createdAt: T(10),
      modifiedAt: T(23),
    },
    {
      id: 'Z1',
      firstName: 'Ze',
      lastName: 'Zed',
      company: 'Zeta & Sons',
      contactEmail: 'zed@zeta.io',
      active: true,
      onHold: true,
      entities: ['REG-3'],
      createdAt: T(11),
    },
    { id: 'E-EMPTY', firstName: '', lastName: '', company: '', contactEmail: null, createdAt: T(12) },
  ];
  let token: string;
  const entityIds = new Map<string, string>();
  beforeAll(async () => {
    await insertCustomers('filt', specs);
    // Look-alikes in another tenant, in legal entities with the same ids: none of them may ever show up.
    await insertCustomers('filtother', [
      {
        id: 'C-ADA',
        firstName: 'Ada',
        lastName: 'Other',
        contactEmail: 'ada@example.org',
        active: true,
        entities: ['REG-1'],
        createdAt: T(1),
      },
      {
        id: 'O-SMITH',
        lastName: 'Smith',
        company: 'ACME Corp',
        contactEmail: 'smith@acme.io',
        entities: ['REG-9'],
        createdAt: T(30),
        modifiedAt: T(40),
      },
    ]);
    token = await server.token({ tenant: 'filt' });
    for (const registrationId of ['REG-1', 'REG-2', 'REG-3']) {
      entityIds.set(
        registrationId,
        (
          await server.service.store.query('SELECT id FROM legal_entities WHERE tenant = ? AND registration_id = ?', [
            'filt',
            registrationId,
          ])
        )[0]!.id as string,
      );
    }
  });

  const matchesSearch = (spec: CustomerSpec, search: string) => {
    const needle = search.trim().toLowerCase();
    return [spec.id, spec.firstName, spec.lastName, spec.company, spec.contactEmail].some((value) =>
      (value ?? '').toLowerCase().includes(needle),
    );
  };
  const expectedFor = (filter: Record<string, unknown>) =>
    specs.filter((spec) => {
      if (filter.search !== undefined && !matchesSearch(spec, filter.search as string)) return false;
      if (
        filter.contactEmail !== undefined &&
        spec.contactEmail?.toLowerCase() !== (filter.contactEmail as string).toLowerCase()
      ) {
        return false;
      }
      if (filter.active !== undefined && (spec.active ?? false) !== filter.active) return false;
      if (filter.onHold !== undefined && (spec.onHold ?? false) !== filter.onHold) return false;
      const memberOf = (spec.entities ?? []).map((registrationId) => entityIds.get(registrationId));
      if (filter.businessModel !== undefined && (memberOf.length > 0 ? 'B2B' : 'B2C') !== filter.businessModel)
        return false;
      if (filter.legalEntityId !== undefined && !memberOf.includes(filter.legalEntityId as string)) return false;
      if (
        filter.modifiedSince !== undefined &&
        (spec.modifiedAt ?? spec.createdAt) < Date.parse(filter.modifiedSince as string)
      ) {
        return false;
      }
      return true;
    });

  /** Walks the filtered list under several orders and page sizes: the exact rows, in order, and a stable total. */
  async function expectFilter(filter: Record<string, unknown>) {
    const expected = expectedFor(filter);
    const orders: Order[][] = [
      [],
      [{ field: 'LAST_NAME', direction: 'ASC' }],
      [{ field: 'COMPANY', direction: 'DESC' }],
      [
        { field: 'MODIFIED_AT', direction: 'DESC' },
        { field: 'FIRST_NAME', direction: 'ASC' },
      ],
    ];
    for (const order of orders) {
      const want = sortSpecs(expected, order.length > 0 ? order : [{ field: 'CREATED_AT', direction: 'ASC' }]);
      for (const first of [2, 60]) {
        const { ids, totals } = await walk(token, { filter, orderBy: order }, first);
        expect(ids, `${JSON.stringify(filter)} ${JSON.stringify(order)} first ${first}`).toEqual(want);
        expect(new Set(totals)).toEqual(new Set([want.length]));
      }
    }
    return expected.map((spec) => spec.id);
  }

  const searches: [string, string[]][] = [
    ['ada', ['C-ADA', 'Q-7']],
    ['LOVELACE', ['C-ADA']],
    ['example', ['C-ADA', 'C-ALAN']],
    ['acme', ['ACME-100', 'acme-101']],
    ['ACME-1', ['ACME-100', 'acme-101']],
    ['x-y', ['x-y_z9']],
    ['_z9', ['x-y_z9']],
    ['.io', ['x-y_z9', 'ACME-100', 'acme-101', 'Z1']],
    ['  ada  ', ['C-ADA', 'Q-7']],
    ['smith@acme.io', ['ACME-100', 'acme-101']],
    ['zzzz', []],
    // One and two characters: below the trigram index, still case-insensitive in every script.
    ['q', ['Q-7']],
    ['Qu', ['Q-7']],
    ['zz', []],
    ['öz', ['C-OZ']],
    ['ÖZ', ['C-OZ']],
    ['ö', ['C-OZ']],
    ['Ö', ['C-OZ']],
    ['&', ['Z1']],
    ['a*', ['x-y_z9']],
    ['(', ['x-y_z9']],
    // Quotes and query syntax are plain text.
    ["o'b", ['C-OBRIEN']],
    ["'", ['C-OBRIEN']],
    ['"', ['C-OBRIEN']],
    ['"coco"', ['C-OBRIEN']],
    ['team "', ['C-OBRIEN']],
    ['a*b (and)', ['x-y_z9']],
    ['AND', ['x-y_z9']],
    ['ÖzBau', ['C-OZ']],
    ['özbau gmbh', ['C-OZ']],
  ];
  for (const [search, expected] of searches) {
    it(`search ${JSON.stringify(search)}`, async () => {
      expect(await expectFilter({ search })).toEqual(expected);
    });
  }

  it('search of only spaces is no condition', async () => {
    expect(await expectFilter({ search: '   ' })).toHaveLength(specs.length);
  });

  it('contactEmail: exact and case-insensitive', async () => {
    expect(await expectFilter({ contactEmail: 'smith@acme.io' })).toEqual(['ACME-100', 'acme-101']);
    expect(await expectFilter({ contactEmail: 'ADA@EXAMPLE.ORG' })).toEqual(['C-ADA']);
    expect(await expectFilter({ contactEmail: 'alan.turing@example.com' })).toEqual(['C-ALAN']);
    expect(await expectFilter({ contactEmail: 'ada@example' })).toEqual([]);
    expect(await expectFilter({ contactEmail: 'example.org' })).toEqual([]);
  });

  it('contactEmail "" matches no one (not the customers without an email)', async () => {
    const result = await page(token, { filter: { contactEmail: '' } });
    expect(result.edges).toEqual([]);
    expect(result.totalCount).toBe(0);
  });

  it('active and onHold', async () => {
    expect(await expectFilter({ active: true })).toEqual(['C-ADA', 'C-ALAN', 'C-OBRIEN', 'Q-7', 'ACME-100', 'Z1']);
    expect(await expectFilter({ active: false })).toEqual([
      'C-GRACE',
      'C-OZ',
      'C-NULL',
      'x-y_z9',
      'acme-101',
      'E-EMPTY',
    ]);
    expect(await expectFilter({ onHold: true })).toEqual(['C-ALAN', 'C-OZ', 'Z1']);
    expect(await expectFilter({ onHold: false })).toHaveLength(specs.length - 3);
  });

  it('businessModel', async () => {
    expect(await expectFilter({ businessModel: 'B2B' })).toEqual(['C-ADA', 'C-GRACE', 'C-OZ', 'ACME-100', 'Z1']);
    expect(await expectFilter({ businessModel: 'B2C' })).toHaveLength(specs.length - 5);
  });

  it('legalEntityId: members of the tenant’s legal entity only', async () => {
    expect(await expectFilter({ legalEntityId: entityIds.get('REG-1') })).toEqual(['C-ADA', 'C-GRACE']);
    expect(await expectFilter({ legalEntityId: entityIds.get('REG-2') })).toEqual(['C-GRACE', 'C-OZ']);
    expect(await expectFilter({ legalEntityId: entityIds.get('REG-3') })).toEqual(['ACME-100', 'Z1']);
    // Unknown here, and another tenant's legal entity: nothing.
    expect(await expectFilter({ legalEntityId: 'L-NOPE' })).toEqual([]);
    expect(await expectFilter({ legalEntityId: 'L-REG-9' })).toEqual([]);
  });

  it('modifiedSince: at or after the instant', async () => {
    expect(await expectFilter({ modifiedSince: new Date(T(21)).toISOString() })).toEqual(['C-OZ', 'Q-7', 'acme-101']);
    expect(await expectFilter({ modifiedSince: new Date(T(21) + 1).toISOString() })).toEqual(['Q-7', 'acme-101']);
    expect(await expectFilter({ modifiedSince: new Date(T(100)).toISOString() })).toEqual([]);
    expect(await expectFilter({ modifiedSince: new Date(0).toISOString() })).toHaveLength(specs.length);
  });

  const combinations: [Record<string, unknown>, string[]][] = [
    [{ search: 'smith', active: true }, ['ACME-100']],
    [{ search: 'smith', active: false, onHold: false }, ['acme-101']],
    [{ businessModel: 'B2B', onHold: false }, ['C-ADA', 'C-GRACE', 'ACME-100']],
    [{ contactEmail: 'smith@acme.io', active: false }, ['acme-101']],
    [{ contactEmail: 'smith@acme.io', businessModel: 'B2B', search: 'john' }, ['ACME-100']],
    [{ search: 'a', businessModel: 'B2C', modifiedSince: new Date(T(20)).toISOString() }, ['Q-7', 'acme-101']],
    [{ search: 'zed', onHold: true, active: true, businessModel: 'B2B' }, ['Z1']],
  ];
  for (const [filter, expected] of combinations) {
    it(`combined: ${JSON.stringify(filter)}`, async () => {
      expect(await expectFilter(filter)).toEqual(expected);
    });
  }

  it('combined with legalEntityId', async () => {
    expect(await expectFilter({ legalEntityId: entityIds.get('REG-1'), search: 'grace' })).toEqual(['C-GRACE']);
    expect(await expectFilter({ legalEntityId: entityIds.get('REG-2'), onHold: true, search: 'ö' })).toEqual(['C-OZ']);
    expect(
      await expectFilter({
        legalEntityId: entityIds.get('REG-3'),
        search: 'acme',
        contactEmail: 'SMITH@acme.io',
        active: true,
        onHold: false,
        businessModel: 'B2B',
        modifiedSince: new Date(T(9)).toISOString(),
      }),
    ).toEqual(['ACME-100']);
  });

  it('an own-scope customer token lists its company: paginated and counted', async () => {
    const own = await server.token({ tenant: 'filt', scope: 'customer.customer_read_own', customer_id: 'C-GRACE' });
    const all = await walk(own, { orderBy: [{ field: 'LAST_NAME', direction: 'DESC' }] }, 1);
    expect(all.ids).toEqual(['C-OZ', 'C-ADA', 'C-GRACE']);
    expect(new Set(all.totals)).toEqual(new Set([3]));
    const narrowed = await server.token({
      tenant: 'filt',
      scope: 'customer.customer_read_own',
      customer_id: 'C-GRACE',
      legal_entity_id: entityIds.get('REG-2'),
    });
    const inEntity = await walk(narrowed, { filter: { search: 'e' } }, 1);
    expect(inEntity.ids).toEqual(['C-GRACE', 'C-OZ']);
    expect(new Set(inEntity.totals)).toEqual(new Set([2]));
  });

  it('counts only when totalCount is selected', async () => {
    const query = (withTotal: boolean) => /* GraphQL */ `
      query($filter: CustomerFilter) {
        customers(first: 3, filter: $filter) { ${withTotal ? 'totalCount' : ''} edges { node { id } } }
      }`;
    const statementsFor = async (withTotal: boolean, filter: Record<string, unknown>) => {
      const before = await server.statements();
      const response = await server.gql(query(withTotal), { filter }, { token });
      expect(response.errors).toBeUndefined();
      return (await server.statements()) - before;
    };
    for (const filter of [{}, { search: 'acme' }, { active: true, businessModel: 'B2B' }]) {
      const without = await statementsFor(false, filter);
      const withTotal = await statementsFor(true, filter);
      expect(without).toBe(1);
      expect(withTotal).toBe(without + 1);
    }
  });
});

describe('customers: tenancy of cursors', () => {
  it("another tenant's cursor only positions the caller's own list", async () => {
    const alpha = Array.from({ length: 6 }, (_, i) => ({
      id: `AL-${i}`,
      lastName: `Alpha${i}`,
      createdAt: BASE + i * 2,
    }));
    const beta = Array.from({ length: 6 }, (_, i) => ({
      id: `BE-${i}`,
      lastName: `Beta${i}`,
      createdAt: BASE + i * 2 + 1,
    }));
    await insertCustomers('alpha', alpha);
    await insertCustomers('beta', beta);
    const alphaToken = await server.token({ tenant: 'alpha' });
    const betaToken = await server.token({ tenant: 'beta' });
    const alphaPage = await page(alphaToken, { first: 3 });
    const cursor = alphaPage.pageInfo.endCursor;

    const seenByBeta = await page(betaToken, { first: 60, after: cursor });
    // Only beta's customers, those after alpha's third customer's position (created at BASE + 4).
    expect(seenByBeta.edges.map((e) => e.node.id)).toEqual(['BE-2', 'BE-3', 'BE-4', 'BE-5']);
    expect(seenByBeta.totalCount).toBe(6);
    expect(JSON.stringify(seenByBeta)).not.toMatch(/AL-|Alpha/);
  });

  it('a cursor depends only on the row it points at, not on other tenants’ writes', async () => {
    // The same customer in two tenants, with another tenant's inserts in between: identical cursors.
    await insertCustomers('gamma', [{ id: 'SAME', lastName: 'Twin', createdAt: BASE }]);
    await insertCustomers(
      'noise',
      Array.from({ length: 5 }, (_, i) => ({ id: `N${i}`, createdAt: BASE })),
    );
    await insertCustomers('delta', [{ id: 'SAME', lastName: 'Twin', createdAt: BASE }]);
    for (const orderBy of [undefined, [{ field: 'LAST_NAME' as const, direction: 'DESC' as const }]]) {
      const gamma = await page(await server.token({ tenant: 'gamma' }), { orderBy });
      const delta = await page(await server.token({ tenant: 'delta' }), { orderBy });
      expect(gamma.edges[0]!.cursor).toBe(delta.edges[0]!.cursor);
    }
  });
});

describe('customers: statements of a nested list query', () => {
  const NESTED = /* GraphQL */ `
    query($first: Int) {
      customers(first: $first) {
        edges {
          node {
            id
            businessModel
            addresses { id tags }
            defaultAddress { id }
            accounts { id email }
            b2b { companyRegistrationId legalEntities { id name contactAssignmentId } }
          }
        }
      }
    }
  `;

  it('does not grow with the page size', async () => {
    const { domain } = server.service;
    const reach = { tenant: 'nested' };
    for (let i = 0; i < 60; i++) {
      const customer = await server.service.store.transaction((tx) =>
        domain.customers.create(
          tx,
          reach,
          {
            firstName: `First${i}`,
            lastName: `Last${i}`,
            company: i % 3 === 0 ? `Company ${i % 9}` : undefined,
            contactEmail: `c${i}@example.org`,
            b2b: i % 3 === 0 ? { companyRegistrationId: `REG-${i % 9}` } : undefined,
          },
          { sendPasswordResetNotifications: false },
        ),
      );
      await server.service.store.transaction(async (tx) => {
        await domain.addresses.add(tx, reach, customer.customerNumber, {
          contactName: `Home ${i}`,
          country: 'DE',
          tags: ['home'],
        });
        await domain.addresses.add(tx, reach, customer.customerNumber, { contactName: `Work ${i}`, country: 'FR' });
      });
    }
    const token = await server.token({ tenant: 'nested' });
    const statementsFor = async (first: number) => {
      const before = await server.statements();
      const response = await server.gql(NESTED, { first }, { token });
      expect(response.errors).toBeUndefined();
      const edges = response.data!.customers.edges as {
        node: { addresses: unknown[]; accounts: unknown[]; b2b: unknown };
      }[];
      expect(edges).toHaveLength(first);
      expect(edges.every((edge) => edge.node.addresses.length === 2 && edge.node.accounts.length === 1)).toBe(true);
      expect(edges.some((edge) => edge.node.b2b !== null)).toBe(true);
      return (await server.statements()) - before;
    };
    const small = await statementsFor(5);
    const large = await statementsFor(50);
    const all = await statementsFor(60);
    expect(large).toBe(small);
    expect(all).toBe(small);
    // SQLite: the page, then one batch each for addresses, accounts and legal-entity memberships; PostgreSQL: the
    // page with its parts, one statement (src/store/postgres/parts.ts).
    expect(small).toBe(STORE === 'postgres' ? 1 : 4);
  });
});
