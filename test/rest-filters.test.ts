/**
 * The store conditions of the REST API's `q` (CustomerListFilter.conditions in src/domain/store.ts) and offset
 * paging, the same cases on the SQLite store and on a real PostgreSQL: equality and lists (exact, the contact email
 * ignoring letter case), contains (case-insensitive in every script, as the search), isNull, comparisons and
 * ranges, legal entities, mixins exists/missing/equality, within an own-company reach, and counts equal to the
 * lists. On SQLite the plans say which equalities seek an index and which walk the tenant's rows; on PostgreSQL,
 * over thousands of customers in several tenants, the same conditions given as q (as the REST list sends them) seek
 * an index with the tenant, or walk a tenant-led one, and never scan the table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCustomerList } from '../src/domain/customer-list.js';
import type {
  Customer,
  CustomerCondition,
  CustomerListFilter,
  NewCustomer,
  OrderTerm,
  Reach,
} from '../src/domain/store.js';
import { filterOfQ } from '../src/rest/list.js';
import { parseQ } from '../src/rest/q.js';
import { openPostgresStore } from '../src/store/postgres/index.js';
import type { OpenedStore, SeedCustomer } from '../src/store/index.js';
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite/db.js';
import { createDatabase } from './support/postgres.js';
import { BASE, newCustomer } from './support/store.js';

const TENANT: Reach = { tenant: 'acme' };
const ORDER: OrderTerm[] = [{ field: 'CREATED_AT', direction: 'ASC' }];

const customer = (n: number, values: Partial<NewCustomer>): NewCustomer =>
  newCustomer(`RF-${n}`, {
    preferredLanguage: 'en_US',
    createdAt: BASE + n * 1000,
    modifiedAt: BASE + n * 1000,
    ...values,
  });

/** Four customers (RF-0 .. RF-3, created in that order), and the legal entities L-1 (RF-0, RF-3) and L-2 (RF-2, RF-3). */
const CUSTOMERS: { row: NewCustomer; entities: string[] }[] = [
  {
    row: customer(0, {
      title: 'MR',
      firstName: 'John',
      middleName: 'M',
      lastName: 'Doe',
      contactEmail: 'john@Example.com',
      contactPhone: '123',
      company: 'Emporix',
      companyRegistrationId: 'REG-1',
      mixins: { loyalty: { level: 'gold' }, score: 3, flag: true, nothing: null },
      version: 6,
      modifiedAt: BASE + 5000,
    }),
    entities: ['L-1'],
  },
  {
    row: customer(1, {
      title: 'MS',
      firstName: 'Jane',
      lastName: 'doe',
      contactEmail: 'jane@example.com',
      company: 'Imports Ltd',
      preferredLanguage: 'de_DE',
      preferredCurrency: 'USD',
      preferredSite: 'b2c',
      active: false,
      onHold: true,
      mixins: { loyalty: { level: 'silver' }, score: '3' },
    }),
    entities: [],
  },
  {
    row: customer(2, { firstName: 'Öz', lastName: 'Roe', contactPhone: '555', version: 3, modifiedAt: BASE + 9000 }),
    entities: ['L-2'],
  },
  {
    row: customer(3, {
      firstName: 'Ann',
      contactEmail: 'ann@x.org',
      company: 'EMPORIUM',
      mixins: { list: [5, { k: 1 }], keyed: { '0': 'zero', '-1': 'minus' } },
      version: 2,
    }),
    entities: ['L-1', 'L-2'],
  },
];

const text = (column: string, values: string[]) => ({ kind: 'text', column, op: 'in', values }) as CustomerCondition;
const contains = (column: string, value: string) =>
  ({ kind: 'text', column, op: 'contains', value }) as CustomerCondition;
const isNull = (column: string) => ({ kind: 'text', column, op: 'isNull' }) as CustomerCondition;
const num = (column: string, op: string, value: number | number[]) =>
  (Array.isArray(value)
    ? { kind: 'number', column, op: 'in', values: value }
    : { kind: 'number', column, op, value }) as CustomerCondition;
