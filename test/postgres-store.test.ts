/**
 * The PostgreSQL store (src/store/postgres) against a real PostgreSQL (test/support/postgres.ts: one embedded server
 * per test run, a database per part of this file): the whole contract of src/domain/store.ts, its semantics equal
 * to the SQLite store's (orders as NOCASE, search folding every script, tombstones), concurrency across pool
 * clients, the database going away and coming back, migrations racing, and the plans of every order and filter.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type Customer,
  type CustomerListFilter,
  type CustomerOrderField,
  type Direction,
  type NewAccount,
  type NewAddress,
  type NewCustomer,
  type OrderTerm,
  positionReader,
  type Reach,
  StoreUnavailableError,
  totalOrder,
} from '../src/domain/store.js';
import { isConnectionFailure } from '../src/store/postgres/errors.js';
import { openPostgresStore, redactDatabaseUrl } from '../src/store/postgres/index.js';
import type { OpenedStore, OpenStoreOptions, SeedAddressRow, SeedCustomer } from '../src/store/seeding.js';
import { createDatabase, freePort, startPostgres } from './support/postgres.js';

const ADMIN_URL = inject('postgresAdminUrl');
const BASE = Date.parse('2026-01-01T00:00:00.000Z');
const ORDER_FIELDS: CustomerOrderField[] = [
  'CREATED_AT',
  'MODIFIED_AT',
  'CUSTOMER_NUMBER',
  'LAST_NAME',
  'FIRST_NAME',
  'CONTACT_EMAIL',
  'COMPANY',
];
const DIRECTIONS: Direction[] = ['ASC', 'DESC'];

function newCustomer(customerNumber: string, values: Partial<NewCustomer> = {}): NewCustomer {
  return {
    customerNumber,
    title: null,
    firstName: null,
    middleName: null,
    lastName: null,
    contactEmail: null,
    contactPhone: null,
    company: null,
    preferredLanguage: 'en',
    preferredCurrency: 'EUR',
    preferredSite: 'main',
    active: true,
    onHold: false,
    companyRegistrationId: null,
    mixins: null,
    version: 1,
    createdAt: BASE,
    modifiedAt: BASE,
    ...values,
  };
}

function newAddress(id: string, customerPk: number, values: Partial<NewAddress> = {}): NewAddress {
  return {
    id,
    customerPk,
    contactName: `Contact ${id}`,
    companyName: null,
    street: 'Main Street',
    streetNumber: '1',
    streetAppendix: null,
    extraLine1: null,
    extraLine2: null,
    extraLine3: null,
    extraLine4: null,
    zipCode: '10115',
    city: 'Berlin',
    country: 'DE',
    state: null,
    contactPhone: null,
    tags: [],
    isDefault: false,
    createdAt: BASE,
    modifiedAt: BASE,
    ...values,
  };
}

/** An address as the seed writer takes it: its customer is the one it comes with. */
function seedAddress(id: string, values: Partial<NewAddress> = {}): SeedAddressRow {
  const { customerPk: _, ...address } = newAddress(id, 0, values);
  return address;
}

const newAccount = (id: string, customerPk: number, email: string, createdAt = BASE): NewAccount => ({
  id,
  customerPk,
  email,
  providerId: null,
  createdAt,
});

