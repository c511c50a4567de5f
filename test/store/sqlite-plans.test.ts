/**
 * Every filter and every order of `customers` is answered by an index. The SQL checked is the SQL the store
 * runs: better-sqlite3's prepare is wrapped to capture each executed statement with its parameters, and SQLite's
 * EXPLAIN QUERY PLAN is asked about exactly that.
 *
 * Short searches (one or two characters) are below what a trigram index can answer; they walk the tenant's rows,
 * so for them this file checks the results instead of the plan.
 *
 * The search index holds every tenant, each in a rowid range of its own: the last part checks that a search seeks
 * to its tenant's range, reads the same pages beside a large tenant as alone, and that an older database migrates.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  CustomerListFilter,
  CustomerOrderField,
  CustomerParts,
  Direction,
  KeysetPosition,
  NewCustomer,
  OrderTerm,
  Reach,
  Transaction,
} from '../../src/domain/store.js';
import { openSqliteStore, repositoriesOn, type SqliteStore } from '../../src/store/sqlite/db.js';
import { newCustomer } from '../support/store.js';

type Repositories = Transaction;

const TENANT: Reach = { tenant: 'acme' };
import { BASE } from '../support/store.js';

let dir: string;
let store: SqliteStore;
let repos: Repositories;
const executed: { sql: string; params: unknown[] }[] = [];
let entityId: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'customer-graph-indexes-'));
  store = openSqliteStore(join(dir, 'customers.db'), {
    onQuery: (sql, params) => executed.push({ sql, params: [...params] }),
  });
  repos = repositoriesOn(store.connections[0]!);
  entityId = await seed();
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A few thousand customers over two tenants, a third of them in legal entities. */
async function seed(): Promise<string> {
  const firstNames = ['Ada', 'Alan', 'grace', 'Linus', 'Margaret', null, 'Ösel', 'Q'];
  const lastNames = ['Lovelace', 'Turing', 'hopper', 'Torvalds', 'Hamilton', null, 'Öztürk', "O'Brien"];
  const companies = [null, 'Acme', 'Globex', 'Initech', 'Umbrella "U" Corp'];
  let firstEntity = '';
  await store.transaction(async () => {
    for (const tenant of ['acme', 'other']) {
      const reach = { tenant };
      const entities = [];
      for (const n of [1, 2, 3]) {
        entities.push(
          await repos.legalEntities.getOrCreate(reach, {
            id: `L-${n}`,
            registrationId: `REG-${n}`,
            name: `Entity ${n}`,
            createdAt: BASE,
          }),
        );
      }
      if (tenant === 'acme') firstEntity = entities[0]!.id;
      for (let i = 0; i < 1500; i++) {
        const row = (await repos.customers.insert(
          reach,
          newCustomer(`C${String(i).padStart(5, '0')}`, {
            firstName: firstNames[i % firstNames.length]!,
            lastName: lastNames[(i * 3) % lastNames.length]!,
            contactEmail: i % 10 === 0 ? null : `user${i}@example.org`,
            company: companies[i % companies.length]!,
            preferredLanguage: 'en_US',
            preferredCurrency: 'USD',
            active: i % 2 === 0,
            onHold: i % 17 === 0,
            createdAt: BASE + i * 1000,
            modifiedAt: BASE + ((i * 7) % 1500) * 1000,
          }),
        ))!;
        if (i % 3 === 0) {
          await repos.legalEntities.assign(reach, {
            id: `A-${i}`,
            customerPk: row.pk,
            legalEntityPk: entities[i % 3 === 0 ? (i / 3) % 3 : 0]!.pk,
            createdAt: BASE,
          });
        }
      }
    }
  });
  return firstEntity;
}

interface Plan {
  sql: string;
  lines: string[];
}

/** The plan of the one statement that `run` executes. */
async function planOf(run: () => Promise<unknown>): Promise<Plan> {
  executed.length = 0;
  await run();
  expect(executed).toHaveLength(1);
  const { sql, params } = executed[0]!;
  return { sql, lines: await store.explain(sql, params) };
}

const listPlan = (filter: CustomerListFilter, order: readonly OrderTerm[], after?: KeysetPosition, reach = TENANT) =>
  planOf(() => repos.customers.list(reach, { filter, order, after, limit: 61 }));
const countPlan = (filter: CustomerListFilter, reach = TENANT) => planOf(() => repos.customers.count(reach, filter));

/** No full scan: customers is reached through an index (or its rowid), the search table through its FTS index. */
function expectNoScan(plan: Plan) {
  const context = `${plan.lines.join('\n')}\n${plan.sql}`;
  expect(
    plan.lines.some((line) => /^(SEARCH|SCAN) customers\b/.test(line)),
    context,
  ).toBe(true);
  for (const line of plan.lines) {
    expect(line, context).not.toMatch(/^SCAN customers( |$)/);
    if (/^SCAN customers_search\b/.test(line)) expect(line, context).toMatch(/VIRTUAL TABLE INDEX \d+:M/);
  }
}

