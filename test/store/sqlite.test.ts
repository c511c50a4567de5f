/**
 * The SQLite store's transactions (src/store/sqlite/db.ts): better-sqlite3 is synchronous, yet a transaction stays
 * open across the awaits of its work. No one else sees its rows before it commits, no two transactions' writes
 * interleave, and reads do not wait for a transaction in progress (they read the last commit, from the WAL).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
