/**
 * What the store tests share: rows to insert, a recorder of the statements a store runs, and the orders and pages
 * that the contract promises, written out on their own.
 */
import {
  type Customer,
  CUSTOMER_ORDER_FIELDS,
  type CustomerListFilter,
  type CustomerOrderField,
  type Direction,
  type NewAccount,
  type NewAddress,
  type NewCustomer,
  type OrderTerm,
  positionReader,
  type Reach,
  totalOrder,
} from '../../src/domain/store.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import type { OpenedStore, OpenStoreOptions, SeedAddressRow } from '../../src/store/index.js';
import { TABLES, type TableKey } from '../../src/store/core/tables.js';
import { openSqliteStore } from '../../src/store/sqlite/db.js';
import { createDatabase, type DatabaseOptions } from './postgres.js';

export const BASE = Date.parse('2026-01-01T00:00:00.000Z');
export const ORDER_FIELDS: readonly CustomerOrderField[] = CUSTOMER_ORDER_FIELDS;
export const DIRECTIONS: Direction[] = ['ASC', 'DESC'];

/** Every column of a table that can be NULL, as null: a fixture names only what it cares about. */
const nulls = (table: TableKey) =>
  Object.fromEntries(
    Object.entries(TABLES[table].columns)
      .filter(([, column]) => !column.notNull)
      .map(([name]) => [name, null]),
  );

export function newCustomer(customerNumber: string, values: Partial<NewCustomer> = {}): NewCustomer {
  return {
    ...nulls('customers'),
    customerNumber,
    preferredLanguage: 'en',
    preferredCurrency: 'EUR',
    preferredSite: 'main',
    active: true,
    onHold: false,
    version: 1,
    createdAt: BASE,
    modifiedAt: BASE,
    ...values,
  } as NewCustomer;
}

export function newAddress(id: string, customerPk: number, values: Partial<NewAddress> = {}): NewAddress {
  return {
    ...nulls('addresses'),
    id,
    customerPk,
    contactName: `Contact ${id}`,
    street: 'Main Street',
    streetNumber: '1',
    zipCode: '10115',
    city: 'Berlin',
    country: 'DE',
    tags: [],
    isDefault: false,
    version: 1,
    createdAt: BASE,
    modifiedAt: BASE,
    ...values,
  } as NewAddress;
}

/** An address as the seed writer takes it: its customer is the one it comes with. */
export function seedAddress(id: string, values: Partial<NewAddress> = {}): SeedAddressRow {
  const { customerPk: _, ...address } = newAddress(id, 0, values);
  return address;
}

export const newAccount = (id: string, customerPk: number, email: string, createdAt = BASE): NewAccount => ({
  id,
  customerPk,
  email,
  providerId: null,
  createdAt,
});

/** Statements counted by a store's onStatement, and the SQL its onQuery saw. */
export function recorder() {
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

export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A promise that resolves once `n` callers wait on it: makes transactions overlap for certain. */
export function barrier(n: number): () => Promise<void> {
  let waiting = 0;
  const all = deferred();
  return () => {
    waiting++;
    if (waiting === n) all.resolve();
    return all.promise;
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Inserts the customers in one transaction and answers their rows. */
export async function insertCustomers(store: OpenedStore, reach: Reach, customers: NewCustomer[]): Promise<Customer[]> {
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

export const foldAscii = (text: string) => text.replace(/[A-Z]/g, (c) => c.toLowerCase());
export const compareBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

export function compareIn(order: readonly OrderTerm[]): (a: Customer, b: Customer) => number {
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
export async function pageThrough(
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

export const numbersOf = (rows: readonly { customerNumber: string }[]) => rows.map((row) => row.customerNumber);

export type StoreKind = 'sqlite' | 'postgres';

/**
 * A new store of this kind on a database of its own: an SQLite file in a temporary folder (removed on close), or a
 * new database of the test run's PostgreSQL (with `database`'s locale).
 */
export async function openFresh(
  kind: StoreKind,
  options: OpenStoreOptions = {},
  database: DatabaseOptions = {},
): Promise<OpenedStore> {
  if (kind === 'postgres')
    return openPostgresStore(await createDatabase(inject('postgresAdminUrl'), database), options);
  const dir = mkdtempSync(join(tmpdir(), 'customer-graph-store-'));
  const store = openSqliteStore(join(dir, 'customers.db'), options);
  return {
    ...store,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