function expectLine(plan: Plan, pattern: RegExp) {
  expect(plan.lines, plan.sql).toEqual(expect.arrayContaining([expect.stringMatching(pattern)]));
}

const ORDER_INDEX: Record<CustomerOrderField, { index: string; column: string }> = {
  CREATED_AT: { index: 'customers_tenant_created', column: 'created_at' },
  MODIFIED_AT: { index: 'customers_tenant_modified', column: 'modified_at' },
  CUSTOMER_NUMBER: { index: 'customers_tenant_number', column: 'customer_number' },
  LAST_NAME: { index: 'customers_tenant_last_name', column: '<expr>' },
  FIRST_NAME: { index: 'customers_tenant_first_name', column: '<expr>' },
  CONTACT_EMAIL: { index: 'customers_tenant_contact_email', column: '<expr>' },
  COMPANY: { index: 'customers_tenant_company', column: '<expr>' },
};
const FIELDS = Object.keys(ORDER_INDEX) as CustomerOrderField[];
const escapeForRegExp = (text: string) => text.replace(/[<>]/g, '\\$&');
/** A cursor position for an order of one field (the field's value, then the id). */
const positionFor = (field: CustomerOrderField): KeysetPosition =>
  field === 'CUSTOMER_NUMBER' ? ['C00700'] : [field.endsWith('_AT') ? BASE + 700_000 : 'M', 'C00700'];

/**
 * A search: the FTS5 index, given the MATCH (`M` in its idxStr) and both bounds of the tenant's rowid range (`>`
 * and `<`), the bounds looked up by tenant; then each match by rowid.
 */
const SEARCH_IN_TENANT = [
  /^SEARCH customers USING INTEGER PRIMARY KEY \(rowid=\?\)$/,
  /^SCAN customers_search VIRTUAL TABLE INDEX \d+:M\d+(><|<>)$/,
  /^SEARCH search_tenants USING COVERING INDEX search_tenants_tenant \(tenant=\?\)$/,
];

