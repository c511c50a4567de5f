/**
 * Every filter and every order of `customers` is answered by an index. The SQL checked is the SQL the store
 * runs: better-sqlite3's prepare is wrapped to capture each executed statement with its parameters, and SQLite's
 * EXPLAIN QUERY PLAN is asked about exactly that.
 *
 * Short searches (one or two characters) are below what a trigram index can answer; they walk the tenant's rows,
 * so for them this file checks the results instead of the plan.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Statement } from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerListFilter, CustomerOrderField, Direction, KeysetPosition, OrderTerm } from '../src/store/customers.js';
import { openStore, type Store } from '../src/store/db.js';
import { createRepositories, type Repositories } from '../src/store/index.js';
import type { Reach } from '../src/store/reach.js';

const TENANT: Reach = { tenant: 'acme' };
const BASE = Date.parse('2026-01-01T00:00:00.000Z');

let dir: string;
let store: Store;
let repos: Repositories;
let prepare: (sql: string) => Statement;
const executed: { sql: string; params: unknown[] }[] = [];
let entityId: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'customer-graph-indexes-'));
  store = openStore(join(dir, 'customers.db'));
  prepare = store.sqlite.prepare.bind(store.sqlite);
  // Every statement the store prepares records its SQL and parameters each time it runs.
  store.sqlite.prepare = ((sql: string) => {
    const statement = prepare(sql);
    for (const method of ['all', 'get', 'run', 'iterate'] as const) {
      const run = (statement[method] as (...params: unknown[]) => unknown).bind(statement);
      Object.defineProperty(statement, method, {
        value: (...params: unknown[]) => {
          executed.push({ sql, params });
          return run(...params);
        },
      });
    }
    return statement;
  }) as typeof store.sqlite.prepare;
  repos = createRepositories(store);
  entityId = seed();
});

afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A few thousand customers over two tenants, a third of them in legal entities. */
function seed(): string {
  const firstNames = ['Ada', 'Alan', 'grace', 'Linus', 'Margaret', null, 'Ösel', 'Q'];
  const lastNames = ['Lovelace', 'Turing', 'hopper', 'Torvalds', 'Hamilton', null, 'Öztürk', "O'Brien"];
  const companies = [null, 'Acme', 'Globex', 'Initech', 'Umbrella "U" Corp'];
  let firstEntity = '';
  repos.transaction(() => {
    for (const tenant of ['acme', 'other']) {
      const reach = { tenant };
      const entities = [1, 2, 3].map((n) =>
        repos.legalEntities.insert(reach, { id: `L-${n}`, registrationId: `REG-${n}`, name: `Entity ${n}`, createdAt: BASE }),
      );
      if (tenant === 'acme') firstEntity = entities[0]!.id;
      for (let i = 0; i < 1500; i++) {
        const row = repos.customers.insert(reach, {
          customerNumber: `C${String(i).padStart(5, '0')}`,
          title: null,
          firstName: firstNames[i % firstNames.length]!,
          middleName: null,
          lastName: lastNames[(i * 3) % lastNames.length]!,
          contactEmail: i % 10 === 0 ? null : `user${i}@example.org`,
          contactPhone: null,
          company: companies[i % companies.length]!,
          preferredLanguage: 'en_US',
          preferredCurrency: 'USD',
          preferredSite: 'main',
          active: i % 2 === 0,
          onHold: i % 17 === 0,
          companyRegistrationId: null,
          mixins: null,
          version: 1,
          createdAt: BASE + i * 1000,
          modifiedAt: BASE + ((i * 7) % 1500) * 1000,
        });
        if (i % 3 === 0) {
          repos.legalEntities.assign(reach, {
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
function planOf(run: () => unknown): Plan {
  executed.length = 0;
  run();
  expect(executed).toHaveLength(1);
  const { sql, params } = executed[0]!;
  const rows = prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[];
  return { sql, lines: rows.map((row) => row.detail) };
}

const listPlan = (filter: CustomerListFilter, order: readonly OrderTerm[], after?: KeysetPosition, reach = TENANT) =>
  planOf(() => repos.customers.list(reach, { filter, order, after, limit: 61 }));
const countPlan = (filter: CustomerListFilter, reach = TENANT) => planOf(() => repos.customers.count(reach, filter));

/** No full scan: customers is reached through an index (or its rowid), the search table through its FTS index. */
function expectNoScan(plan: Plan) {
  const context = `${plan.lines.join('\n')}\n${plan.sql}`;
  expect(plan.lines.some((line) => /^(SEARCH|SCAN) customers\b/.test(line)), context).toBe(true);
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
const escape = (text: string) => text.replace(/[<>]/g, '\\$&');
/** A cursor position for an order of one field (the field's value, then the id). */
const positionFor = (field: CustomerOrderField): KeysetPosition =>
  field === 'CUSTOMER_NUMBER' ? ['C00700'] : [field.endsWith('_AT') ? BASE + 700_000 : 'M', 'C00700'];

function checkPlans() {
  describe('every order is an index walk, and the next page an index range', () => {
    for (const field of FIELDS) {
      for (const direction of ['ASC', 'DESC'] as Direction[]) {
        it(`${field} ${direction}`, () => {
          const { index, column } = ORDER_INDEX[field];
          const order = [{ field, direction }];
          const firstPage = listPlan({}, order);
          expectNoScan(firstPage);
          expect(firstPage.lines[0]).toMatch(new RegExp(`^SEARCH customers USING INDEX ${index} \\(tenant=\\?\\)$`));
          expect(firstPage.lines.join('\n')).not.toMatch(/TEMP B-TREE/);

          const nextPage = listPlan({}, order, positionFor(field));
          expectNoScan(nextPage);
          const op = direction === 'ASC' ? '>' : '<';
          expect(nextPage.lines[0]).toMatch(
            new RegExp(`^SEARCH customers USING INDEX ${index} \\(tenant=\\? AND ${escape(column)}${op}\\?\\)$`),
          );
          expect(nextPage.lines.join('\n')).not.toMatch(/TEMP B-TREE/);
        });
      }
    }

    it('a multi-field order seeks on its first field', () => {
      const order: OrderTerm[] = [
        { field: 'LAST_NAME', direction: 'ASC' },
        { field: 'FIRST_NAME', direction: 'DESC' },
      ];
      const plan = listPlan({}, order, ['M', 'N', 'C00700']);
      expectNoScan(plan);
      expect(plan.lines[0]).toMatch(/^SEARCH customers USING INDEX customers_tenant_last_name \(tenant=\? AND <expr>>\?\)$/);
    });
  });

  describe('every filter is answered by its index', () => {
    /** Selective filters lead with their own index, whatever the order. */
    const selective: [string, CustomerListFilter, RegExp[]][] = [
      [
        'search',
        { search: 'lovel' },
        [/^SEARCH customers USING INTEGER PRIMARY KEY \(rowid=\?\)$/, /^SCAN customers_search VIRTUAL TABLE INDEX \d+:M/],
      ],
      [
        'search with quotes',
        { search: 'a "U" c' },
        [/^SEARCH customers USING INTEGER PRIMARY KEY \(rowid=\?\)$/, /^SCAN customers_search VIRTUAL TABLE INDEX \d+:M/],
      ],
      ['contactEmail', { contactEmail: 'USER7@example.org' }, [/^SEARCH customers USING INDEX customers_tenant_contact_email \(tenant=\? AND <expr>=\?\)$/]],
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
        [/^SEARCH customers USING INTEGER PRIMARY KEY \(rowid=\?\)$/, /^SCAN customers_search VIRTUAL TABLE INDEX \d+:M/],
      ],
    ];
    for (const [name, filter, expected] of selective) {
      it(`${name}: list under every order, next pages and count`, () => {
        for (const field of FIELDS) {
          for (const direction of ['ASC', 'DESC'] as Direction[]) {
            for (const after of [undefined, positionFor(field)]) {
              const plan = listPlan(filter, [{ field, direction }], after);
              expectNoScan(plan);
              for (const pattern of expected) expectLine(plan, pattern);
            }
          }
        }
        const count = countPlan(filter);
        expectNoScan(count);
        for (const pattern of expected) expectLine(count, pattern);
      });
    }

    /** Broad filters: their own index under the default order and in the count; an order index otherwise. */
    const broad: [string, CustomerListFilter, RegExp][] = [
      ['active', { active: true }, /^SEARCH customers USING (COVERING )?INDEX customers_tenant_active \(tenant=\? AND active=\?\)$/],
      ['onHold', { onHold: true }, /^SEARCH customers USING (COVERING )?INDEX customers_tenant_on_hold \(tenant=\? AND on_hold=\?\)$/],
      [
        // A recent instant, as a sync would ask for: an early one matches most rows, and the order's index is better.
        'modifiedSince',
        { modifiedSince: BASE + 1_490_000 },
        /^SEARCH customers USING (COVERING )?INDEX customers_tenant_modified \(tenant=\? AND modified_at>\?\)$/,
      ],
      ['businessModel B2B', { businessModel: 'B2B' }, /^SEARCH m EXISTS USING COVERING INDEX customer_legal_entities_member \(customer_pk=\?\)$/],
      ['businessModel B2C', { businessModel: 'B2C' }, /^SEARCH m USING COVERING INDEX customer_legal_entities_member \(customer_pk=\?\)$/],
    ];
    for (const [name, filter, expected] of broad) {
      it(`${name}: list under every order, next pages and count`, () => {
        expectLine(listPlan(filter, [{ field: 'CREATED_AT', direction: 'ASC' }]), expected);
        expectLine(countPlan(filter), expected);
        for (const field of FIELDS) {
          for (const direction of ['ASC', 'DESC'] as Direction[]) {
            for (const after of [undefined, positionFor(field)]) {
              const plan = listPlan(filter, [{ field, direction }], after);
              expectNoScan(plan);
              expectLine(plan, /^SEARCH customers USING (COVERING )?INDEX customers_tenant_\w+ \(tenant=\?/);
            }
          }
        }
      });
    }

    it("an own-scope caller's company is looked up by its members", () => {
      const company: Reach = { tenant: 'acme', company: { customerNumber: 'C00003' } };
      const entity: Reach = { tenant: 'acme', company: { customerNumber: 'C00003', legalEntityId: 'L-2' } };
      for (const reach of [company, entity]) {
        for (const plan of [
          listPlan({}, [{ field: 'LAST_NAME', direction: 'ASC' }], undefined, reach),
          listPlan({ active: true }, [{ field: 'CREATED_AT', direction: 'DESC' }], [BASE, 'C00003'], reach),
          countPlan({}, reach),
        ]) {
          expectNoScan(plan);
          expectLine(plan, /^SEARCH customers USING INTEGER PRIMARY KEY \(rowid=\?\)$/);
          expectLine(plan, /^SEARCH theirs USING COVERING INDEX customer_legal_entities_entity \(legal_entity_pk=\?\)$/);
        }
      }
    });

    it('short searches walk an index of the tenant (no trigram index below three characters)', () => {
      for (const search of ['a', 'öz']) {
        const plan = listPlan({ search }, [{ field: 'CREATED_AT', direction: 'ASC' }]);
        expectNoScan(plan);
        expectLine(plan, /^SEARCH customers USING INDEX customers_tenant_created \(tenant=\?\)$/);
      }
    });
  });

  describe("a customer's addresses, accounts and legal entities are sought by customer, not walked by tenant", () => {
    // The batched loaders and the domain's per-customer statements: each must lead with the customer index.
    const pks = [1, 2, 3];
    const cases: [string, () => unknown, RegExp][] = [
      ['addresses of a batch', () => repos.addresses.byCustomerPks(TENANT, pks), /^SEARCH addresses USING INDEX addresses_customer \(customer_pk=\?/],
      ['addresses counted', () => repos.addresses.countByCustomer(TENANT, 1), /^SEARCH addresses USING (COVERING )?INDEX addresses_customer \(customer_pk=\?/],
      ['default address cleared', () => repos.addresses.clearDefaultExcept(TENANT, 1, 0, BASE), /^SEARCH addresses USING INDEX addresses_customer \(customer_pk=\?/],
      ['accounts of a batch', () => repos.accounts.byCustomerPks(TENANT, pks), /^SEARCH accounts USING INDEX accounts_customer \(customer_pk=\?/],
      ['accounts counted', () => repos.accounts.countByCustomer(TENANT, 1), /^SEARCH accounts USING (COVERING )?INDEX accounts_customer \(customer_pk=\?/],
      [
        'legal entities of a batch',
        () => repos.legalEntities.membershipsByCustomerPks(TENANT, pks),
        /^SEARCH customer_legal_entities USING INDEX customer_legal_entities_member \(customer_pk=\?/,
      ],
    ];
    it.each(cases)('%s', (_name, run, leading) => {
      const plan = planOf(run);
      expect(plan.lines[0], `${plan.lines.join('\n')}\n${plan.sql}`).toMatch(leading);
    });
  });
}

describe('without statistics', () => {
  checkPlans();
});

describe('after ANALYZE', () => {
  beforeAll(() => {
    store.sqlite.exec('ANALYZE');
  });
  checkPlans();
});

describe('results of the indexed plans', () => {
  const all = () => repos.customers.list(TENANT, { filter: {}, order: [{ field: 'CUSTOMER_NUMBER', direction: 'ASC' }], limit: 10_000 });
  const numbers = (filter: CustomerListFilter) =>
    repos.customers
      .list(TENANT, { filter, order: [{ field: 'CUSTOMER_NUMBER', direction: 'ASC' }], limit: 10_000 })
      .map((row) => row.customerNumber);

  it('short searches match case-insensitively in every searched field', () => {
    const rows = all();
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
      expect(numbers({ search }), search).toEqual(expected);
      expect(repos.customers.count(TENANT, { search })).toBe(expected.length);
    }
  });

  it('selective filters find the same rows as a scan would', () => {
    const rows = all();
    expect(numbers({ contactEmail: 'USER7@EXAMPLE.ORG' })).toEqual(['C00007']);
    expect(numbers({ legalEntityId: entityId })).toEqual(
      rows.filter((_, i) => i % 3 === 0 && (i / 3) % 3 === 0).map((row) => row.customerNumber),
    );
    expect(numbers({ search: 'lovel' })).toEqual(
      rows.filter((row) => row.lastName?.toLowerCase().includes('lovel')).map((row) => row.customerNumber),
    );
  });
});