const mixin = (path: string[], op: 'exists' | 'missing' | 'eq', value?: string | number | boolean) =>
  (op === 'eq' ? { kind: 'mixin', path, op, value } : { kind: 'mixin', path, op }) as CustomerCondition;

/** The conditions, and the customers (by n) that match them, in creation order. */
const CASES: [string, CustomerCondition[], number[]][] = [
  ['lastName equals, letter case included', [text('lastName', ['Doe'])], [0]],
  ['lastName equals the other case', [text('lastName', ['doe'])], [1]],
  ['lastName one of a list', [text('lastName', ['Doe', 'Roe'])], [0, 2]],
  ['firstName equals, beyond ASCII', [text('firstName', ['Öz'])], [2]],
  ['contactEmail equals, ignoring letter case', [text('contactEmail', ['JOHN@example.com'])], [0]],
  ['contactEmail one of a list', [text('contactEmail', ['jane@example.com', 'ANN@x.org'])], [1, 3]],
  ['company equals', [text('company', ['Emporix'])], [0]],
  ['customerNumber one of a list', [text('customerNumber', ['RF-3', 'RF-1', 'nope'])], [1, 3]],
  ['customerNumber equals', [text('customerNumber', ['RF-2'])], [2]],
  ['middleName equals', [text('middleName', ['M'])], [0]],
  ['title one of a list', [text('title', ['MR', 'MS'])], [0, 1]],
  ['contactPhone equals', [text('contactPhone', ['555'])], [2]],
  ['preferredLanguage', [text('preferredLanguage', ['de_DE'])], [1]],
  ['preferredCurrency', [text('preferredCurrency', ['EUR'])], [0, 2, 3]],
  ['preferredSite', [text('preferredSite', ['b2c'])], [1]],
  ['companyRegistrationId', [text('companyRegistrationId', ['REG-1'])], [0]],
  ['a legal entity', [text('legalEntityId', ['L-1'])], [0, 3]],
  ['one of two legal entities', [text('legalEntityId', ['L-1', 'L-2'])], [0, 2, 3]],
  ['no legal entity', [isNull('legalEntityId')], [1]],
  ['company contains, ignoring case (Imports too)', [contains('company', 'MPOR')], [0, 1, 3]],
  ['lastName contains', [contains('lastName', 'oe')], [0, 1, 2]],
  ['firstName contains, folding every script', [contains('firstName', 'öZ')], [2]],
  ['contactEmail contains', [contains('contactEmail', 'EXAMPLE')], [0, 1]],
  ['middleName contains', [contains('middleName', 'm')], [0]],
  ['a legal entity id contains', [contains('legalEntityId', 'l-2')], [2, 3]],
  ['contains takes % and _ literally', [contains('company', '%')], []],
  ['middleName is empty', [isNull('middleName')], [1, 2, 3]],
  ['contactEmail is empty', [isNull('contactEmail')], [2]],
  ['lastName is empty', [isNull('lastName')], [3]],
  ['companyRegistrationId is empty', [isNull('companyRegistrationId')], [1, 2, 3]],
  ['version equals', [num('version', 'in', [6])], [0]],
  ['version above', [num('version', 'gt', 2)], [0, 2]],
  ['version in a range', [num('version', 'gte', 2), num('version', 'lte', 3)], [2, 3]],
  ['createdAt before', [num('createdAt', 'lt', BASE + 2000)], [0, 1]],
  ['createdAt one of a list', [num('createdAt', 'in', [BASE + 1000, BASE + 3000])], [1, 3]],
  ['modifiedAt from', [num('modifiedAt', 'gte', BASE + 5000)], [0, 2]],
  ['a mixin exists', [mixin(['loyalty'], 'exists')], [0, 1]],
  ['a mixin exists with the value null', [mixin(['nothing'], 'exists')], [0]],
  ['a mixin is missing', [mixin(['loyalty'], 'missing')], [2, 3]],
  ['a nested mixin equals text', [mixin(['loyalty', 'level'], 'eq', 'gold')], [0]],
  ['a mixin equals a number', [mixin(['score'], 'eq', 3)], [0]],
  ['a mixin equals the text of a number', [mixin(['score'], 'eq', '3')], [1]],
  ['a mixin equals true', [mixin(['flag'], 'eq', true)], [0]],
  ['a mixin equals false', [mixin(['flag'], 'eq', false)], []],
  // A path names object keys, on both stores: it never goes into an array, whatever its keys look like.
  ['a mixin that holds an array exists', [mixin(['list'], 'exists')], [3]],
  ['a path does not index an array', [mixin(['list', '0'], 'exists')], []],
  ['a path does not index an array from its end', [mixin(['list', '-1'], 'exists')], []],
  ['an array element is not a value of the path', [mixin(['list', '0'], 'eq', 5)], []],
  ['a path does not go through an array', [mixin(['list', '1', 'k'], 'eq', 1)], []],
  ['under an array, a path is missing', [mixin(['list', '0'], 'missing')], [0, 1, 2, 3]],
  ['an object key of digits', [mixin(['keyed', '0'], 'eq', 'zero')], [3]],
  ['an object key of a minus and digits', [mixin(['keyed', '-1'], 'exists')], [3]],
  ['several conditions', [contains('lastName', 'oe'), num('version', 'gte', 3)], [0, 2]],
];