/** Statements counted by a store's onStatement, and the SQL its onQuery saw. */
function recorder() {
  const log: { sql: string; params: readonly unknown[] }[] = [];
  let statements = 0;
  const options: OpenStoreOptions = {
    onStatement: () => {
      statements++;
    },
    onQuery: (sql, params) => {
      log.push({ sql, params });
    },
  };
  return {
    options,
    log,
    get statements() {
      return statements;
    },
    /** How many statements `work` ran. */
    async count(work: () => Promise<unknown>): Promise<number> {
      const before = statements;
      await work();
      return statements - before;
    },
  };
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A promise that resolves once `n` callers wait on it: makes transactions overlap for certain. */
function barrier(n: number): () => Promise<void> {
  let waiting = 0;
  const all = deferred();
  return () => {
    waiting++;
    if (waiting === n) all.resolve();
    return all.promise;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Inserts the customers in one transaction and answers their rows. */
async function insertCustomers(store: OpenedStore, reach: Reach, customers: NewCustomer[]): Promise<Customer[]> {
  return store.transaction(async (tx) => {
    const rows: Customer[] = [];
    for (const values of customers) {
      const row = await tx.customers.insert(reach, values);
      if (!row) throw new Error(`customer number ${values.customerNumber} is taken`);
      rows.push(row);
    }
    return rows;
  });
}

// ---- The order that SQLite's NOCASE gives, written out: ASCII letters folded, then UTF-8 byte order ----

const foldAscii = (text: string) => text.replace(/[A-Z]/g, (c) => c.toLowerCase());
const compareBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

function compareIn(order: readonly OrderTerm[]): (a: Customer, b: Customer) => number {
  const terms = totalOrder(order);
  const read = positionReader(order);
  return (a, b) => {
    const [pa, pb] = [read(a), read(b)];
    for (const [i, term] of terms.entries()) {
      const [x, y] = [pa[i]!, pb[i]!];
      const diff =
        typeof x === 'number' && typeof y === 'number'
          ? x - y
          : term.field === 'CUSTOMER_NUMBER'
            ? compareBytes(String(x), String(y))
            : compareBytes(foldAscii(String(x)), foldAscii(String(y)));
      if (diff !== 0) return term.direction === 'ASC' ? Math.sign(diff) : -Math.sign(diff);
    }
    return 0;
  };
}

/** Every row of a list, page by page, each page after the last row of the one before (as cursors do). */
async function pageThrough(
  store: OpenedStore,
  reach: Reach,
  order: readonly OrderTerm[],
  filter: CustomerListFilter,
  limit: number,
): Promise<Customer[]> {
  const read = positionReader(order);
  const rows: Customer[] = [];
  for (let page = 0; page < 1000; page++) {
    const after = rows.length > 0 ? read(rows.at(-1)!) : undefined;
    const found = await store.reads.customers.list(reach, { filter, order, after, limit });
    rows.push(...found);
    if (found.length < limit) return rows;
  }
  throw new Error('the list did not end');
}

const numbersOf = (rows: readonly { customerNumber: string }[]) => rows.map((row) => row.customerNumber);

// ---- Opening: migrations, settings, an unreachable database ----

describe('opening a PostgreSQL store', () => {
  const journal = JSON.parse(
    readFileSync(new URL('../drizzle-postgres/meta/_journal.json', import.meta.url), 'utf8'),
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

  it('redacts the password of a database URL for logs', () => {
    expect(redactDatabaseUrl('postgres://app:s3cr%40t@db.example:5432/customers?sslmode=require')).toBe(
      'postgres://app:***@db.example:5432/customers?sslmode=require',
    );
    expect(redactDatabaseUrl('postgresql://app@db/customers')).toBe('postgresql://app@db/customers');
    expect(redactDatabaseUrl('postgres://db/customers?user=app&password=s3cret')).toBe(
      'postgres://db/customers?user=app&password=***',
    );
    expect(redactDatabaseUrl('host=db user=app password=s3cret dbname=customers')).toBe(
      'host=db user=app password=*** dbname=customers',
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
    ["the pool's connect timeout", new Error('timeout exceeded when trying to connect')],
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
});

// ---- The contract, one database for all of it, a tenant per test ----

describe('the PostgreSQL store', () => {
  let store: OpenedStore;
  const statements = recorder();

  beforeAll(async () => {
    store = await openPostgresStore(await createDatabase(ADMIN_URL), statements.options);
  });
  afterAll(async () => {
    await store?.close();
  });

  describe('customers', () => {
    const T: Reach = { tenant: 'customers' };

    it('keeps every field as given: times as numbers, mixins with their keys in order, text as written', async () => {
      const mixins = {
        zeta: 1,
        alpha: { z: [3, 2, 1], a: null, 'ü-key': 'Grüße "quoted" \\ back' },
        middle: true,
        '10': 'numeric-like keys come first in JavaScript too',
      };
      const values = newCustomer('1000', {
        title: 'Dr.',
        firstName: 'Zoë',
        middleName: 'Ünal',
        lastName: "O'Brien",
        contactEmail: 'Zoe@Example.com',
        contactPhone: '+49 30 123',
        company: 'ACME "Intl" GmbH',
        preferredLanguage: 'de',
        preferredCurrency: 'CHF',
        preferredSite: 'ch',
        active: false,
        onHold: true,
        companyRegistrationId: 'HRB 1',
        mixins,
        version: 7,
        createdAt: 253_402_300_799_999,
        modifiedAt: BASE + 1,
      });
      const [inserted] = await insertCustomers(store, T, [values]);
      expect(inserted).toEqual({ ...values, pk: expect.any(Number), tenant: T.tenant });
      const [read] = await store.reads.customers.byNumbers(T, ['1000']);
      expect(read).toEqual(inserted);
      expect(JSON.stringify(read!.mixins)).toBe(JSON.stringify(mixins));
      expect(await store.reads.customers.byPks(T, [inserted!.pk])).toEqual([inserted]);
      expect(await store.reads.customers.byNumbers({ tenant: 'other' }, ['1000'])).toEqual([]);
    });

    it('looks up any number of customers by number or pk in one statement', async () => {
      const rows = await insertCustomers(
        store,
        T,
        Array.from({ length: 60 }, (_, i) => newCustomer(`batch-${i}`)),
      );
      const numbers = numbersOf(rows);
      let found: Customer[] = [];
      expect(await statements.count(async () => (found = await store.reads.customers.byNumbers(T, numbers)))).toBe(1);
      expect(numbersOf(found).sort()).toEqual([...numbers].sort());
      expect(
        await statements.count(
          async () =>
            (found = await store.reads.customers.byPks(
              T,
              rows.map((r) => r.pk),
            )),
        ),
      ).toBe(1);
      expect(found).toHaveLength(60);
      expect(await statements.count(() => store.reads.customers.byNumbers(T, []))).toBe(0);
    });

    it('answers undefined for a taken number, and the transaction goes on and commits', async () => {
      const outcome = await store.transaction(async (tx) => {
        const first = await tx.customers.insert(T, newCustomer('2000'));
        const again = await tx.customers.insert(T, newCustomer('2000', { lastName: 'Second' }));
        const next = await tx.customers.insert(T, newCustomer('2001'));
        return { first, again, next };
      });
      expect(outcome.first?.customerNumber).toBe('2000');
      expect(outcome.again).toBeUndefined();
      expect(outcome.next?.customerNumber).toBe('2001');
      expect(numbersOf(await store.reads.customers.byNumbers(T, ['2000', '2001'])).sort()).toEqual(['2000', '2001']);
      // Numbers are per tenant.
      expect(await insertCustomers(store, { tenant: 'elsewhere' }, [newCustomer('2000')])).toHaveLength(1);
    });

    it('updates the fields given and answers the row; refuses a pk of another tenant', async () => {
      const [row] = await insertCustomers(store, T, [newCustomer('3000', { lastName: 'Before', company: 'Kept' })]);
      const updated = await store.transaction((tx) =>
        tx.customers.update(T, row!.pk, {
          lastName: 'After',
          version: 2,
          modifiedAt: BASE + 5,
          mixins: { b: 1, a: 2 },
        }),
      );
      expect(updated).toEqual({ ...row, lastName: 'After', version: 2, modifiedAt: BASE + 5, mixins: { b: 1, a: 2 } });
      expect(Object.keys(updated.mixins!)).toEqual(['b', 'a']);
      expect(await store.transaction((tx) => tx.customers.update(T, row!.pk, {}))).toEqual(updated);
      await expect(
        store.transaction((tx) => tx.customers.update({ tenant: 'other' }, row!.pk, { lastName: 'Stolen' })),
      ).rejects.toThrow();
      expect((await store.reads.customers.byPks(T, [row!.pk]))[0]?.lastName).toBe('After');
    });

    it('locks a customer within reach, and finds none outside it', async () => {
      const [row] = await insertCustomers(store, T, [newCustomer('4000')]);
      await store.transaction(async (tx) => {
        expect(await tx.customers.lockByNumber(T, '4000')).toEqual(row);
        expect(await tx.customers.lockByNumber({ tenant: 'other' }, '4000')).toBeUndefined();
        expect(await tx.customers.lockByNumber(T, 'missing')).toBeUndefined();
      });
    });

    it('deletes a customer with its addresses, accounts and assignments, and keeps its number forever', async () => {
      const [row] = await insertCustomers(store, T, [newCustomer('5000')]);
      await store.transaction(async (tx) => {
        await tx.addresses.insert(T, newAddress('addr-5000', row!.pk, { isDefault: true }));
        await tx.accounts.insert(T, newAccount('acc-5000', row!.pk, 'gone@example.com'));
        const entity = await tx.legalEntities.getOrCreate(T, {
          id: 'le-5000',
          registrationId: 'REG-5000',
          name: 'Gone Ltd',
          createdAt: BASE,
        });
        await tx.legalEntities.assign(T, {
          id: 'as-5000',
          customerPk: row!.pk,
          legalEntityPk: entity.pk,
          createdAt: BASE,
        });
      });
      await store.transaction(async (tx) => {
        expect(await tx.customers.numberDeleted(T, '5000')).toBe(false);
        await tx.customers.delete(T, row!, BASE + 10);
        expect(await tx.customers.numberDeleted(T, '5000')).toBe(true);
      });
      expect(await store.reads.customers.byNumbers(T, ['5000'])).toEqual([]);
      expect(await store.reads.addresses.byIds(T, ['addr-5000'])).toEqual([]);
      expect(await store.reads.accounts.byCustomerPks(T, [row!.pk])).toEqual([]);
      expect(await store.reads.legalEntities.membershipsByCustomerPks(T, [row!.pk])).toEqual([]);
      // The entity stays; the number is never given again, and the account's email is free again.
      expect(await store.reads.legalEntities.byIds(T, ['le-5000'])).toHaveLength(1);
      await store.transaction(async (tx) => {
        expect(await tx.customers.insert(T, newCustomer('5000'))).toBeUndefined();
        expect(await tx.customers.numberDeleted(T, '5000')).toBe(true);
        expect(await tx.customers.numberDeleted({ tenant: 'other' }, '5000')).toBe(false);
        const other = await tx.customers.insert(T, newCustomer('5001'));
        expect(await tx.accounts.insert(T, newAccount('acc-5001', other!.pk, 'GONE@example.com'))).toBeDefined();
      });
      expect((await store.seedWriter().takenKeys(T.tenant)).customerNumbers.has('5000')).toBe(true);
    });

    it('writes nothing when the work throws, and rethrows its error as it was', async () => {
      const failure = new Error('the domain refused');
      await expect(
        store.transaction(async (tx) => {
          const row = await tx.customers.insert(T, newCustomer('6000'));
          await tx.addresses.insert(T, newAddress('addr-6000', row!.pk));
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(await store.reads.customers.byNumbers(T, ['6000'])).toEqual([]);
      expect(await store.reads.addresses.byIds(T, ['addr-6000'])).toEqual([]);
      // Not even the number's claim was kept.
      expect(await insertCustomers(store, T, [newCustomer('6000')])).toHaveLength(1);
    });

    it('runs every method of a transaction in it: its writes are seen there, and outside only once committed', async () => {
      await store.transaction(async (tx) => {
        const row = await tx.customers.insert(T, newCustomer('7000'));
        expect(await tx.customers.byNumbers(T, ['7000'])).toEqual([row]);
        expect(await tx.customers.count(T, { search: '7000' })).toBe(1);
        expect(await store.reads.customers.byNumbers(T, ['7000'])).toEqual([]);
      });
      expect(await store.reads.customers.byNumbers(T, ['7000'])).toHaveLength(1);
    });

    it('counts every statement, BEGIN and COMMIT included, and shows each to onQuery', async () => {
      const from = statements.log.length;
      expect(await statements.count(() => insertCustomers(store, T, [newCustomer('8000')]))).toBe(4);
      const sqls = statements.log.slice(from).map((entry) => entry.sql.toLowerCase());
      expect(sqls[0]).toMatch(/^begin/);
      expect(sqls.at(-1)).toBe('commit');
      expect(await statements.count(() => store.query('SELECT 1'))).toBe(1);
      expect(await statements.count(() => store.isReady())).toBe(1);
    });
  });

  describe('addresses', () => {
    const T: Reach = { tenant: 'addresses' };

    it('writes, reads in the promised order, and answers undefined for a taken id without failing', async () => {
      const [a, b] = await insertCustomers(store, T, [newCustomer('1'), newCustomer('2')]);
      const outcome = await store.transaction(async (tx) => {
        const old = await tx.addresses.insert(
          T,
          newAddress('a-old', a!.pk, { createdAt: BASE, tags: ['z', 'a', 'ü'] }),
        );
        const def = await tx.addresses.insert(
          T,
          newAddress('a-default', a!.pk, { createdAt: BASE + 9, isDefault: true }),
        );
        const tie1 = await tx.addresses.insert(T, newAddress('a-tie-1', a!.pk, { createdAt: BASE + 5 }));
        const tie2 = await tx.addresses.insert(T, newAddress('a-tie-2', a!.pk, { createdAt: BASE + 5 }));
        const taken = await tx.addresses.insert(T, newAddress('a-old', b!.pk));
        const other = await tx.addresses.insert(T, newAddress('b-1', b!.pk, { isDefault: true }));
        return { old, def, tie1, tie2, taken, other };
      });
      expect(outcome.taken).toBeUndefined();
      expect(outcome.old?.tags).toEqual(['z', 'a', 'ü']);
      // Another tenant may use the same id.
      const [elsewhere] = await insertCustomers(store, { tenant: 'elsewhere2' }, [newCustomer('1')]);
      expect(
        await store.transaction((tx) =>
          tx.addresses.insert({ tenant: 'elsewhere2' }, newAddress('a-old', elsewhere!.pk)),
        ),
      ).toBeDefined();

      let rows: Awaited<ReturnType<typeof store.reads.addresses.byCustomerPks>> = [];
      expect(
        await statements.count(async () => (rows = await store.reads.addresses.byCustomerPks(T, [b!.pk, a!.pk]))),
      ).toBe(1);
      const ofA = rows.filter((row) => row.customerPk === a!.pk).map((row) => row.id);
      expect(ofA).toEqual(['a-default', 'a-old', 'a-tie-1', 'a-tie-2']);
      expect(rows.filter((row) => row.customerPk === b!.pk).map((row) => row.id)).toEqual(['b-1']);
      expect((await store.reads.addresses.byIds(T, ['a-tie-2', 'b-1', 'nope'])).map((row) => row.id).sort()).toEqual([
        'a-tie-2',
        'b-1',
      ]);
      expect(await store.reads.addresses.byIds({ tenant: 'other' }, ['b-1'])).toEqual([]);

      await store.transaction(async (tx) => {
        const updated = await tx.addresses.update(T, outcome.old!.pk, {
          isDefault: true,
          city: 'Köln',
          tags: ['new', 'Tags'],
          modifiedAt: BASE + 20,
        });
        expect(updated).toEqual({
          ...outcome.old,
          isDefault: true,
          city: 'Köln',
          tags: ['new', 'Tags'],
          modifiedAt: BASE + 20,
        });
        await tx.addresses.clearDefaultExcept(T, a!.pk, outcome.old!.pk, BASE + 20);
        expect(await tx.addresses.countByCustomer(T, a!.pk)).toBe(4);
        await tx.addresses.delete(T, outcome.tie1!.pk);
        expect(await tx.addresses.countByCustomer(T, a!.pk)).toBe(3);
        expect(await tx.addresses.countByCustomer({ tenant: 'other' }, a!.pk)).toBe(0);
      });
      const after = await store.reads.addresses.byCustomerPks(T, [a!.pk]);
      expect(after.map((row) => [row.id, row.isDefault])).toEqual([
        ['a-old', true],
        ['a-tie-2', false],
        ['a-default', false],
      ]);
      expect(after[2]?.modifiedAt).toBe(BASE + 20);
    });
  });

  describe('accounts', () => {
    const T: Reach = { tenant: 'accounts' };

    it('keeps one email per tenant ignoring ASCII letter case, answering undefined on a conflict', async () => {
      const [a, b] = await insertCustomers(store, T, [newCustomer('1'), newCustomer('2')]);
      const outcome = await store.transaction(async (tx) => {
        const first = await tx.accounts.insert(T, newAccount('acc-1', a!.pk, 'Ann@Example.com', BASE + 2));
        const sameEmail = await tx.accounts.insert(T, newAccount('acc-2', b!.pk, 'aNN@example.COM'));
        const sameId = await tx.accounts.insert(T, newAccount('acc-1', b!.pk, 'other@example.com'));
        const second = await tx.accounts.insert(T, newAccount('acc-3', a!.pk, 'second@example.com', BASE + 1));
        const third = await tx.accounts.insert(T, newAccount('acc-4', a!.pk, 'third@example.com', BASE + 1));
        // As SQLite's lower(): letters beyond ASCII are not folded, so these are two emails.
        const upperUmlaut = await tx.accounts.insert(T, newAccount('acc-5', b!.pk, 'ÄRGER@example.com'));
        const lowerUmlaut = await tx.accounts.insert(T, newAccount('acc-6', b!.pk, 'äRGER@example.com'));
        return { first, sameEmail, sameId, second, third, upperUmlaut, lowerUmlaut };
      });
      expect(outcome.first).toEqual({
        ...newAccount('acc-1', a!.pk, 'Ann@Example.com', BASE + 2),
        pk: expect.any(Number),
        tenant: T.tenant,
      });
      expect(outcome.sameEmail).toBeUndefined();
      expect(outcome.sameId).toBeUndefined();
      expect(outcome.upperUmlaut).toBeDefined();
      expect(outcome.lowerUmlaut).toBeDefined();
      const [elsewhere] = await insertCustomers(store, { tenant: 'elsewhere3' }, [newCustomer('1')]);
      expect(
        await store.transaction((tx) =>
          tx.accounts.insert({ tenant: 'elsewhere3' }, newAccount('acc-1', elsewhere!.pk, 'ANN@example.com')),
        ),
      ).toBeDefined();

      const rows = await store.reads.accounts.byCustomerPks(T, [a!.pk, b!.pk]);
      expect(rows.filter((row) => row.customerPk === a!.pk).map((row) => row.id)).toEqual(['acc-3', 'acc-4', 'acc-1']);
      expect(await store.transaction((tx) => tx.accounts.countByCustomer(T, a!.pk))).toBe(3);
      expect((await store.seedWriter().takenKeys(T.tenant)).emails).toEqual(
        new Set([
          'ann@example.com',
          'second@example.com',
          'third@example.com',
          'Ärger@example.com',
          'ärger@example.com',
        ]),
      );
    });
  });

  describe('legal entities and reach', () => {
    const T = 'companies';
    const tenant: Reach = { tenant: T };
    let rows: Record<string, Customer> = {};
    let entities: Record<string, number> = {};

    beforeAll(async () => {
      const customers = await insertCustomers(
        store,
        tenant,
        ['me', 'colleague', 'partner', 'stranger', 'loner'].map((n) => newCustomer(n, { lastName: n })),
      );
      rows = Object.fromEntries(customers.map((row) => [row.customerNumber, row]));
      // me and colleague share ACME, me and partner share Partner; stranger is in Other alone, loner in none.
      entities = await store.transaction(async (tx) => {
        const acme = await tx.legalEntities.getOrCreate(tenant, {
          id: 'le-acme',
          registrationId: 'R-ACME',
          name: 'ACME',
          createdAt: BASE,
        });
        const partner = await tx.legalEntities.getOrCreate(tenant, {
          id: 'le-partner',
          registrationId: 'R-PARTNER',
          name: 'Partner',
          createdAt: BASE,
        });
        const other = await tx.legalEntities.getOrCreate(tenant, {
          id: 'le-other',
          registrationId: 'R-OTHER',
          name: 'Other',
          createdAt: BASE,
        });
        const assign = (id: string, customer: string, entityPk: number, at: number) =>
          tx.legalEntities.assign(tenant, {
            id,
            customerPk: rows[customer]!.pk,
            legalEntityPk: entityPk,
            createdAt: at,
          });
        expect(await assign('as-1', 'me', partner.pk, BASE + 2)).toBe(true);
        expect(await assign('as-2', 'me', acme.pk, BASE + 1)).toBe(true);
        expect(await assign('as-2b', 'me', acme.pk, BASE + 3)).toBe(false);
        expect(await assign('as-3', 'colleague', acme.pk, BASE)).toBe(true);
        expect(await assign('as-4', 'partner', partner.pk, BASE)).toBe(true);
        expect(await assign('as-5', 'stranger', other.pk, BASE)).toBe(true);
        return { acme: acme.pk, partner: partner.pk, other: other.pk };
      });
    });

    it('creates an entity once per registration id, and finds it by id and registration id', async () => {
      await store.transaction(async (tx) => {
        const again = await tx.legalEntities.getOrCreate(tenant, {
          id: 'le-new-id',
          registrationId: 'R-ACME',
          name: 'Renamed',
          createdAt: BASE + 9,
        });
        expect(again).toEqual({
          pk: entities.acme,
          tenant: T,
          id: 'le-acme',
          registrationId: 'R-ACME',
          name: 'ACME',
          createdAt: BASE,
        });
        expect(await tx.legalEntities.byRegistrationId(tenant, 'R-ACME')).toEqual(again);
        expect(await tx.legalEntities.byRegistrationId({ tenant: 'other' }, 'R-ACME')).toBeUndefined();
      });
      expect(
        (await store.reads.legalEntities.byIds(tenant, ['le-acme', 'le-partner', 'le-x'])).map((e) => e.id).sort(),
      ).toEqual(['le-acme', 'le-partner']);
      expect(await store.reads.legalEntities.byIds({ tenant: 'other' }, ['le-acme'])).toEqual([]);
    });

    it('answers memberships oldest first, in one statement for any number of customers', async () => {
      let memberships: Awaited<ReturnType<typeof store.reads.legalEntities.membershipsByCustomerPks>> = [];
      const pks = Object.values(rows).map((row) => row.pk);
      expect(
        await statements.count(
          async () => (memberships = await store.reads.legalEntities.membershipsByCustomerPks(tenant, pks)),
        ),
      ).toBe(1);
      const mine = memberships.filter((m) => m.customerPk === rows.me!.pk);
      expect(mine.map((m) => [m.assignmentId, m.legalEntity.id])).toEqual([
        ['as-2', 'le-acme'],
        ['as-1', 'le-partner'],
      ]);
      expect(mine[0]?.legalEntity).toEqual({
        pk: entities.acme,
        tenant: T,
        id: 'le-acme',
        registrationId: 'R-ACME',
        name: 'ACME',
        createdAt: BASE,
      });
      expect(memberships.filter((m) => m.customerPk === rows.loner!.pk)).toEqual([]);
    });

    it("narrows every lookup, list, count and lock to the caller's companies", async () => {
      const company: Reach = { tenant: T, company: { customerNumber: 'me' } };
      const acmeOnly: Reach = { tenant: T, company: { customerNumber: 'me', legalEntityId: 'le-acme' } };
      const all = ['me', 'colleague', 'partner', 'stranger', 'loner'];
      const order: OrderTerm[] = [{ field: 'CUSTOMER_NUMBER', direction: 'ASC' }];
      expect(numbersOf(await store.reads.customers.byNumbers(company, all)).sort()).toEqual([
        'colleague',
        'me',
        'partner',
      ]);
      expect(numbersOf(await store.reads.customers.byNumbers(acmeOnly, all)).sort()).toEqual(['colleague', 'me']);
      expect(
        numbersOf(
          await store.reads.customers.byPks(
            acmeOnly,
            Object.values(rows).map((r) => r.pk),
          ),
        ).sort(),
      ).toEqual(['colleague', 'me']);
      expect(numbersOf(await pageThrough(store, company, order, {}, 2))).toEqual(['colleague', 'me', 'partner']);
      expect(await store.reads.customers.count(company, {})).toBe(3);
      expect(await store.reads.customers.count(acmeOnly, {})).toBe(2);
      expect(numbersOf(await pageThrough(store, company, order, { legalEntityId: 'le-partner' }, 5))).toEqual([
        'me',
        'partner',
      ]);
      expect(numbersOf(await pageThrough(store, acmeOnly, order, { search: 'PART' }, 5))).toEqual([]);
      await store.transaction(async (tx) => {
        expect((await tx.customers.lockByNumber(acmeOnly, 'colleague'))?.customerNumber).toBe('colleague');
        expect(await tx.customers.lockByNumber(acmeOnly, 'partner')).toBeUndefined();
        expect(await tx.customers.lockByNumber(company, 'stranger')).toBeUndefined();
      });
      // A caller without a company reaches nobody, not even itself; another tenant's caller nobody here.
      expect(await store.reads.customers.count({ tenant: T, company: { customerNumber: 'loner' } }, {})).toBe(0);
      expect(await store.reads.customers.count({ tenant: 'other', company: { customerNumber: 'me' } }, {})).toBe(0);

      expect((await store.reads.legalEntities.companyOf(company)).map((e) => e.id)).toEqual(['le-partner', 'le-acme']);
      expect((await store.reads.legalEntities.companyOf(acmeOnly)).map((e) => e.id)).toEqual(['le-acme']);
      expect(await store.reads.legalEntities.companyOf(tenant)).toEqual([]);
    });

    it('unassigns a customer, once', async () => {
      await store.transaction(async (tx) => {
        expect(await tx.legalEntities.unassign(tenant, rows.stranger!.pk, entities.other!)).toBe(true);
        expect(await tx.legalEntities.unassign(tenant, rows.stranger!.pk, entities.other!)).toBe(false);
        expect(await tx.legalEntities.unassign({ tenant: 'other' }, rows.partner!.pk, entities.partner!)).toBe(false);
      });
      expect(await store.reads.legalEntities.membershipsByCustomerPks(tenant, [rows.stranger!.pk])).toEqual([]);
    });
  });

  describe('outbox', () => {
    it('adds a notification in the transaction', async () => {
      const payload = { customerNumber: '1', email: 'x@example.com', nested: { b: 1, a: 2 } };
      await store.transaction((tx) => tx.outbox.add({ tenant: 'outbox' }, 'PASSWORD_RESET', payload, BASE));
      await expect(
        store.transaction(async (tx) => {
          await tx.outbox.add({ tenant: 'outbox' }, 'PASSWORD_RESET', { lost: true }, BASE);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      const rows = await store.query('SELECT tenant, type, payload::text AS payload, created_at, sent_at FROM outbox');
      expect(rows).toEqual([
        {
          tenant: 'outbox',
          type: 'PASSWORD_RESET',
          payload: JSON.stringify(payload),
          created_at: String(BASE),
          sent_at: null,
        },
      ]);
    });
  });

  describe('the seed writer', () => {
    const T = 'seeded';
    const entity = { id: 'le-seed', registrationId: 'R-SEED', name: 'Seed GmbH', createdAt: BASE };
    const seed = (i: number, membership = i % 3 === 0): SeedCustomer => {
      const customer = newCustomer(`s-${i}`, {
        lastName: `Seeded "${i}" \\ Ünal`,
        mixins: i % 2 === 0 ? { z: i, a: ['x', 'y'], 'q"uote': '\\' } : null,
        createdAt: BASE + i,
        modifiedAt: BASE + i,
      });
      return {
        customer,
        addresses: [
          seedAddress(`sa-${i}-1`, { isDefault: true, tags: ['b', 'a', 'ä "q"'] }),
          seedAddress(`sa-${i}-2`, { createdAt: BASE + 1 }),
        ],
        accounts: [
          { id: `sacc-${i}`, email: `Seed${i}@Example.com`, providerId: i % 2 ? 'idp' : null, createdAt: BASE },
        ],
        membership: membership ? { entity, assignmentId: `sas-${i}`, createdAt: BASE + i } : undefined,
      };
    };

    it('writes whole customers in batches, exactly as given, and knows the keys it used', async () => {
      const writer = store.seedWriter();
      await writer.prepareForBulkLoad();
      const batch = Array.from({ length: 30 }, (_, i) => seed(i));
      const before = statements.statements;
      await writer.write(T, batch);
      // A handful of statements for the whole batch, not one per row.
      expect(statements.statements - before).toBeLessThan(12);
      await writer.write(
        T,
        Array.from({ length: 5 }, (_, i) => seed(100 + i, true)),
      );
      await writer.finishBulkLoad();

      const reach: Reach = { tenant: T };
      const customers = await store.reads.customers.byNumbers(
        reach,
        batch.map((s) => s.customer.customerNumber),
      );
      expect(customers).toHaveLength(30);
      for (const row of customers) {
        const given = batch.find((s) => s.customer.customerNumber === row.customerNumber)!.customer;
        expect(row).toEqual({ ...given, pk: row.pk, tenant: T });
        expect(JSON.stringify(row.mixins)).toBe(JSON.stringify(given.mixins));
      }
      const s0 = customers.find((row) => row.customerNumber === 's-0')!;
      const addresses = await store.reads.addresses.byCustomerPks(reach, [s0.pk]);
      expect(addresses.map((a) => [a.id, a.tags])).toEqual([
        ['sa-0-1', ['b', 'a', 'ä "q"']],
        ['sa-0-2', []],
      ]);
      expect((await store.reads.accounts.byCustomerPks(reach, [s0.pk]))[0]?.email).toBe('Seed0@Example.com');
      const members = await store.reads.customers.count(reach, { legalEntityId: 'le-seed' });
      expect(members).toBe(10 + 5);
      expect(await store.reads.legalEntities.byIds(reach, ['le-seed'])).toHaveLength(1);

      const taken = await writer.takenKeys(T);
      expect(taken.customerNumbers.size).toBe(35);
      expect(taken.emails.has('seed0@example.com')).toBe(true);
      expect(taken.addressIds.size).toBe(70);
      expect(taken.accountIds.has('sacc-104')).toBe(true);
      expect(taken.legalEntityIds).toEqual(new Set(['le-seed']));
      expect(taken.registrationIds).toEqual(new Set(['R-SEED']));
      expect(taken.assignmentIds.size).toBe(15);
      // Numbers are ANALYZEd: the planner knows the tenant's rows.
      const [stats] = await store.query(
        `SELECT n_live_tup::int AS rows, last_analyze IS NOT NULL AS analyzed FROM pg_stat_user_tables WHERE relname = 'customers'`,
      );
      expect(stats?.analyzed).toBe(true);
    });

    it('writes all of a batch or, on an error, none of it', async () => {
      const writer = store.seedWriter();
      const fresh = { id: 'le-fresh', registrationId: 'R-FRESH', name: 'Fresh', createdAt: BASE };
      const failing: SeedCustomer[] = [
        { ...seed(200), membership: { entity: fresh, assignmentId: 'sas-200', createdAt: BASE } },
        seed(0), // s-0 is taken
      ];
      await expect(writer.write(T, failing)).rejects.toThrow();
      const reach: Reach = { tenant: T };
      expect(await store.reads.customers.byNumbers(reach, ['s-200'])).toEqual([]);
      expect(await store.reads.legalEntities.byIds(reach, ['le-fresh'])).toEqual([]);
      // The entity of the failed batch was not remembered: the next batch inserts it.
      await writer.write(T, [
        { ...seed(201), membership: { entity: fresh, assignmentId: 'sas-201', createdAt: BASE } },
      ]);
      expect(await store.reads.customers.count(reach, { legalEntityId: 'le-fresh' })).toBe(1);
    });
  });
});

// ---- Orders, paging and filters, in databases of different default collations ----

/** Text that tells orders apart: NULL and '', letter case, letters beyond ASCII, ASCII between 'Z' and 'a', ties. */
const NAMES = [
  null,
  '',
  'smith',
  'Smith',
  'SMITH',
  'Öztürk',
  'öztürk',
  'Ozturk',
  'Zoë',
  'zoe',
  'ZOE',
  'Émile',
  'emile',
  '_under',
  '[bracket',
  'abc',
  'ABC',
  'a_b',
  'axb',
  '50% off',
  '500 GmbH',
  'back\\slash',
  'ß',
  'İstanbul',
  '😀 smile',
  'Ωmega',
  'ω',
  '~tilde',
  'Ab',
  'aB',
];
const EMAILS = [null, '', 'Ann@Example.com', 'ann@example.com', 'ÄBC@x.de', 'äbc@x.de'];

function listDataset(): NewCustomer[] {
  const rows = Array.from({ length: 44 }, (_, i) => {
    // Numbers sort byte by byte: '10' before '9', 'Z' before 'a'.
    const customerNumber = i < 10 ? String(i) : i < 20 ? `N-${i}` : i < 30 ? `n-${i}` : String(100 + i);
    return newCustomer(customerNumber, {
      lastName: NAMES[i % NAMES.length]!,
      firstName: NAMES[(i * 7) % NAMES.length]!,
      company: i % 4 === 0 ? null : NAMES[(i * 3 + 1) % NAMES.length]!,
      contactEmail: i % 7 === 6 ? `c${i}@Example.com` : EMAILS[i % 7]!,
      createdAt: BASE + (i % 5) * 1000,
      modifiedAt: BASE + ((i * 3) % 7) * 10,
      active: i % 3 !== 0,
      onHold: i % 5 === 0,
    });
  });
  // A search must not match across two columns.
  rows.push(newCustomer('cross', { firstName: 'Jo', lastName: 'Anna', createdAt: BASE + 3 }));
  return rows;
}

/** What `search` finds, as the SQLite store defines it: a substring of a field, letter case folded in every script. */
function matchesSearch(row: Customer, search: string): boolean {
  const folded = search.trim().toLowerCase();
  if (folded === '') return true;
  return [row.customerNumber, row.firstName, row.lastName, row.company, row.contactEmail].some((value) =>
    value?.toLowerCase().includes(folded),
  );
}

const SEARCHES = [
  'öz',
  'ÖZ',
  'Öztürk',
  'ztü',
  'ZOË',
  'ë',
  'zoe',
  'smi',
  'M',
  'mi',
  '50%',
  '%',
  '_',
  'a_b',
  '\\',
  'back\\s',
  'Ω',
  'ωmeg',
  '😀',
  'ß',
  'stan',
  'example.com',
  'N-1',
  'n-1',
  '  smith  ',
  '   ',
  'joanna',
  'oAnn',
  'nothing-like-this',
];

const LOCALES: [string, Parameters<typeof createDatabase>[1]][] = [
  ["the server's default (libc C.UTF-8)", {}],
  ['ICU en-US as the default collation', { icuLocale: 'en-US' }],
  ['libc C (ASCII-only character classes)', { locale: 'C' }],
];

describe.each(LOCALES)('lists in a database whose locale is %s', (_, locale) => {
  const T: Reach = { tenant: 'lists' };
  let store: OpenedStore;
  let rows: Customer[];
  const members = { A: new Set<string>(), B: new Set<string>() };

  beforeAll(async () => {
    store = await openPostgresStore(await createDatabase(ADMIN_URL, locale));
    rows = await insertCustomers(store, T, listDataset());
    // Another tenant's rows, which no list may show.
    await insertCustomers(store, { tenant: 'neighbour' }, listDataset().slice(0, 10));
    await store.transaction(async (tx) => {
      const a = await tx.legalEntities.getOrCreate(T, { id: 'A', registrationId: 'R-A', name: 'A', createdAt: BASE });
      const b = await tx.legalEntities.getOrCreate(T, { id: 'B', registrationId: 'R-B', name: 'B', createdAt: BASE });
      for (const [i, row] of rows.entries()) {
        if (i % 4 === 1) {
          await tx.legalEntities.assign(T, { id: `a-${i}`, customerPk: row.pk, legalEntityPk: a.pk, createdAt: BASE });
          members.A.add(row.customerNumber);
        }
        if (i % 8 === 3) {
          await tx.legalEntities.assign(T, { id: `b-${i}`, customerPk: row.pk, legalEntityPk: b.pk, createdAt: BASE });
          members.B.add(row.customerNumber);
        }
      }
    });
  });
  afterAll(async () => {
    await store?.close();
  });

  const expected = (order: OrderTerm[], keep: (row: Customer) => boolean = () => true) =>
    numbersOf(rows.filter(keep).sort(compareIn(order)));

  it.each(ORDER_FIELDS.flatMap((field) => DIRECTIONS.map((direction) => [field, direction] as const)))(
    'orders by %s %s as SQLite does, and pages through every row once',
    async (field, direction) => {
      const order: OrderTerm[] = [{ field, direction }];
      const all = numbersOf(await store.reads.customers.list(T, { filter: {}, order, limit: 1000 }));
      expect(all).toEqual(expected(order));
      for (const limit of [1, 3, 7]) expect(numbersOf(await pageThrough(store, T, order, {}, limit))).toEqual(all);
      // Paging within a filter, too.
      expect(numbersOf(await pageThrough(store, T, order, { active: true }, 4))).toEqual(
        expected(order, (row) => row.active),
      );
    },
  );

  it.each([
    [
      [
        { field: 'LAST_NAME', direction: 'ASC' },
        { field: 'FIRST_NAME', direction: 'DESC' },
      ],
    ],
    [
      [
        { field: 'CREATED_AT', direction: 'DESC' },
        { field: 'COMPANY', direction: 'ASC' },
      ],
    ],
    [
      [
        { field: 'MODIFIED_AT', direction: 'ASC' },
        { field: 'CREATED_AT', direction: 'ASC' },
      ],
    ],
    [
      [
        { field: 'COMPANY', direction: 'DESC' },
        { field: 'CUSTOMER_NUMBER', direction: 'ASC' },
        { field: 'LAST_NAME', direction: 'DESC' },
      ],
    ],
    [
      [
        { field: 'CONTACT_EMAIL', direction: 'ASC' },
        { field: 'MODIFIED_AT', direction: 'DESC' },
        { field: 'FIRST_NAME', direction: 'ASC' },
      ],
    ],
  ] as OrderTerm[][][])('orders by several terms %j, paging without skips or repeats', async (order) => {
    const all = numbersOf(await store.reads.customers.list(T, { filter: {}, order, limit: 1000 }));
    expect(all).toEqual(expected(order));
    expect(numbersOf(await pageThrough(store, T, order, {}, 3))).toEqual(all);
  });

  it.each(SEARCHES)(
    'searches %j as a substring of number, names, company or email, any letter case',
    async (search) => {
      const order: OrderTerm[] = [{ field: 'CUSTOMER_NUMBER', direction: 'ASC' }];
      const want = expected(order, (row) => matchesSearch(row, search));
      expect(numbersOf(await pageThrough(store, T, order, { search }, 5))).toEqual(want);
      expect(await store.reads.customers.count(T, { search })).toBe(want.length);
    },
  );

  it('folds letter case in every script and takes %, _ and \\ literally', async () => {
    const found = async (search: string) =>
      (
        await store.reads.customers.list(T, {
          filter: { search },
          order: [{ field: 'LAST_NAME', direction: 'ASC' }],
          limit: 100,
        })
      ).flatMap((row) => [row.lastName, row.firstName, row.company, row.contactEmail]);
    expect(await found('öz')).toEqual(expect.arrayContaining(['Öztürk', 'öztürk']));
    expect(await found('öz')).not.toContain('Ozturk');
    expect(await found('ZOË')).toContain('Zoë');
    expect(await found('50%')).toContain('50% off');
    expect(await found('50%')).not.toContain('500 GmbH');
    expect(await found('a_b')).toContain('a_b');
    expect(await found('a_b')).not.toContain('axb');
    expect(await found('joanna')).toEqual([]);
  });

  const FILTERS: [string, CustomerListFilter, (row: Customer) => boolean][] = [
    [
      'contactEmail, ASCII case folded',
      { contactEmail: 'ANN@example.COM' },
      (r) => foldAscii(r.contactEmail ?? '\0') === 'ann@example.com',
    ],
    ['contactEmail beyond ASCII, not folded', { contactEmail: 'äbc@x.de' }, (r) => r.contactEmail === 'äbc@x.de'],
    ["an empty contactEmail, which NULL doesn't match", { contactEmail: '' }, (r) => r.contactEmail === ''],
    ['active', { active: true }, (r) => r.active],
    ['inactive', { active: false }, (r) => !r.active],
    ['on hold', { onHold: true }, (r) => r.onHold],
    ['not on hold', { onHold: false }, (r) => !r.onHold],
    ['B2B', { businessModel: 'B2B' }, (r) => members.A.has(r.customerNumber) || members.B.has(r.customerNumber)],
    ['B2C', { businessModel: 'B2C' }, (r) => !members.A.has(r.customerNumber) && !members.B.has(r.customerNumber)],
    ['a legal entity', { legalEntityId: 'B' }, (r) => members.B.has(r.customerNumber)],
    ['a missing legal entity', { legalEntityId: 'missing' }, () => false],
    ['modifiedSince', { modifiedSince: BASE + 30 }, (r) => r.modifiedAt >= BASE + 30],
    [
      'several at once',
      { active: true, businessModel: 'B2B', search: 'o', modifiedSince: BASE + 10 },
      (r) =>
        r.active &&
        (members.A.has(r.customerNumber) || members.B.has(r.customerNumber)) &&
        matchesSearch(r, 'o') &&
        r.modifiedAt >= BASE + 10,
    ],
  ];

  it.each(FILTERS)('filters by %s, in lists and counts', async (_, filter, keep) => {
    for (const order of [
      [{ field: 'CREATED_AT', direction: 'DESC' }],
      [{ field: 'LAST_NAME', direction: 'ASC' }],
    ] as OrderTerm[][]) {
      const want = expected(order, keep);
      expect(want.length).toBeLessThan(rows.length);
      expect(numbersOf(await pageThrough(store, T, order, filter, 4))).toEqual(want);
      expect(await store.reads.customers.count(T, filter)).toBe(want.length);
    }
  });

  it("counts the tenant's customers only", async () => {
    expect(await store.reads.customers.count(T, {})).toBe(rows.length);
    expect(await store.reads.customers.count({ tenant: 'neighbour' }, {})).toBe(10);
    expect(await store.reads.customers.count({ tenant: 'nobody' }, {})).toBe(0);
  });
});

// ---- Concurrency: transactions on many connections at once, as replicas over one database ----

describe('concurrent transactions', () => {
  const T: Reach = { tenant: 'races' };
  let store: OpenedStore;

  beforeAll(async () => {
    // Enough connections for every racer to be inside its transaction at the same moment.
    store = await openPostgresStore(await createDatabase(ADMIN_URL), { poolSize: 25 });
  });
  afterAll(async () => {
    await store?.close();
  });

  /** Runs `n` transactions that all reach `race` together, each on a connection of its own. */
  async function race<T>(
    n: number,
    work: (tx: Parameters<Parameters<OpenedStore['transaction']>[0]>[0], i: number) => Promise<T>,
  ) {
    const together = barrier(n);
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        store.transaction(async (tx) => {
          // The first statement has run (BEGIN has), so each racer holds its own connection now.
          await tx.customers.byNumbers(T, ['nobody']);
          await together();
          return work(tx, i);
        }),
      ),
    );
    return results;
  }

  it('lets exactly one of 20 writers win an optimistic update behind lockByNumber', async () => {
    const [row] = await insertCustomers(store, T, [newCustomer('contended', { version: 1 })]);
    const won = await race(20, async (tx, i) => {
      const locked = await tx.customers.lockByNumber(T, 'contended');
      // Each writer expects the version it read before; under the lock it sees the winner's commit.
      if (locked?.version !== 1) return false;
      await tx.customers.update(T, locked.pk, { version: 2, lastName: `writer ${i}` });
      return true;
    });
    expect(won.filter(Boolean)).toHaveLength(1);
    const [after] = await store.reads.customers.byPks(T, [row!.pk]);
    expect(after?.version).toBe(2);
    expect(after?.lastName).toBe(`writer ${won.indexOf(true)}`);
  });

  it('gives one legal entity to racing getOrCreate calls of one registration id', async () => {
    const entities = await race(12, (tx, i) =>
      tx.legalEntities.getOrCreate(T, {
        id: `race-le-${i}`,
        registrationId: 'R-RACE',
        name: `Racer ${i}`,
        createdAt: BASE,
      }),
    );
    expect(new Set(entities.map((entity) => entity.pk)).size).toBe(1);
    expect(
      await store.query(`SELECT id FROM legal_entities WHERE tenant = 'races' AND registration_id = 'R-RACE'`),
    ).toHaveLength(1);
  });

  it('gives a custom number to one of racing inserts; the others answer undefined and commit', async () => {
    const inserted = await race(12, async (tx, i) => {
      const row = await tx.customers.insert(T, newCustomer('wanted', { lastName: `racer ${i}` }));
      // The losers' transactions stay usable.
      await tx.customers.insert(T, newCustomer(`consolation-${i}`));
      return row;
    });
    expect(inserted.filter((row) => row !== undefined)).toHaveLength(1);
    expect(await store.reads.customers.byNumbers(T, ['wanted'])).toHaveLength(1);
    expect(await store.reads.customers.count(T, { search: 'consolation-' })).toBe(12);
  });

  it('never gives a deleted number again, even to an insert racing the delete', async () => {
    const [row] = await insertCustomers(store, T, [newCustomer('doomed')]);
    const results = await race(6, async (tx, i) => {
      if (i === 0) {
        await tx.customers.delete(T, row!, BASE);
        return 'deleted';
      }
      return (await tx.customers.insert(T, newCustomer('doomed'))) === undefined ? 'refused' : 'inserted';
    });
    expect(results).toEqual(['deleted', 'refused', 'refused', 'refused', 'refused', 'refused']);
    expect(await store.reads.customers.byNumbers(T, ['doomed'])).toEqual([]);
  });

  it('gives an email to one of racing account inserts, whatever their letter case', async () => {
    const owners = await insertCustomers(
      store,
      T,
      Array.from({ length: 10 }, (_, i) => newCustomer(`owner-${i}`)),
    );
    const accounts = await race(10, (tx, i) =>
      tx.accounts.insert(
        T,
        newAccount(`race-acc-${i}`, owners[i]!.pk, i % 2 ? 'RACE@example.com' : 'race@EXAMPLE.com'),
      ),
    );
    expect(accounts.filter((account) => account !== undefined)).toHaveLength(1);
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

  /** The plan of the statement `run` sends (the last one that reads `table`), as the database picks it. */
  async function planOf(run: () => Promise<unknown>, table = 'customers'): Promise<string> {
    const from = statements.log.length;
    await run();
    const statement = statements.log
      .slice(from)
      .filter((entry) => entry.sql.includes(`from "${table}"`))
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
