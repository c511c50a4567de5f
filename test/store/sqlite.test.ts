/**
 * The SQLite store's transactions (src/store/sqlite/db.ts): better-sqlite3 is synchronous, yet a transaction stays
 * open across the awaits of its work. No one else sees its rows before it commits, no two transactions' writes
 * interleave, and reads do not wait for a transaction in progress (they read the last commit, from the WAL).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewCustomer, Reach } from '../../src/domain/store.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/db.js';
import { newCustomer } from '../support/store.js';

const REACH: Reach = { tenant: 'acme' };
const row = (customerNumber: string): NewCustomer => newCustomer(customerNumber);

/** A promise and the function that resolves it: a point where a test holds a transaction open. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

let dir: string;
let store: SqliteStore;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'customer-graph-sqlite-store-'));
  store = openSqliteStore(join(dir, 'customers.db'));
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const numbersVisible = async (numbers: string[], s = store) =>
  (await s.reads.customers.byNumbers(REACH, numbers)).map((c) => c.customerNumber).sort();

describe('a transaction held open across awaits', () => {
  it('is invisible to reads until it commits, and reads do not wait for it', async () => {
    const held = gate();
    const inserted = gate();
    const done = store.transaction(async (tx) => {
      await tx.customers.insert(REACH, row('T-1'));
      inserted.open();
      await held.opened;
      await tx.customers.insert(REACH, row('T-2'));
    });
    await inserted.opened;
    // The transaction is open and waiting: a read answers now, from the last commit, without its row.
    expect(await numbersVisible(['T-1', 'T-2'])).toEqual([]);
    held.open();
    await done;
    expect(await numbersVisible(['T-1', 'T-2'])).toEqual(['T-1', 'T-2']);
  });

  it('sees its own writes', async () => {
    const seen = await store.transaction(async (tx) => {
      await tx.customers.insert(REACH, row('OWN-1'));
      return (await tx.customers.byNumbers(REACH, ['OWN-1'])).length;
    });
    expect(seen).toBe(1);
  });

  it('keeps a second transaction waiting until it ends: their writes never interleave', async () => {
    const events: string[] = [];
    const held = gate();
    const first = store.transaction(async (tx) => {
      events.push('first: start');
      await tx.customers.insert(REACH, row('Q-1'));
      await held.opened;
      await tx.customers.insert(REACH, row('Q-2'));
      events.push('first: end');
    });
    const second = store.transaction(async (tx) => {
      events.push('second: start');
      // It starts after the first committed, so it sees both of its rows.
      events.push(`second sees ${(await tx.customers.byNumbers(REACH, ['Q-1', 'Q-2'])).length}`);
      await tx.customers.insert(REACH, row('Q-3'));
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events).toEqual(['first: start']);
    held.open();
    await Promise.all([first, second]);
    expect(events).toEqual(['first: start', 'first: end', 'second: start', 'second sees 2']);
  });

  it('writes nothing when its work throws, and the next transaction runs as usual', async () => {
    const failure = new Error('refused');
    await expect(
      store.transaction(async (tx) => {
        await tx.customers.insert(REACH, row('R-1'));
        await new Promise((resolve) => setImmediate(resolve));
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await numbersVisible(['R-1'])).toEqual([]);
    await store.transaction((tx) => tx.customers.insert(REACH, row('R-2')));
    expect(await numbersVisible(['R-1', 'R-2'])).toEqual(['R-2']);
  });

  it('answers undefined for a taken number without spoiling the transaction', async () => {
    const [again, other] = await store.transaction(async (tx) => [
      await tx.customers.insert(REACH, row('R-2')),
      await tx.customers.insert(REACH, row('R-3')),
    ]);
    expect(again).toBeUndefined();
    expect(other?.customerNumber).toBe('R-3');
  });
});

describe('reading the file', () => {
  // A page or search that visits rows all over a large file reads them from the OS's cache of the file instead of
  // copying each page into SQLite's (Q3 on a million customers: 2.6 ms a search instead of 5.3; README).
  // The writer does not: its writes grow the file, which a mapping must follow.
  it('maps the database file into memory on the reader, as far as SQLite allows, and not on the writer', () => {
    const [writer, reader] = store.connections;
    expect(reader!.pragma('mmap_size', { simple: true })).toBeGreaterThan(2 ** 30);
    expect(writer!.pragma('mmap_size', { simple: true })).toBe(0);
  });
});

describe('an in-memory database (one connection)', () => {
  it('lets reads wait for the transaction in progress rather than see its rows', async () => {
    const memory = openSqliteStore(':memory:');
    try {
      const held = gate();
      const inserted = gate();
      const done = memory.transaction(async (tx) => {
        await tx.customers.insert(REACH, row('M-1'));
        inserted.open();
        await held.opened;
      });
      await inserted.opened;
      let answered: string[] | undefined;
      const read = numbersVisible(['M-1'], memory).then((numbers) => {
        answered = numbers;
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(answered).toBeUndefined();
      held.open();
      await Promise.all([done, read]);
      expect(answered).toEqual(['M-1']);
    } finally {
      await memory.close();
    }
  });
});

describe('upgrading a database made by an older release', () => {
  it('keeps every address when the address table is rebuilt (country made optional, mixins added)', async () => {
    // The migrations of the release before, then a customer and an address as it stored them.
    const folder = fileURLToPath(new URL('../../drizzle/', import.meta.url));
    const before = mkdtempSync(join(tmpdir(), 'customer-graph-migrations-'));
    cpSync(folder, before, { recursive: true });
    const journal = JSON.parse(readFileSync(join(folder, 'meta/_journal.json'), 'utf8')) as {
      entries: { tag: string }[];
    };
    const rebuild = journal.entries.findIndex((entry) => entry.tag.endsWith('_address_country_optional_and_mixins'));
    expect(rebuild).toBeGreaterThan(0);
    writeFileSync(
      join(before, 'meta/_journal.json'),
      JSON.stringify({ ...journal, entries: journal.entries.slice(0, rebuild) }),
    );
    const path = join(dir, 'older.db');
    const old = new Database(path);
    migrate(drizzle(old), { migrationsFolder: before });
    old
      .prepare(
        `INSERT INTO customers (tenant, customer_number, preferred_language, preferred_currency, preferred_site,
           active, on_hold, version, created_at, modified_at) VALUES ('acme', 'old1', 'en', 'EUR', 'main', 1, 0, 1, 1, 1)`,
      )
      .run();
    old
      .prepare(
        `INSERT INTO addresses (tenant, id, customer_pk, contact_name, country, tags, is_default, created_at, modified_at)
         SELECT 'acme', 'a' || value, pk, 'Contact ' || value, 'DE', '["BILLING"]', value = 1, 1, 1
         FROM customers, json_each('[1,2,3]') WHERE customer_number = 'old1'`,
      )
      .run();
    old.prepare(`DELETE FROM addresses WHERE id = 'a3'`).run();
    old.close();

    const upgraded = openSqliteStore(path);
    try {
      const [customer] = await upgraded.reads.customers.byNumbers(REACH, ['old1']);
      const addresses = await upgraded.reads.addresses.byCustomerPks(REACH, [customer!.pk]);
      expect(addresses.map((a) => [a.id, a.contactName, a.country, a.tags, a.isDefault, a.mixins, a.version])).toEqual([
        ['a1', 'Contact 1', 'DE', ['BILLING'], true, null, 1],
        ['a2', 'Contact 2', 'DE', ['BILLING'], false, null, 1],
      ]);
      // AUTOINCREMENT still counts from the rows it had: a deleted address's key is not given again.
      const pks = upgraded.connections[0]!.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?')
        .pluck()
        .all('addresses');
      expect(pks).toEqual([3]);
    } finally {
      await upgraded.close();
      rmSync(before, { recursive: true, force: true });
    }
  });
});