const numbers = (rows: readonly Customer[]) => rows.map((row) => row.customerNumber);
const expected = (ns: number[]) => ns.map((n) => `RF-${n}`);

interface Opened {
  store: OpenedStore;
  close(): Promise<void>;
}

const STORES: { name: string; open(): Promise<Opened> }[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'customer-graph-rest-filters-'));
      const store = openSqliteStore(join(dir, 'customers.db'));
      return {
        store,
        async close() {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const store = await openPostgresStore(await createDatabase(inject('postgresAdminUrl')));
      return { store, close: () => store.close() };
    },
  },
];

describe.each(STORES)('$name store', ({ open }) => {
  let opened: Opened;
  beforeAll(async () => {
    opened = await open();
    const { store } = opened;
    await store.transaction(async (tx) => {
      // The same customers in another tenant: none of them may ever show up in acme's lists.
      for (const tenant of ['acme', 'other']) {
        const reach = { tenant };
        const entities = new Map<string, number>();
        for (const id of ['L-1', 'L-2']) {
          const entity = await tx.legalEntities.getOrCreate(reach, {
            id,
            registrationId: `R${id}`,
            name: id,
            createdAt: BASE,
          });
          entities.set(id, entity.pk);
        }
        for (const { row, entities: ids } of CUSTOMERS) {
          const inserted = (await tx.customers.insert(reach, row))!;
          for (const id of ids) {
            await tx.legalEntities.assign(reach, {
              id: `A-${row.customerNumber}-${id}`,
              customerPk: inserted.pk,
              legalEntityPk: entities.get(id)!,
              createdAt: BASE,
            });
          }
        }
      }
    });
  });
  afterAll(() => opened?.close());

  const list = (filter: CustomerListFilter, extra: { offset?: number; limit?: number; reach?: Reach } = {}) =>
    opened.store.reads.customers.list(extra.reach ?? TENANT, {
      filter,
      order: ORDER,
      offset: extra.offset,
      limit: extra.limit ?? 100,
    });

  it.each(CASES)('%s', async (_name, conditions, matching) => {
    const filter = { conditions };
    expect(numbers(await list(filter))).toEqual(expected(matching));
    expect(await opened.store.reads.customers.count(TENANT, filter)).toBe(matching.length);
  });

  it('contains beside the search filter (what the REST list adds for the index) keeps the same answer', async () => {
    const filter = { search: 'empor', conditions: [contains('company', 'empor')] };
    expect(numbers(await list(filter))).toEqual(expected([0, 3]));
    expect(await opened.store.reads.customers.count(TENANT, filter)).toBe(2);
  });

  it('conditions beside the GraphQL filters', async () => {
    const filter = { active: true, businessModel: 'B2B' as const, conditions: [contains('lastName', 'oe')] };
    expect(numbers(await list(filter))).toEqual(expected([0, 2]));
    expect(await opened.store.reads.customers.count(TENANT, filter)).toBe(2);
  });

  it('within an own-company reach, only the company is listed and counted', async () => {
    // RF-0 is in L-1 with RF-3.
    const own: Reach = { tenant: 'acme', company: { customerNumber: 'RF-0' } };
    const filter = { conditions: [text('customerNumber', ['RF-1', 'RF-2', 'RF-3'])] };
    expect(numbers(await list(filter, { reach: own }))).toEqual(expected([3]));
    expect(await opened.store.reads.customers.count(own, filter)).toBe(1);
    const byEntity = { conditions: [text('legalEntityId', ['L-2'])] };
    expect(numbers(await list(byEntity, { reach: own }))).toEqual(expected([3]));
  });

  it('offset paging walks the same order: a page after the skipped rows', async () => {
    expect(numbers(await list({}, { offset: 1, limit: 2 }))).toEqual(expected([1, 2]));
    expect(numbers(await list({}, { offset: 3, limit: 2 }))).toEqual(expected([3]));
    expect(numbers(await list({}, { offset: 4, limit: 2 }))).toEqual([]);
    const filter = { conditions: [text('preferredCurrency', ['EUR'])] };
    expect(numbers(await list(filter, { offset: 1, limit: 1 }))).toEqual(expected([2]));
    const descending = await opened.store.reads.customers.list(TENANT, {
      filter: {},
      order: [{ field: 'LAST_NAME', direction: 'DESC' }],
      offset: 1,
      limit: 2,
    });
    // Roe, then doe and Doe (equal ignoring case; ties by number, descending as the last term).
    expect(numbers(descending)).toEqual(['RF-1', 'RF-0']);
  });
});