function checkPlans() {
  describe('every order is an index walk, and the next page an index range', () => {
    for (const field of FIELDS) {
      for (const direction of ['ASC', 'DESC'] as Direction[]) {
        it(`${field} ${direction}`, async () => {
          const { index, column } = ORDER_INDEX[field];
          const order = [{ field, direction }];
          const firstPage = await listPlan({}, order);
          expectNoScan(firstPage);
          expect(firstPage.lines[0]).toMatch(new RegExp(`^SEARCH customers USING INDEX ${index} \\(tenant=\\?\\)$`));
          expect(firstPage.lines.join('\n')).not.toMatch(/TEMP B-TREE/);

          const nextPage = await listPlan({}, order, positionFor(field));
          expectNoScan(nextPage);
          const op = direction === 'ASC' ? '>' : '<';
          expect(nextPage.lines[0]).toMatch(
            new RegExp(
              `^SEARCH customers USING INDEX ${index} \\(tenant=\\? AND ${escapeForRegExp(column)}${op}\\?\\)$`,
            ),
          );
          expect(nextPage.lines.join('\n')).not.toMatch(/TEMP B-TREE/);
        });
      }
    }

    it('a multi-field order seeks on its first field', async () => {
      const order: OrderTerm[] = [
        { field: 'LAST_NAME', direction: 'ASC' },
        { field: 'FIRST_NAME', direction: 'DESC' },
      ];
      const plan = await listPlan({}, order, ['M', 'N', 'C00700']);
      expectNoScan(plan);
      expect(plan.lines[0]).toMatch(
        /^SEARCH customers USING INDEX customers_tenant_last_name \(tenant=\? AND <expr>>\?\)$/,
      );
    });
  });

  describe('every filter is answered by its index', () => {
    /** Selective filters lead with their own index, whatever the order. */
    const selective: [string, CustomerListFilter, RegExp[]][] = [
      ['search', { search: 'lovel' }, SEARCH_IN_TENANT],
      ['search with quotes', { search: 'a "U" c' }, SEARCH_IN_TENANT],
      [
        'contactEmail',
        { contactEmail: 'USER7@example.org' },
        [/^SEARCH customers USING INDEX customers_tenant_contact_email \(tenant=\? AND <expr>=\?\)$/],
      ],
      [
        'legalEntityId',
        { legalEntityId: 'L-1' },
        [
          /^SEARCH customers USING INTEGER PRIMARY KEY \(rowid=\?\)$/,
          /^SEARCH e USING COVERING INDEX legal_entities_tenant_id \(tenant=\? AND id=\?\)$/,
          /^SEARCH m USING COVERING INDEX customer_legal_entities_entity \(legal_entity_pk=\?\)$/,
        ],
      ],
      [
        'contactEmail with broad filters',
        { contactEmail: 'user7@example.org', active: false, onHold: false, modifiedSince: BASE, businessModel: 'B2C' },
        [/^SEARCH customers USING INDEX customers_tenant_contact_email \(tenant=\? AND <expr>=\?\)$/],
      ],
      [
        'search with broad filters',
        { search: 'example', active: true, onHold: false, modifiedSince: BASE, businessModel: 'B2B' },
        SEARCH_IN_TENANT,
      ],
    ];
    for (const [name, filter, expected] of selective) {
      it(`${name}: list under every order, next pages and count`, async () => {
        for (const field of FIELDS) {
          for (const direction of ['ASC', 'DESC'] as Direction[]) {
            for (const after of [undefined, positionFor(field)]) {
              const plan = await listPlan(filter, [{ field, direction }], after);
              expectNoScan(plan);
              for (const pattern of expected) expectLine(plan, pattern);
            }
          }
        }
        const count = await countPlan(filter);
        expectNoScan(count);
        for (const pattern of expected) expectLine(count, pattern);
      });
    }

    /** Broad filters: their own index under the default order and in the count; an order index otherwise. */
    const broad: [string, CustomerListFilter, RegExp][] = [
      [
        'active',
        { active: true },
        /^SEARCH customers USING (COVERING )?INDEX customers_tenant_active \(tenant=\? AND active=\?\)$/,
      ],
      [
        'onHold',
        { onHold: true },
        /^SEARCH customers USING (COVERING )?INDEX customers_tenant_on_hold \(tenant=\? AND on_hold=\?\)$/,
      ],
      [
        // A recent instant, as a sync would ask for: an early one matches most rows, and the order's index is better.
        'modifiedSince',
        { modifiedSince: BASE + 1_490_000 },
        /^SEARCH customers USING (COVERING )?INDEX customers_tenant_modified \(tenant=\? AND modified_at>\?\)$/,
      ],
      [
        'businessModel B2B',
        { businessModel: 'B2B' },
        /^SEARCH m EXISTS USING COVERING INDEX customer_legal_entities_member \(customer_pk=\?\)$/,
      ],
      [
        'businessModel B2C',
        { businessModel: 'B2C' },
        /^SEARCH m USING COVERING INDEX customer_legal_entities_member \(customer_pk=\?\)$/,
      ],
    ];
    for (const [name, filter, expected] of broad) {
      it(`${name}: list under every order, next pages and count`, async () => {
        expectLine(await listPlan(filter, [{ field: 'CREATED_AT', direction: 'ASC' }]), expected);
        expectLine(await countPlan(filter), expected);
        for (const field of FIELDS) {
          for (const direction of ['ASC', 'DESC'] as Direction[]) {
            for (const after of [undefined, positionFor(field)]) {
              const plan = await listPlan(filter, [{ field, direction }], after);
              expectNoScan(plan);
              expectLine(plan, /^SEARCH customers USING (COVERING )?INDEX customers_tenant_\w+ \(tenant=\?/);
            }
          }
        }
      });
    }

    it("an own-scope caller's company is looked up by its members", async () => {
      const company: Reach = { tenant: 'acme', company: { customerNumber: 'C00003' } };
      const entity: Reach = { tenant: 'acme', company: { customerNumber: 'C00003', legalEntityId: 'L-2' } };
      for (const reach of [company, entity]) {
        for (const plan of [
          await listPlan({}, [{ field: 'LAST_NAME', direction: 'ASC' }], undefined, reach),
          await listPlan({ active: true }, [{ field: 'CREATED_AT', direction: 'DESC' }], [BASE, 'C00003'], reach),
          await countPlan({}, reach),
        ]) {
          expectNoScan(plan);
          expectLine(plan, /^SEARCH customers USING INTEGER PRIMARY KEY \(rowid=\?\)$/);
          expectLine(
            plan,
            /^SEARCH theirs USING COVERING INDEX customer_legal_entities_entity \(legal_entity_pk=\?\)$/,
          );
        }
      }
    });

    it("a search seeks to its tenant's rowid range in the index, under every reach", async () => {
      const reaches: Reach[] = [
        TENANT,
        { tenant: 'acme', company: { customerNumber: 'C00003' } },
        { tenant: 'acme', company: { customerNumber: 'C00003', legalEntityId: 'L-2' } },
      ];
      for (const reach of reaches) {
        for (const plan of [
          await listPlan({ search: 'example' }, [{ field: 'LAST_NAME', direction: 'ASC' }], undefined, reach),
          await listPlan({ search: 'example' }, [{ field: 'LAST_NAME', direction: 'ASC' }], ['M', 'C00700'], reach),
          await countPlan({ search: 'example' }, reach),
        ]) {
          expectNoScan(plan);
          for (const pattern of SEARCH_IN_TENANT) expectLine(plan, pattern);
        }
      }
    });

    it('short searches walk an index of the tenant (no trigram index below three characters)', async () => {
      for (const search of ['a', 'öz']) {
        const plan = await listPlan({ search }, [{ field: 'CREATED_AT', direction: 'ASC' }]);
        expectNoScan(plan);
        expectLine(plan, /^SEARCH customers USING INDEX customers_tenant_created \(tenant=\?\)$/);
      }
    });
  });

  describe('addresses, accounts and legal entities are sought by customer or by id, not walked by tenant', () => {
    // The batched loaders and the domain's per-customer statements: each must lead with the customer index.
    const pks = [1, 2, 3];
    const cases: [string, () => Promise<unknown>, RegExp][] = [
      [
        'addresses of a batch',
        () => repos.addresses.byCustomerPks(TENANT, pks),
        /^SEARCH addresses USING INDEX addresses_customer \(customer_pk=\?/,
      ],
      [
        'addresses counted',
        () => repos.addresses.countByCustomer(TENANT, 1),
        /^SEARCH addresses USING (COVERING )?INDEX addresses_customer \(customer_pk=\?/,
      ],
      [
        'default address cleared',
        () => repos.addresses.clearDefaultExcept(TENANT, 1, 0, BASE),
        /^SEARCH addresses USING INDEX addresses_customer \(customer_pk=\?/,
      ],
      [
        'accounts of a batch',
        () => repos.accounts.byCustomerPks(TENANT, pks),
        /^SEARCH accounts USING INDEX accounts_customer \(customer_pk=\?/,
      ],
      [
        'accounts counted',
        () => repos.accounts.countByCustomer(TENANT, 1),
        /^SEARCH accounts USING (COVERING )?INDEX accounts_customer \(customer_pk=\?/,
      ],
      [
        'legal entities of a batch',
        () => repos.legalEntities.membershipsByCustomerPks(TENANT, pks),
        /^SEARCH customer_legal_entities USING INDEX customer_legal_entities_member \(customer_pk=\?/,
      ],
      [
        'addresses by id',
        () => repos.addresses.byIds(TENANT, ['AD-1', 'AD-2']),
        /^SEARCH addresses USING INDEX addresses_tenant_id \(tenant=\? AND id=\?\)/,
      ],
      [
        'legal entities by id',
        () => repos.legalEntities.byIds(TENANT, ['L-1', 'L-2']),
        /^SEARCH legal_entities USING INDEX legal_entities_tenant_id \(tenant=\? AND id=\?\)/,
      ],
    ];
    it.each(cases)('%s', async (_name, run, leading) => {
      const plan = await planOf(run);
      expect(plan.lines[0], `${plan.lines.join('\n')}\n${plan.sql}`).toMatch(leading);
    });
  });

  describe('a customer looked up by number or pk, alone or in a batch, with or without parts, is sought by its key', () => {
    // One key has a statement of its own (`= ?`); a batch takes its keys as one JSON array.
    // In a company, the members' pks narrow the same index further (`AND rowid=?`).
    const byNumber =
      /^SEARCH customers USING INDEX customers_tenant_number \(tenant=\? AND customer_number=\?( AND rowid=\?)?\)$/;
    const byPk = /^SEARCH customers USING INTEGER PRIMARY KEY \(rowid=\?\)$/;
    const all = { addresses: true, accounts: true, memberships: true };
    const COMPANY: Reach = { tenant: 'acme', company: { customerNumber: 'C00003', legalEntityId: 'L-2' } };
    const cases: [string, () => Promise<unknown>, number, RegExp][] = [
      ['one number', () => repos.customers.byNumbers(TENANT, ['C00001']), 1, byNumber],
      ['one number with parts', () => repos.customers.byNumbers(TENANT, ['C00001'], all), 1, byNumber],
      ['a batch of numbers', () => repos.customers.byNumbers(TENANT, ['C00001', 'C00002', 'C00003']), 3, byNumber],
      [
        'a batch of numbers with parts',
        () => repos.customers.byNumbers(TENANT, ['C00001', 'C00002'], all),
        2,
        byNumber,
      ],
      ['one number locked for a write', () => repos.customers.lockByNumber(TENANT, 'C00001'), 1, byNumber],
      ['one pk', () => repos.customers.byPks(TENANT, [1]), 1, byPk],
      ['one pk with parts', () => repos.customers.byPks(TENANT, [1], all), 1, byPk],
      ['a batch of pks', () => repos.customers.byPks(TENANT, [1, 2, 3]), 3, byPk],
      ['a batch of pks with parts', () => repos.customers.byPks(TENANT, [1, 2], all), 2, byPk],
      ["a batch of pks in an own-scope caller's company", () => repos.customers.byPks(COMPANY, [1, 4, 7]), 3, byPk],
      [
        "a batch of numbers in an own-scope caller's company",
        () => repos.customers.byNumbers(COMPANY, ['C00001', 'C00004']),
        2,
        byNumber,
      ],
    ];
    it.each(cases)('%s', async (_name, run, keys, seek) => {
      const plan = await planOf(run);
      expect(plan.sql.includes('json_each'), plan.sql).toBe(keys > 1);
      expectLine(plan, seek);
      expectNoScan(plan);
    });
  });
}

describe('without statistics', () => {
  checkPlans();
});

describe('after ANALYZE', () => {
  beforeAll(async () => {
    store.connections[0]!.exec('ANALYZE');
  });
  checkPlans();
});

describe('results of the indexed plans', () => {
  const all = () =>
    store.reads.customers.list(TENANT, {
      filter: {},
      order: [{ field: 'CUSTOMER_NUMBER', direction: 'ASC' }],
      limit: 10_000,
    });
  const numbers = async (filter: CustomerListFilter) =>
    (
      await store.reads.customers.list(TENANT, {
        filter,
        order: [{ field: 'CUSTOMER_NUMBER', direction: 'ASC' }],
        limit: 10_000,
      })
    ).map((row) => row.customerNumber);

  it('short searches match case-insensitively in every searched field', async () => {
    const rows = await all();
    for (const search of ['q', 'Q', 'ö', 'ÖZ', "'", '"', 'a', '0', '@e', 'c0']) {
      const needle = search.toLowerCase();
      const expected = rows
        .filter((row) =>
          [row.customerNumber, row.firstName, row.lastName, row.company, row.contactEmail].some((value) =>
            (value ?? '').toLowerCase().includes(needle),
          ),
        )
        .map((row) => row.customerNumber);
      expect(expected.length).toBeGreaterThan(0);
      expect(await numbers({ search }), search).toEqual(expected);
      expect(await repos.customers.count(TENANT, { search })).toBe(expected.length);
    }
  });

  it('selective filters find the same rows as a scan would', async () => {
    const rows = await all();
    expect(await numbers({ contactEmail: 'USER7@EXAMPLE.ORG' })).toEqual(['C00007']);
    expect(await numbers({ legalEntityId: entityId })).toEqual(
      rows.filter((_, i) => i % 3 === 0 && (i / 3) % 3 === 0).map((row) => row.customerNumber),
    );
    expect(await numbers({ search: 'lovel' })).toEqual(
      rows.filter((row) => row.lastName?.toLowerCase().includes('lovel')).map((row) => row.customerNumber),
    );
  });

  it("a number finds its tenant's customer, alone as in a batch, and nothing of another tenant's", async () => {
    const rows = await all();
    const pkOf = new Map(rows.map((row) => [row.customerNumber, row.pk]));
    const other = { tenant: 'other' };
    const pks = async (reach: Reach, numbers: string[], parts?: CustomerParts) =>
      (await repos.customers.byNumbers(reach, numbers, parts)).map((row) => row.pk).sort((a, b) => a - b);

    expect(await pks(TENANT, ['C00001'])).toEqual([pkOf.get('C00001')]);
    expect(await pks(TENANT, ['C00001'], { addresses: true })).toEqual([pkOf.get('C00001')]);
    expect(await pks(TENANT, ['C00001', 'C00002'])).toEqual([pkOf.get('C00001'), pkOf.get('C00002')]);
    const [theirs] = await pks(other, ['C00001']);
    expect(theirs).toBeDefined();
    expect(theirs).not.toBe(pkOf.get('C00001'));
    expect(await pks(other, ['C00001', 'C00002'])).not.toContain(pkOf.get('C00001'));
    expect(await pks(TENANT, ['C99999'])).toEqual([]);
    expect(await pks({ tenant: 'nobody' }, ['C00001'])).toEqual([]);
  });

  it("a pk finds its tenant's customer, alone as in a batch, and nothing of another tenant's", async () => {
    const [mine, alsoMine] = (await all()).slice(0, 2).map((row) => row.pk);
    const byPks = async (reach: Reach, pks: number[]) =>
      (await repos.customers.byPks(reach, pks)).map((row) => row.pk).sort((a, b) => a - b);

    expect(await byPks(TENANT, [mine!])).toEqual([mine]);
    expect(await byPks(TENANT, [mine!, alsoMine!])).toEqual([mine, alsoMine].sort((a, b) => a! - b!));
    expect(await byPks({ tenant: 'other' }, [mine!])).toEqual([]);
    expect(await byPks({ tenant: 'other' }, [mine!, alsoMine!])).toEqual([]);
    expect(await byPks({ tenant: 'nobody' }, [mine!])).toEqual([]);
  });
});

/** A customer as the domain writes one, with the given searched fields. */
const customerRow = (customerNumber: string, fields: Partial<NewCustomer> = {}): NewCustomer =>
  newCustomer(customerNumber, { preferredLanguage: 'en_US', preferredCurrency: 'USD', ...fields });

/** The search index holds one row per customer, at `(tenant no << 40) | pk`, and FTS5 finds it consistent. */
function expectIndexOfCustomers(sqlite: Database.Database) {
  const expected = `SELECT (t.no << 40) | c.pk FROM customers c JOIN search_tenants t ON t.tenant = c.tenant`;
  const count = (sql: string) => sqlite.prepare(`SELECT count(*) FROM (${sql})`).pluck().get();
  expect(count(`SELECT rowid FROM customers_search EXCEPT ${expected}`)).toBe(0);
  expect(count(`${expected} EXCEPT SELECT rowid FROM customers_search`)).toBe(0);
  expect(count('SELECT rowid FROM customers_search')).toBe(count('SELECT pk FROM customers'));
  const check = `INSERT INTO customers_search(customers_search, rank) VALUES ('integrity-check', 1)`;
  expect(() => sqlite.exec(check)).not.toThrow();
}

const numbersIn = async (repos: Repositories, reach: Reach, search: string) =>
  (
    await repos.customers.list(reach, {
      filter: { search },
      order: [{ field: 'CUSTOMER_NUMBER', direction: 'ASC' }],
      limit: 10_000,
    })
  ).map((row) => row.customerNumber);

describe('the search index, tenant by tenant', () => {
  const OTHER: Reach = { tenant: 'other' };

  it('finds each tenant its own customers; changes move with them; a tenant without customers finds none', async () => {
    // acme and other hold the same 1,500 customers (numbers and names): each must find its own rows only.
    for (const reach of [TENANT, OTHER]) {
      const rows = await repos.customers.list(reach, { filter: { search: 'lovel' }, order: [], limit: 10_000 });
      expect(rows.length).toBe(Math.ceil(1500 / 8));
      expect(rows.every((row) => row.tenant === reach.tenant)).toBe(true);
      expect(await repos.customers.count(reach, { search: 'lovel' })).toBe(rows.length);
    }
    const [z0, z1] = await store.transaction(() =>
      Promise.all(
        ['Zebulon', 'Zebulonsky'].map((lastName, i) =>
          repos.customers.insert(OTHER, customerRow(`Z${i}`, { lastName })),
        ),
      ),
    );
    expect(await numbersIn(repos, TENANT, 'zebulon')).toEqual([]);
    expect(await numbersIn(repos, OTHER, 'ZEBULON')).toEqual(['Z0', 'Z1']);
    await repos.customers.update(OTHER, z0!.pk, { lastName: 'Quimby' });
    expect(await numbersIn(repos, OTHER, 'zebulon')).toEqual(['Z1']);
    expect(await numbersIn(repos, OTHER, 'quimby')).toEqual(['Z0']);
    await repos.customers.delete(OTHER, z1!, BASE);
    expect(await numbersIn(repos, OTHER, 'zebulon')).toEqual([]);
    expectIndexOfCustomers(store.connections[0]!);

    // A tenant that never had customers has no number, so no range: it finds nothing (and reads no other's).
    expect(await numbersIn(repos, { tenant: 'nobody' }, 'example')).toEqual([]);
    expect(await repos.customers.count({ tenant: 'nobody' }, { search: 'example' })).toBe(0);
  });
});

/** Read system calls of this thread so far (Linux's per-thread I/O accounting). */
const readCalls = () => Number(/^syscr: (\d+)$/m.exec(readFileSync('/proc/thread-self/io', 'utf8'))![1]);

/**
 * The database pages that one run of a statement reads, on a fresh connection (an empty page cache) once its schema
 * is loaded. SQLite reads each page it needs once, with one pread on this thread; no memory map hides a read.
 */
function pagesRead(path: string, sql: string, params: unknown[]): number {
  const db = new Database(path);
  try {
    expect(db.pragma('mmap_size', { simple: true })).toBe(0);
    const statement = db.prepare(sql);
    const start = readCalls();
    const counting = readCalls() - start;
    const before = readCalls();
    statement.all(...params);
    return readCalls() - before - counting;
  } finally {
    db.close();
  }
}

describe("a tenant's search costs what its own data costs, whatever other tenants hold", () => {
  const SMALL: Reach = { tenant: 'small' };
  const LAST_NAMES = ['Lovelace', 'Turing', 'Hopper', 'Torvalds', 'Hamilton'];
  // Terms that the other tenants' customers match too, most of them ('.com') all of them.
  const SEARCHES = ['.com', 'lovelace', 'C00042', 'user17@'];
  /** Customers of the other tenants beside the small one's 100, in each database. */
  const OTHERS = [0, 2_000, 20_000];
  let paths: string[];
  /** Per database, per search: the statement the store ran (as Q3 asks: by last name, first 20) and its answer. */
  let runs: { sql: string; params: unknown[]; numbers: string[] }[][];

  async function fill(store: SqliteStore, repos: Repositories, tenant: string, count: number) {
    await store.transaction(async () => {
      for (let i = 0; i < count; i++) {
        const number = `C${String(i).padStart(5, '0')}`;
        const lastName = LAST_NAMES[i % LAST_NAMES.length]!;
        const fields = { firstName: 'Ada', lastName, contactEmail: `user${i}@example.com` };
        await repos.customers.insert({ tenant }, customerRow(number, fields));
      }
    });
  }

  beforeAll(async () => {
    paths = OTHERS.map((others) => join(dir, `beside-${others}.db`));
    runs = [];
    for (const [i, path] of paths.entries()) {
      const log: { sql: string; params: unknown[] }[] = [];
      const seeded = openSqliteStore(path, { onQuery: (sql, params) => log.push({ sql, params: [...params] }) });
      const repos = repositoriesOn(seeded.connections[0]!);
      // One tenant numbered before the small one and one after it: its range sits between theirs.
      await fill(seeded, repos, 'early', OTHERS[i]! / 2);
      await fill(seeded, repos, 'small', 100);
      await fill(seeded, repos, 'late', OTHERS[i]! / 2);
      await seeded.seedWriter().finishBulkLoad();
      const searches = [];
      for (const search of SEARCHES) {
        log.length = 0;
        const rows = await repos.customers.list(SMALL, {
          filter: { search },
          order: [{ field: 'LAST_NAME', direction: 'ASC' }],
          limit: 21,
        });
        expect(log).toHaveLength(1);
        searches.push({ ...log[0]!, numbers: rows.map((row) => `${row.tenant}/${row.customerNumber}`) });
      }
      await seeded.close();
      runs.push(searches);
    }
  });

  it('runs the same statement with the same plan, and finds the same customers', async () => {
    const plans = paths.map((path, i) => {
      const db = new Database(path, { readonly: true });
      try {
        return runs[i]!.map(({ sql, params }) =>
          (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((row) => row.detail),
        );
      } finally {
        db.close();
      }
    });
    for (const lines of plans[0]!) {
      for (const pattern of SEARCH_IN_TENANT) expect(lines).toContainEqual(expect.stringMatching(pattern));
    }
    for (let i = 1; i < paths.length; i++) {
      expect(plans[i]).toEqual(plans[0]);
      const statements = (j: number) => runs[j]!.map(({ sql, params }) => ({ sql, params }));
      expect(statements(i)).toEqual(statements(0));
      expect(runs[i]!.map((run) => run.numbers)).toEqual(runs[0]!.map((run) => run.numbers));
    }
    expect(runs[0]!.map((run) => run.numbers.length)).toEqual([21, 20, 1, 1]);
  });

  it.skipIf(!existsSync('/proc/thread-self/io'))("reads other tenants' index levels, never their matches", async () => {
    // Pages per search (rows) and database (columns).
    const pages = SEARCHES.map((_, s) =>
      paths.map((path, i) => pagesRead(path, runs[i]![s]!.sql, runs[i]![s]!.params)),
    );
    const table = SEARCHES.map((search, s) => `"${search}" ${pages[s]!.join(' / ')}`).join(', ');
    const context = `pages read by the small tenant's searches beside ${OTHERS.join(' / ')} other customers: ${table}`;
    // Beside other tenants a phrase costs more, per trigram, the term's first page in the merged segment, its doclist
    // index and a page where the range straddles two; and a level more of the b-trees of customers, of the index's
    // pages and of its terms, and a customers page where the tenant's rows straddle two.
    const allowance = (search: string) => 3 * ([...search].length - 2) + 4;
    SEARCHES.forEach((search, s) => {
      const [alone, ...beside] = pages[s]!;
      for (const pagesBeside of beside) expect(pagesBeside - alone!, context).toBeLessThanOrEqual(allowance(search));
    });
    // The allowance could not hide a walk of the other tenants' matches: the index without the range reads them.
    const walk = 'SELECT rowid FROM customers_search WHERE customers_search MATCH ?';
    const unbounded = pagesRead(paths.at(-1)!, walk, ['".com"']);
    expect(unbounded, context).toBeGreaterThan(pages[0]![0]! + 2 * allowance('.com'));
  });
});

describe('a database of an earlier release', () => {
  it('migrates at open: each tenant finds its own customers, the triggers keep the index in sync, numbers are claimed', async () => {
    // The migrations up to 0002, as the previous release applied them.
    const previous = join(dir, 'migrations-0002');
    cpSync(fileURLToPath(new URL('../../drizzle', import.meta.url)), previous, { recursive: true });
    const journalPath = join(previous, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { idx: number }[] };
    const entries = journal.entries.filter((entry) => entry.idx <= 2);
    writeFileSync(journalPath, JSON.stringify({ ...journal, entries }));
    const path = join(dir, 'previous.db');
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    migrate(drizzle(old), { migrationsFolder: previous });
    // Written then, the old triggers index them, changes included, into the index of all tenants.
    const insert = old.prepare(`INSERT INTO customers (tenant, customer_number, first_name, last_name, contact_email,
        preferred_language, preferred_currency, preferred_site, active, on_hold, version, created_at, modified_at)
      VALUES (?, ?, 'Ada', ?, ?, 'en_US', 'USD', 'main', 1, 0, 1, 0, 0)`);
    for (const tenant of ['beta', 'acme']) {
      for (let i = 0; i < 40; i++) {
        insert.run(tenant, `N${i}`, i % 2 ? 'Hopper' : 'Lovelace', `${tenant}${i}@example.com`);
      }
    }
    old.prepare(`UPDATE customers SET last_name = 'Turing' WHERE tenant = 'beta' AND customer_number = 'N2'`).run();
    old.prepare(`DELETE FROM customers WHERE tenant = 'acme' AND customer_number = 'N4'`).run();
    old.prepare(`INSERT INTO deleted_customers (tenant, customer_number, deleted_at) VALUES ('acme', 'GONE', 5)`).run();
    const lovelaces = `SELECT count(*) FROM customers_search WHERE customers_search MATCH '"lovelace"'`;
    expect(old.prepare(lovelaces).pluck().get()).toBe(38);
    old.close();

    const migrated = openSqliteStore(path);
    try {
      const repos = repositoriesOn(migrated.connections[0]!);
      expectIndexOfCustomers(migrated.connections[0]!);
      const rows = migrated.connections[0]!.prepare(
        'SELECT customer_number, last_name, contact_email FROM customers WHERE tenant = ? ORDER BY 1',
      ).raw();
      // What a scan finds: the term in the number, last name or email (the first names are all 'Ada', no company).
      const expected = (tenant: string, search: string) =>
        (rows.all(tenant) as string[][])
          .filter((values) => values.some((value) => value.toLowerCase().includes(search.toLowerCase())))
          .map(([number]) => number);
      for (const tenant of ['acme', 'beta']) {
        for (const search of ['Lovelace', 'turing', 'HOPPER', '@example.com', 'acme1', 'beta1']) {
          expect(await numbersIn(repos, { tenant }, search), `${tenant}: ${search}`).toEqual(expected(tenant, search));
        }
      }
      expect(await numbersIn(repos, { tenant: 'acme' }, 'lovelace')).toHaveLength(19);
      expect(await numbersIn(repos, { tenant: 'beta' }, 'lovelace')).toHaveLength(19);
      expect(await numbersIn(repos, { tenant: 'beta' }, 'turing')).toEqual(['N2']);
      expect(await numbersIn(repos, { tenant: 'acme' }, 'beta1')).toEqual([]);
      // The new triggers: a new tenant, a change and a deletion.
      const gamma = (await repos.customers.insert({ tenant: 'gamma' }, customerRow('G1', { lastName: 'Lovelace' })))!;
      expect(await numbersIn(repos, { tenant: 'gamma' }, 'lovelace')).toEqual(['G1']);
      await repos.customers.update({ tenant: 'gamma' }, gamma.pk, { lastName: 'Hopper' });
      expect(await numbersIn(repos, { tenant: 'gamma' }, 'lovelace')).toEqual([]);
      expect(await numbersIn(repos, { tenant: 'gamma' }, 'hopper')).toEqual(['G1']);
      const beta = (await repos.customers.byNumbers({ tenant: 'beta' }, ['N0']))[0]!;
      await repos.customers.delete({ tenant: 'beta' }, beta, BASE);
      expect(await numbersIn(repos, { tenant: 'beta' }, 'beta0@')).toEqual([]);
      expect(await numbersIn(repos, { tenant: 'acme' }, 'acme0@')).toEqual(['N0']);
      expectIndexOfCustomers(migrated.connections[0]!);
      // Every number in use and every deleted one became a claim (drizzle/0004_claimed_numbers.sql).
      expect(await repos.customers.numberDeleted({ tenant: 'acme' }, 'GONE')).toBe(true);
      expect(await repos.customers.numberDeleted({ tenant: 'acme' }, 'N1')).toBe(false);
      for (const number of ['GONE', 'N1']) {
        expect(await repos.customers.insert({ tenant: 'acme' }, customerRow(number))).toBeUndefined();
      }
      expect(await repos.customers.insert({ tenant: 'beta' }, customerRow('GONE'))).toBeDefined();
    } finally {
      await migrated.close();
    }
  });
});
