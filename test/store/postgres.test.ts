/**
 * What only the PostgreSQL store has (the contract itself is test/store/contract.test.ts, on both stores):
 * migrations racing under an advisory lock, the statement timeout, which failures mean "unavailable", the database
 * going away and coming back, closing with transactions in progress, and the plans of every order and filter over a
 * few thousand customers in several tenants.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seedTenant } from '../../src/cli/seed-data.js';
import {
  type Customer,
  type CustomerListFilter,
  type CustomerOrderField,
  type OrderTerm,
  positionReader,
  type Reach,
  StoreBusyError,
  StoreUnavailableError,
} from '../../src/domain/store.js';
import { isConnectionFailure, storeError } from '../../src/store/postgres/errors.js';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import type { OpenedStore, SeedCustomer } from '../../src/store/index.js';
import { createDatabase, freePort, startPostgres } from '../support/postgres.js';
import {
  BASE,
  DIRECTIONS,
  deferred,
  insertCustomers,
  newCustomer,
  numbersOf,
  ORDER_FIELDS,
  recorder,
  seedAddress,
  sleep,
} from '../support/store.js';

const ADMIN_URL = inject('postgresAdminUrl');

// ---- Opening: migrations, settings, an unreachable database ----

describe('opening a PostgreSQL store', () => {
  const journal = JSON.parse(
    readFileSync(new URL('../../drizzle-postgres/meta/_journal.json', import.meta.url), 'utf8'),
  ) as { entries: unknown[] };

  it('migrates a new database once, however many stores open it at the same moment (advisory lock)', async () => {
    const url = await createDatabase(ADMIN_URL);
    const stores = await Promise.all([1, 2, 3, 4].map(() => openPostgresStore(url)));
    try {
      const applied = await stores[0]!.query('SELECT hash FROM drizzle.__drizzle_migrations');
      expect(applied).toHaveLength(journal.entries.length);
      for (const store of stores) expect(await store.isReady()).toBe(true);
      // Opening again later finds nothing to do.
      const again = await openPostgresStore(url);
      await again.close();
      expect(await stores[1]!.query('SELECT hash FROM drizzle.__drizzle_migrations')).toHaveLength(
        journal.entries.length,
      );
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('repairs mixins written before they were refused, which every json query of the tenant failed on', async () => {
    // The database as the releases before the repair left it: their migrations only, then rows they accepted.
    const url = await createDatabase(ADMIN_URL);
    const before = mkdtempSync(join(tmpdir(), 'customer-graph-migrations-'));
    const folder = fileURLToPath(new URL('../../drizzle-postgres/', import.meta.url));
    cpSync(folder, before, { recursive: true });
    const entries = (journal as { entries: { tag: string }[] }).entries;
    const repair = entries.findIndex((entry) => entry.tag.endsWith('_repair_unholdable_mixins'));
    writeFileSync(
      join(before, 'meta/_journal.json'),
      JSON.stringify({ ...journal, entries: entries.slice(0, repair) }),
    );
    const client = new pg.Client(url);
    await client.connect();
    try {
      await migrate(drizzle({ client }), { migrationsFolder: before });
      const T: Reach = { tenant: 'poisoned' };
      const row = (n: string, mixins: string) =>
        client.query(
          `INSERT INTO customers (tenant, customer_number, preferred_language, preferred_currency, preferred_site,
             active, on_hold, mixins, version, created_at, modified_at)
           VALUES ($1, $2, 'en', 'EUR', 'main', true, false, $3::json, 1, 1, 1)`,
          [T.tenant, n, mixins],
        );
      await row('nul', String.raw`{"note":"a\u0000b","list":[1]}`);
      await row('lone', String.raw`{"note":"a\ud800b","pair":"\ud83d\ude00"}`);
      await row('fine', String.raw`{"note":"x","pair":"\ud83d\ude00"}`);
      await expect(client.query(`SELECT count(*) FROM customers WHERE mixins -> 'other' IS NOT NULL`)).rejects.toThrow(
        /Unicode|json/,
      );

      const store = await openPostgresStore(url);
      try {
        const numbers = async (path: string[], op: 'exists' | 'missing') =>
          numbersOf(
            await store.reads.customers.list(T, {
              filter: { conditions: [{ kind: 'mixin', path, op }] },
              order: [{ field: 'CUSTOMER_NUMBER', direction: 'ASC' }],
              limit: 10,
            }),
          );
        expect(await numbers(['note'], 'exists')).toEqual(['fine', 'lone', 'nul']);
        expect(await numbers(['other'], 'missing')).toEqual(['fine', 'lone', 'nul']);
        expect(await numbers(['pair'], 'exists')).toEqual(['fine', 'lone']);
        const read = await store.reads.customers.byNumbers(T, ['nul', 'lone', 'fine']);
        expect(Object.fromEntries(read.map((c) => [c.customerNumber, c.mixins]))).toEqual({
          nul: { note: 'a\ufffdb', list: [1] },
          lone: { note: 'a\ufffdb', pair: '\u{1f600}' },
          fine: { note: 'x', pair: '\u{1f600}' },
        });
      } finally {
        await store.close();
      }
    } finally {
      await client.end();
      rmSync(before, { recursive: true, force: true });
    }
  });

  it('gives every connection the statement timeout asked for (5 s by default)', async () => {
    const url = await createDatabase(ADMIN_URL);
    const defaults = await openPostgresStore(url);
    const custom = await openPostgresStore(url, { statementTimeoutMs: 250, poolSize: 2 });
    try {
      expect(await defaults.query('SHOW statement_timeout')).toEqual([{ statement_timeout: '5s' }]);
      expect(await custom.query('SHOW statement_timeout')).toEqual([{ statement_timeout: '250ms' }]);
      const timedOut = await custom.query('SELECT pg_sleep(1)').catch((error: unknown) => error);
      // A statement that takes too long is canceled; that is the database's own error, not unavailability.
      expect(timedOut).toMatchObject({ code: '57014' });
      expect(timedOut).not.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await Promise.all([defaults.close(), custom.close()]);
    }
  });

  it('refuses to open a database that cannot be reached, as StoreUnavailableError', async () => {
    const port = await freePort();
    await expect(openPostgresStore(`postgres://postgres:secret@127.0.0.1:${port}/nothing`)).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
  });
});

describe('which failures mean that the database is unavailable', () => {
  const coded = (code: string, message = code) => Object.assign(new Error(message), { code });
  it.each([
    ['a refused connection', coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['a refusal by every address of a host', new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')])],
    ['a reset connection', coded('ECONNRESET')],
    ['a connection exception (class 08)', coded('08006')],
    ['an administrator shutdown, wrapped as drizzle wraps it', new Error('Failed query', { cause: coded('57P01') })],
    ['a crash shutdown', coded('57P02')],
    ['a server starting up', coded('57P03', 'the database system is starting up')],
    ['too many connections', coded('53300')],
    ["a client's connect timeout", new Error('Connection terminated due to connection timeout')],
    ['a lost connection', new Error('Connection terminated unexpectedly')],
    ['a broken client', new Error('Client has encountered a connection error and is not queryable')],
  ])('%s is', (_, error) => {
    expect(isConnectionFailure(error)).toBe(true);
  });
  it.each([
    ['a unique violation', coded('23505')],
    ['a statement timeout', coded('57014')],
    ['a missing table', coded('42P01')],
    ['a failed authentication (a configuration error)', coded('28P01')],
    ['any other error', new Error('boom')],
    ['a value that is no error', 'ECONNREFUSED'],
  ])('%s is not', (_, error) => {
    expect(isConnectionFailure(error)).toBe(false);
  });
  it('a wait for a connection of a full pool is the service being busy (429), not the database unreachable (503)', () => {
    const busy = storeError(new Error('timeout exceeded when trying to connect'));
    expect(busy).toBeInstanceOf(StoreBusyError);
    expect(busy).toMatchObject({ code: 'TOO_MANY_REQUESTS', retryAfterSeconds: 1 });
    expect(storeError(coded('ECONNREFUSED'))).toBeInstanceOf(StoreUnavailableError);
  });
});

// ---- The database going away, and coming back ----

describe('when the database is unavailable', () => {
  const T: Reach = { tenant: 'outage' };
  let server: Awaited<ReturnType<typeof startPostgres>>;
  let url: string;
  let store: OpenedStore;

  beforeAll(async () => {
    // A server of its own, kept on disk while it is stopped and started again.
    server = await startPostgres({ persistent: true });
    url = await server.createDatabase();
    store = await openPostgresStore(url);
    await insertCustomers(store, T, [newCustomer('1')]);
  });
  afterAll(async () => {
    await store?.close();
    await server?.destroy();
  });

  it('fails fast with StoreUnavailableError and is not ready; recovers by itself when the server is back', async () => {
    // A transaction holds a connection when the server goes away.
    const firstRead = deferred();
    const proceed = deferred();
    const holding = store.transaction(async (tx) => {
      await tx.customers.byNumbers(T, ['1']);
      firstRead.resolve();
      await proceed.promise;
      return tx.customers.byNumbers(T, ['1']);
    });
    const caught = holding.catch((error: unknown) => error);
    await firstRead.promise;
    // Idle connections of the pool as well (their errors must not end the process).
    await Promise.all([store.reads.customers.count(T, {}), store.reads.customers.count(T, {})]);
    await server.stop();
    proceed.resolve();
    expect(await caught).toBeInstanceOf(StoreUnavailableError);

    expect(await store.isReady()).toBe(false);
    await expect(store.reads.customers.byNumbers(T, ['1'])).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.reads.customers.list(T, { filter: {}, order: [], limit: 5 })).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    await expect(store.transaction((tx) => tx.customers.insert(T, newCustomer('2')))).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    await expect(openPostgresStore(url)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await store.isReady()).toBe(false);

    await server.start();
    let ready = false;
    for (let attempt = 0; attempt < 100 && !ready; attempt++) {
      ready = await store.isReady();
      if (!ready) await sleep(100);
    }
    expect(ready).toBe(true);
    expect(numbersOf(await store.reads.customers.byNumbers(T, ['1']))).toEqual(['1']);
    expect(await insertCustomers(store, T, [newCustomer('2')])).toHaveLength(1);
  });
});

describe('closing the store', () => {
  it('lets the transactions in progress finish, then ends its connections', async () => {
    const url = await createDatabase(ADMIN_URL);
    const store = await openPostgresStore(url);
    const T: Reach = { tenant: 'closing' };
    const started = deferred();
    const proceed = deferred();
    const running = store.transaction(async (tx) => {
      await tx.customers.insert(T, newCustomer('late'));
      started.resolve();
      await proceed.promise;
      return tx.customers.insert(T, newCustomer('later'));
    });
    await started.promise;
    let closed = false;
    const closing = store.close().then(() => {
      closed = true;
    });
    await store.isReady().then((ready) => expect(ready).toBe(false));
    expect(closed).toBe(false);
    proceed.resolve();
    expect((await running)?.customerNumber).toBe('later');
    await closing;
    await expect(store.reads.customers.count(T, {})).rejects.toThrow();

    const reopened = await openPostgresStore(url);
    expect(await reopened.reads.customers.count(T, {})).toBe(2);
    await reopened.close();
  });
});

// ---- Plans: every order and every filter is answered by an index on the tenant ----

describe('query plans over a few thousand seeded customers', () => {
  const T: Reach = { tenant: 'acme' };
  const TENANTS = ['acme', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
  const PER_TENANT = 1500;
  const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'we', 'xu', 'yo', 'ze', 'bra', 'cho', 'dri'];
  const statements = recorder();
  let store: OpenedStore;

  const word = (i: number, salt: number) =>
    `${SYLLABLES[(i * salt) % SYLLABLES.length]}${SYLLABLES[Math.floor(i / 7 + salt) % SYLLABLES.length]}${SYLLABLES[(i + salt * 3) % 11]}`;

  function seedCustomer(tenant: string, i: number): SeedCustomer {
    const number = `${100_000 + i}`;
    const customer = newCustomer(number, {
      firstName: i % 11 === 0 ? null : word(i, 3),
      lastName: i === 1234 ? 'Quuxington' : word(i, 5),
      company: i % 3 === 0 ? `${word(i, 7)} GmbH` : null,
      contactEmail: i % 13 === 0 ? null : `${word(i, 3)}.${i}@example.com`,
      active: i % 4 !== 0,
      onHold: i % 17 === 0,
      createdAt: BASE + i * 60_000,
      modifiedAt: BASE + ((i * 7919) % PER_TENANT) * 60_000,
    });
    return {
      customer,
      addresses: [seedAddress(`${tenant}-ad-${i}`, { isDefault: true })],
      accounts:
        i % 2 === 0
          ? [{ id: `${tenant}-ac-${i}`, email: `login.${i}@example.com`, providerId: null, createdAt: BASE }]
          : [],
      membership:
        i % 5 === 0
          ? {
              entity: {
                id: `${tenant}-le-${i % 40}`,
                registrationId: `${tenant}-R-${i % 40}`,
                name: null,
                createdAt: BASE,
              },
              assignmentId: `${tenant}-as-${i}`,
              createdAt: BASE,
            }
          : undefined,
    };
  }

  beforeAll(async () => {
    store = await openPostgresStore(await createDatabase(ADMIN_URL), statements.options);
    const writer = store.seedWriter();
    await writer.prepareForBulkLoad();
    // Tenants interleaved, as customers arrive in production: a tenant's rows are spread over the table.
    for (let from = 0; from < PER_TENANT; from += 500) {
      for (const tenant of TENANTS) {
        const batch = Array.from({ length: 500 }, (_, k) => seedCustomer(tenant, from + k));
        await writer.write(tenant, batch);
      }
    }
    await writer.finishBulkLoad();
  });
  afterAll(async () => {
    await store?.close();
  });

  it('leaves planner statistics after a bulk load', async () => {
    const [stats] = await store.query(
      `SELECT last_analyze IS NOT NULL AS analyzed FROM pg_stat_user_tables WHERE relname = 'customers'`,
    );
    expect(stats?.analyzed).toBe(true);
  });

  /** The plan of the statement `run` sends (the last one that reads `table`), as the database picks it. */
  async function planOf(run: () => Promise<unknown>, table = 'customers'): Promise<string> {
    const from = statements.log.length;
    await run();
    const statement = statements.log
      .slice(from)
      .filter((entry) => entry.sql.toLowerCase().includes(`from "${table}"`))
      .at(-1);
    if (!statement) throw new Error(`no statement read ${table}`);
    const plan = (await store.explain(statement.sql, statement.params)).join('\n');
    // SHOW_PLANS=1 prints every plan checked, for a look at what the planner does with a changed index.
    if (process.env.SHOW_PLANS) console.log(`${statement.sql}\n${plan}\n`);
    return plan;
  }

  const ORDER_INDEX: Record<CustomerOrderField, string> = {
    CREATED_AT: 'customers_tenant_created',
    MODIFIED_AT: 'customers_tenant_modified',
    CUSTOMER_NUMBER: 'customers_tenant_number',
    LAST_NAME: 'customers_tenant_last_name',
    FIRST_NAME: 'customers_tenant_first_name',
    CONTACT_EMAIL: 'customers_tenant_contact_email',
    COMPANY: 'customers_tenant_company',
  };

  /** No customers row is reached but through an index. */
  function expectIndexed(plan: string) {
    expect(plan, plan).not.toMatch(/Seq Scan on customers\b/);
    expect(plan, plan).toMatch(/(Index Scan|Index Only Scan|Bitmap Index Scan)( Backward)? (using|on) customers_\w+/);
  }

  it.each(ORDER_FIELDS.flatMap((field) => DIRECTIONS.map((direction) => [field, direction] as const)))(
    'walks %s %s as one range of its index, from the start and after a cursor, without sorting',
    async (field, direction) => {
      const order: OrderTerm[] = [{ field, direction }];
      let first: Customer[] = [];
      const start = await planOf(async () => {
        first = await store.reads.customers.list(T, { filter: {}, order, limit: 26 });
      });
      const after = positionReader(order)(first.at(-1)!);
      const next = await planOf(() => store.reads.customers.list(T, { filter: {}, order, after, limit: 26 }));
      for (const plan of [start, next]) {
        expect(plan, plan).toMatch(new RegExp(`Index Scan( Backward)? using ${ORDER_INDEX[field]} on customers`));
        expect(plan, plan).not.toMatch(/Sort/);
      }
      // The cursor is part of the range's bounds, not a filter on the rows walked.
      expect(next, next).toMatch(/Index Cond: \(\(tenant = 'acme'::text\) AND \(/);
      expect(next, next).not.toMatch(/Filter/);
    },
  );

  const FILTERS: [string, CustomerListFilter][] = [
    ['search', { search: 'uxingt' }],
    ['a two-character search', { search: 'Qu' }],
    ['a one-character search', { search: 'q' }],
    ['contactEmail', { contactEmail: 'KALOMI.15@example.com' }],
    ['legalEntityId', { legalEntityId: 'acme-le-7' }],
    ['B2B', { businessModel: 'B2B' }],
    ['B2C', { businessModel: 'B2C' }],
    ['modifiedSince', { modifiedSince: BASE + (PER_TENANT - 20) * 60_000 }],
    ['active', { active: true }],
    ['inactive', { active: false }],
    ['on hold', { onHold: true }],
    ['not on hold', { onHold: false }],
  ];

  it.each(FILTERS)('answers a list and a count filtered by %s from indexes', async (_, filter) => {
    for (const order of [
      [{ field: 'CREATED_AT', direction: 'DESC' }],
      [{ field: 'LAST_NAME', direction: 'ASC' }],
    ] as OrderTerm[][]) {
      expectIndexed(await planOf(() => store.reads.customers.list(T, { filter, order, limit: 26 })));
    }
    expectIndexed(await planOf(() => store.reads.customers.count(T, filter)));
    expectIndexed(await planOf(() => store.reads.customers.count(T, { ...filter, active: true })));
  });

  it('answers a search of three characters or more from the trigram index of its tenant', async () => {
    const list = await planOf(() =>
      store.reads.customers.list(T, {
        filter: { search: 'uxingt' },
        order: [{ field: 'CREATED_AT', direction: 'DESC' }],
        limit: 26,
      }),
    );
    const count = await planOf(() => store.reads.customers.count(T, { search: 'ÜXINGT' }));
    for (const plan of [list, count]) {
      expect(plan, plan).toMatch(/Bitmap Index Scan on customers_search/);
      expect(plan, plan).toMatch(/Index Cond: \(\(tenant = 'acme'::text\) AND/);
    }
    expect(await store.reads.customers.count(T, { search: 'uxingt' })).toBe(1);
  });

  it('answers own-scope lists and counts from indexes', async () => {
    const reach: Reach = { tenant: 'acme', company: { customerNumber: '100005' } };
    const order: OrderTerm[] = [{ field: 'LAST_NAME', direction: 'ASC' }];
    expect(await store.reads.customers.count(reach, {})).toBeGreaterThan(1);
    expectIndexed(await planOf(() => store.reads.customers.list(reach, { filter: {}, order, limit: 26 })));
    expectIndexed(await planOf(() => store.reads.customers.count(reach, {})));
    const entity: Reach = { tenant: 'acme', company: { customerNumber: '100005', legalEntityId: 'acme-le-5' } };
    expectIndexed(await planOf(() => store.reads.customers.count(entity, { search: 'ka' })));
  });

  it('looks up batches by index: customers, addresses, accounts', async () => {
    const numbers = Array.from({ length: 50 }, (_, i) => `${100_000 + i * 7}`);
    let rows: Customer[] = [];
    expectIndexed(await planOf(async () => (rows = await store.reads.customers.byNumbers(T, numbers))));
    const pks = rows.map((row) => row.pk);
    expectIndexed(await planOf(() => store.reads.customers.byPks(T, pks)));
    await store.transaction(async (tx) => {
      expectIndexed(await planOf(() => tx.customers.lockByNumber(T, '100007')));
    });
    for (const [table, run] of [
      ['addresses', () => store.reads.addresses.byCustomerPks(T, pks)],
      ['accounts', () => store.reads.accounts.byCustomerPks(T, pks)],
      ['addresses', () => store.reads.addresses.byIds(T, ['acme-ad-1', 'acme-ad-2'])],
    ] as const) {
      const plan = await planOf(run, table);
      expect(plan, plan).not.toMatch(new RegExp(`Seq Scan on ${table}\\b`));
    }
  });
});

describe('the parts of a page', () => {
  const TENANT: Reach = { tenant: 'parts' };
  const ALL = { addresses: true, accounts: true, memberships: true };
  let last = { sql: '', params: [] as readonly unknown[] };
  let store: OpenedStore;
  beforeAll(async () => {
    store = await openPostgresStore(await createDatabase(ADMIN_URL), {
      onQuery: (sql, params) => {
        last = { sql, params };
      },
    });
    await seedTenant(store, {
      tenant: TENANT.tenant,
      customers: 30,
      seed: 7,
      addresses: 3,
      accounts: 2,
      b2bShare: 0.5,
    });
  });
  afterAll(() => store?.close());

  it('runs for the rows its limit keeps, also after a sort of every match', async () => {
    await store.query('ANALYZE');
    const limit = 5;
    for (const order of ['CREATED_AT', 'COMPANY'] as const) {
      await store.reads.customers.list(
        TENANT,
        { filter: { search: 'e' }, order: [{ field: order, direction: 'DESC' }], limit },
        ALL,
      );
      const { sql, params } = last;
      // A sort the planner must do over every match: it still runs the parts' subplans after it, per row kept.
      const sorted = sql.replace(
        / order by .* limit /i,
        ' order by "customers"."preferred_site", "customers"."pk" limit ',
      );
      for (const statement of [sql, sorted]) {
        let n = 0;
        const numbered = statement.replace(/\$\d+/g, () => `$${++n}`);
        const plan = (
          await store.query(
            `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, BUFFERS OFF) ${numbered.replace(/\$\d+/g, '?')}`,
            [...params],
          )
        ).map((row) => String(Object.values(row)[0]));
        const subplanLoops = plan
          .filter((line) => /Aggregate/.test(line))
          .map((line) => Number(/loops=(\d+)/.exec(line)?.[1]));
        expect(subplanLoops, plan.join('\n')).toHaveLength(3);
        for (const loops of subplanLoops) expect(loops, plan.join('\n')).toBeLessThanOrEqual(limit);
      }
    }
  });
});