describe('SQLite plans of the q conditions', () => {
  let dir: string;
  let store: SqliteStore;
  const executed: { sql: string; params: unknown[] }[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'customer-graph-rest-plans-'));
    store = openSqliteStore(join(dir, 'customers.db'), {
      onQuery: (sql, params) => executed.push({ sql, params: [...params] }),
    });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function plan(conditions: CustomerCondition[]): Promise<string[]> {
    executed.length = 0;
    await store.reads.customers.list(TENANT, { filter: { conditions }, order: ORDER, limit: 61 });
    expect(executed).toHaveLength(1);
    const { sql, params } = executed[0]!;
    return store.explain(sql, params);
  }

  it.each([
    ['customerNumber', 'customers_tenant_number'],
    ['lastName', 'customers_tenant_last_name'],
    ['firstName', 'customers_tenant_first_name'],
    ['contactEmail', 'customers_tenant_contact_email'],
    ['company', 'customers_tenant_company'],
  ])('%s equality seeks %s', async (column, index) => {
    for (const values of [['x'], ['x', 'y']]) {
      const lines = await plan([text(column, values)]);
      expect(lines.join('\n')).toMatch(new RegExp(`SEARCH customers USING INDEX ${index} \\(tenant=\\? AND `));
      expect(lines.join('\n')).not.toMatch(/SCAN customers/);
    }
  });

  it('a legal entity leads with its members, by rowid', async () => {
    const lines = (await plan([text('legalEntityId', ['L-1'])])).join('\n');
    expect(lines).toMatch(/SEARCH customers USING INTEGER PRIMARY KEY \(rowid=\?\)/);
  });

  it.each([
    ['middleName equality', [text('middleName', ['M'])]],
    ['a comparison of the version', [num('version', 'gt', 1)]],
    ['a mixin', [mixin(['loyalty'], 'exists')]],
  ])("%s walks the tenant's rows in the order's index (no full scan)", async (_name, conditions) => {
    const lines = (await plan(conditions)).join('\n');
    expect(lines).toMatch(/SEARCH customers USING INDEX customers_tenant_created \(tenant=\?\)/);
    expect(lines).not.toMatch(/SCAN customers/);
  });

  it('a range of createdAt seeks the created index', async () => {
    const lines = (await plan([num('createdAt', 'gte', BASE), num('createdAt', 'lt', BASE + 1)])).join('\n');
    expect(lines).toMatch(
      /SEARCH customers USING INDEX customers_tenant_created \(tenant=\? AND created_at>\? AND created_at<\?\)/,
    );
  });
});

describe('PostgreSQL plans of the q conditions, over thousands of customers in several tenants', () => {
  const TENANTS = ['acme', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
  const PER_TENANT = 1500;
  const MINUTE = 60_000;
  const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'we', 'xu', 'yo', 'ze', 'bra', 'cho', 'dri'];
  const word = (i: number, salt: number) =>
    `${SYLLABLES[(i * salt) % SYLLABLES.length]}${SYLLABLES[Math.floor(i / 7 + salt) % SYLLABLES.length]}${SYLLABLES[(i + salt * 3) % 11]}`;
  /** Customer i of every tenant: the same values in each, so that only the tenant tells them apart. */
  const row = (i: number): NewCustomer =>
    customer(i, {
      customerNumber: `${100_000 + i}`,
      title: i % 2 === 0 ? 'MR' : 'MS',
      firstName: i % 11 === 0 ? null : word(i, 3),
      middleName: i % 9 === 0 ? 'M' : null,
      lastName: i === 1234 ? 'Quuxington' : word(i, 5),
      contactEmail: i % 13 === 0 ? null : `${word(i, 3)}.${i}@example.com`,
      contactPhone: i % 2 === 0 ? `+49 30 ${i}` : null,
      company: i % 3 === 0 ? `${word(i, 7)} GmbH` : null,
      preferredLanguage: i % 10 === 0 ? 'de_DE' : 'en_US',
      preferredSite: i % 20 === 0 ? 'b2c' : 'main',
      active: i % 4 !== 0,
      onHold: i % 17 === 0,
      companyRegistrationId: i % 3 === 0 ? `REG-${i}` : null,
      mixins: i % 6 === 0 ? { loyalty: { level: i % 12 === 0 ? 'gold' : 'silver' } } : null,
      version: 1 + (i % 7),
      createdAt: BASE + i * MINUTE,
      modifiedAt: BASE + ((i * 7919) % PER_TENANT) * MINUTE,
    });
  /** Every fifth customer belongs to one of 150 legal entities, two each (the same ids in every tenant). */
  const seed = (i: number): SeedCustomer => ({
    customer: row(i),
    addresses: [],
    accounts: [],
    membership:
      i % 5 === 0
        ? {
            entity: { id: `LE-${(i / 5) % 150}`, registrationId: `R-${(i / 5) % 150}`, name: null, createdAt: BASE },
            assignmentId: `AS-${i}`,
            createdAt: BASE,
          }
        : undefined,
  });
  const at = (minutes: number) => `"${new Date(BASE + minutes * MINUTE).toISOString()}"`;
  const quoted = (values: (string | null)[]) => `(${values.map((value) => `"${value}"`).join(',')})`;

  const executed: { sql: string; params: readonly unknown[] }[] = [];
  let store: OpenedStore;
  beforeAll(async () => {
    store = await openPostgresStore(await createDatabase(inject('postgresAdminUrl')), {
      onQuery: (sql, params) => executed.push({ sql, params }),
    });
    const writer = store.seedWriter();
    await writer.prepareForBulkLoad();
    // Tenants interleaved, as customers arrive in production: a tenant's rows are spread over the table.
    for (let from = 0; from < PER_TENANT; from += 500) {
      for (const tenant of TENANTS) {
        await writer.write(
          tenant,
          Array.from({ length: 500 }, (_, k) => seed(from + k)),
        );
      }
    }
    await writer.finishBulkLoad(); // ANALYZE
  });
  afterAll(() => store?.close());

  /** The plans of the list (first page, REST's default order) and the count that the REST list runs for q. */
  async function plans(q: string): Promise<{ list: string; count: string; total: number }> {
    const explainLast = async (run: () => Promise<unknown>) => {
      const from = executed.length;
      await run();
      const statement = executed.slice(from).findLast((entry) => /from "customers"/i.test(entry.sql));
      if (!statement) throw new Error(`no statement read customers for ${q}`);
      const plan = (await store.explain(statement.sql, statement.params)).join('\n');
      // SHOW_PLANS=1 prints every plan checked.
      if (process.env.SHOW_PLANS) console.log(`${q}\n${statement.sql}\n${plan}\n`);
      return plan;
    };
    let page: Awaited<ReturnType<ReturnType<typeof createCustomerList>['numberedPage']>> | undefined;
    const list = await explainLast(async () => {
      page = await createCustomerList().numberedPage(store.reads, TENANT, {
        filter: filterOfQ(parseQ(q)),
        pageNumber: 1,
        pageSize: 20,
      });
    });
    let total = 0;
    const count = await explainLast(async () => {
      total = await page!.count();
    });
    return { list, count, total };
  }

  /** The plan seeks `index` with the tenant and more: its Index Cond starts with the tenant and goes on. */
  const seeks = (index: string) =>
    new RegExp(
      `(Index Scan|Index Only Scan|Bitmap Index Scan)( Backward)? (using|on) ${index}\\b[^\\n]*\\n\\s*Index Cond: \\(\\(tenant = 'acme'::text\\) AND `,
    );
  /** The plan reads customers through a tenant-led index (its Index Cond starts with the tenant). */
  const TENANT_LED =
    /(Index Scan|Index Only Scan|Bitmap Index Scan)( Backward)? (using|on) customers_\w+[^\n]*\n\s*Index Cond: \(\(?tenant = 'acme'::text\)/;

  const r100 = row(100);
  const r101 = row(101);
  const r300 = row(300);
  const r303 = row(303);
  /** q, the index it must seek on PostgreSQL (the SQLite plans seek there too), and how many customers match. */
  const SEEKING: [string, string, number][] = [
    ['id:100015', 'customers_tenant_number', 1],
    ['id:(100015,100016,999999)', 'customers_tenant_number', 2],
    ['customerNumber:100015', 'customers_tenant_number', 1],
    ['customerNumber:(100015,100016)', 'customers_tenant_number', 2],
    [`lastName:${r100.lastName}`, 'customers_tenant_last_name', -1],
    [`lastName:${quoted([r100.lastName, r101.lastName])}`, 'customers_tenant_last_name', -1],
    [`firstName:${r100.firstName}`, 'customers_tenant_first_name', -1],
    [`firstName:${quoted([r100.firstName, r101.firstName])}`, 'customers_tenant_first_name', -1],
    [`contactEmail:${r100.contactEmail!.toUpperCase()}`, 'customers_tenant_contact_email', 1],
    [`contactEmail:${quoted([r100.contactEmail, r101.contactEmail])}`, 'customers_tenant_contact_email', 2],
    [`company:"${r300.company}"`, 'customers_tenant_company', -1],
    [`company:${quoted([r300.company, r303.company])}`, 'customers_tenant_company', -1],
    ['b2b.legalEntities.id:LE-7', 'legal_entities_tenant_id', 2],
    ['b2b.legalEntities.id:(LE-7,LE-8,LE-999)', 'legal_entities_tenant_id', 4],
    [`metadata.createdAt:>${at(PER_TENANT - 20)}`, 'customers_tenant_created', 19],
    [`metadata.createdAt:<=${at(20)}`, 'customers_tenant_created', 21],
    [`metadata.createdAt:(>=${at(700)} AND <${at(730)})`, 'customers_tenant_created', 30],
    [`metadata.createdAt:(${at(100)},${at(200)},${at(PER_TENANT)})`, 'customers_tenant_created', 2],
    [`metadata.modifiedAt:${at(700)}`, 'customers_tenant_modified', 1],
    [`metadata.modifiedAt:>=${at(PER_TENANT - 20)}`, 'customers_tenant_modified', 20],
    [`metadata.modifiedAt:(>${at(700)} AND <=${at(730)})`, 'customers_tenant_modified', 30],
    ['active:false', 'customers_tenant_active', PER_TENANT / 4],
    ['onHold:true', 'customers_tenant_on_hold', Math.ceil(PER_TENANT / 17)],
    ['lastName:~UXINGT', 'customers_search', 1],
    [`firstName:~${r100.firstName}`, 'customers_search', -1],
    ['contactEmail:~".1234@"', 'customers_search', 1],
    [`company:~"${r300.company}"`, 'customers_search', -1],
    ['customerNumber:~101234', 'customers_search', 1],
  ];

  it.each(SEEKING)('%s seeks %s with the tenant, in the list and the count', async (q, index, matching) => {
    const { list, count, total } = await plans(q);
    if (matching >= 0) expect(total).toBe(matching);
    else expect(total).toBeGreaterThan(0);
    for (const plan of [list, count]) {
      expect(plan, plan).not.toMatch(/Seq Scan on customers\b/);
      expect(plan, plan).toMatch(seeks(index));
      // The customers rows themselves are read through an index (the legal entity's members: by their pk).
      expect(plan, plan).toMatch(/(Index Scan|Index Only Scan|Bitmap Index Scan)( Backward)? (using|on) customers_\w+/);
    }
  });

  /** The members of the tenant's legal entities, read by their pk (as SQLite reads them by rowid). */
  const BY_MEMBERS = /Index Scan using customers_pkey on customers[^\n]*\n\s*Index Cond: \(pk = m\.customer_pk\)/;
  /**
   * q that no index of theirs answers: the tenant's rows are walked in a tenant-led index (or, for a legal entity's
   * id, its members read by pk), never the whole table.
   */
  const WALKING: (string | [string, RegExp])[] = [
    'middleName:M',
    'title:(MR,MS)',
    `contactPhone:"${row(100).contactPhone}"`,
    'preferredLanguage:de_DE',
    'preferredCurrency:EUR',
    'preferredSite:b2c',
    'b2b.companyRegistrationId:REG-300',
    'b2b.legalEntities.id:null',
    ['b2b.legalEntities.id:~le-7', BY_MEMBERS],
    'firstName:null',
    'contactEmail:null',
    'middleName:~m',
    'lastName:~ka',
    'metadata.version:>5',
    'metadata.version:(2,3)',
    'metadata.version:(>=2 AND <=3)',
    'mixins.loyalty:exists',
    'mixins.loyalty:missing',
    'mixins.loyalty.level:gold',
    'businessModel:B2C',
    'active:true lastName:~ka metadata.version:>=3',
  ];

  it.each(WALKING.map((c) => (typeof c === 'string' ? [c, TENANT_LED] : c)))(
    '%s reads the tenant through an index, in the list and the count',
    async (q, through) => {
      const { list, count, total } = await plans(q);
      expect(total).toBeGreaterThan(0);
      for (const plan of [list, count]) {
        expect(plan, plan).not.toMatch(/Seq Scan on customers\b/);
        expect(plan, plan).toMatch(through);
      }
    },
  );
});
