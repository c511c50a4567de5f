/**
 * The SQLite store: the embedded default. One writer connection runs the transactions, one after the other (a queue
 * in this process, SQLite's write lock between processes); one reader connection beside it answers every read outside
 * a transaction from the last committed state (WAL), so reads never queue behind writes and never see a transaction
 * in progress. better-sqlite3 is synchronous: a statement runs to completion when called, and a transaction stays
 * open across the awaits of its work because nothing else may use the writer meanwhile.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { StoreReads, Transaction } from '../../domain/store.js';
import type { OpenedStore, OpenStoreOptions } from '../seeding.js';
import { createAccountStore } from './accounts.js';
import { createAddressStore } from './addresses.js';
import { createCustomerStore } from './customers.js';
import { createLegalEntityStore } from './legal-entities.js';
import { createOutboxStore } from './outbox.js';
import * as schema from './schema.js';
import { createSeedWriter } from './seed.js';

/** The drizzle database, with the better-sqlite3 connection underneath (`$client`) for SQL functions. */
export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export interface SqliteStore extends OpenedStore {
  readonly kind: 'sqlite';
  /** The writer and (when separate) the reader connection: for tests that inspect SQLite itself. */
  readonly connections: readonly Database.Database[];
}

const migrationsFolder = fileURLToPath(new URL('../../../drizzle', import.meta.url));

/**
 * The reader maps the database file instead of copying its pages into SQLite's page cache (16 MB here). A search or
 * page that visits rows spread over a large file then reads them where the OS caches them: Q3 on a million
 * customers (787 matches a search, in rows all over the 1.2 GB file) ran in 2.6 ms instead of 5.3 ms. The mapped
 * pages are the OS's file cache, shared and reclaimable, not the process's own memory. SQLite caps the size (about
 * 2 GB). The writer does not map: its writes grow the file, which a mapping must follow (createCustomer with an
 * address served 0.89x the requests/s with both connections mapped, 1.09x with the reader alone).
 * The benchmark's baseline reads the same way (test/bench/baseline.ts).
 */
export const MMAP_BYTES = 2 ** 31;

function connect(path: string, options: OpenStoreOptions): Db {
  const { onStatement, onQuery } = options;
  const sqlite = new Database(path, onStatement ? { verbose: () => onStatement() } : {});
  if (onQuery) recordQueries(sqlite, onQuery);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return drizzle(sqlite, { schema });
}

/** Every statement prepared on the connection reports its SQL and parameters each time it runs (tests only). */
function recordQueries(sqlite: Database.Database, onQuery: NonNullable<OpenStoreOptions['onQuery']>): void {
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((source: string) => {
    const statement = prepare(source);
    for (const method of ['all', 'get', 'run', 'iterate'] as const) {
      const run = (statement[method] as (...params: unknown[]) => unknown).bind(statement);
      Object.defineProperty(statement, method, {
        value: (...params: unknown[]) => {
          onQuery(source, params);
          return run(...params);
        },
      });
    }
    return statement;
  }) as typeof sqlite.prepare;
}

/** Every table's statements, prepared on one connection. */
function repositories(db: Db): Transaction {
  return {
    customers: createCustomerStore(db),
    addresses: createAddressStore(db),
    accounts: createAccountStore(db),
    legalEntities: createLegalEntityStore(db),
    outbox: createOutboxStore(db),
  };
}

export function openSqliteStore(path: string, options: OpenStoreOptions = {}): SqliteStore {
  const inMemory = path === ':memory:';
  if (!inMemory) mkdirSync(dirname(path), { recursive: true });
  const writerDb = connect(path, options);
  migrate(writerDb, { migrationsFolder });
  const writer = writerDb.$client;
  const tx: Transaction = repositories(writerDb);
  // An in-memory database is one connection: its reads wait for the transaction in progress instead.
  const readerDb = inMemory ? undefined : connect(path, options);
  readerDb?.$client.pragma('query_only = ON');
  readerDb?.$client.pragma(`mmap_size = ${MMAP_BYTES}`);
  const reader = readerDb?.$client ?? writer;

  /** The end of the last transaction queued: each one starts when the one before it has ended. */
  let queue: Promise<unknown> = Promise.resolve();
  function serialize<T>(work: () => Promise<T>): Promise<T> {
    const run = queue.then(work);
    queue = run.catch(() => undefined);
    return run;
  }

  const reads: StoreReads = readerDb ? repositories(readerDb) : afterQueue(tx, serialize);
  const ping = reader.prepare('SELECT 1').pluck();

  return {
    kind: 'sqlite',
    reads,
    connections: readerDb ? [writer, readerDb.$client] : [writer],
    transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
      return serialize(async () => {
        writer.exec('BEGIN IMMEDIATE');
        try {
          const result = await work(tx);
          writer.exec('COMMIT');
          return result;
        } catch (error) {
          if (writer.inTransaction) writer.exec('ROLLBACK');
          throw error;
        }
      });
    },
    async isReady() {
      try {
        return reader.open && ping.get() === 1;
      } catch {
        return false;
      }
    },
    async close() {
      await queue;
      if (reader !== writer && reader.open) reader.close();
      if (writer.open) writer.close();
    },
    seedWriter() {
      const seed = createSeedWriter(writer);
      return { ...seed, write: (tenant, batch) => serialize(() => seed.write(tenant, batch)) };
    },
    async query(sql, params = []) {
      const statement = writer.prepare(sql);
      if (statement.reader) return statement.all(...params) as Record<string, unknown>[];
      statement.run(...params);
      return [];
    },
    async explain(sql, params) {
      const rows = reader.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[];
      return rows.map((row) => row.detail);
    },
  };
}

/**
 * Every table's statements on a connection of this store, outside its transactions (each statement commits on its
 * own): for tests that inspect the statements themselves.
 */
export function repositoriesOn(connection: Database.Database): Transaction {
  return repositories(drizzle(connection, { schema }));
}

/** The reads of `repos`, each started only once the transactions queued before it have ended. */
function afterQueue(repos: StoreReads, serialize: <T>(work: () => Promise<T>) => Promise<T>): StoreReads {
  const gate = <O extends object>(group: O): O =>
    Object.fromEntries(
      Object.entries(group).map(([name, fn]) => [
        name,
        (...args: unknown[]) => serialize(() => (fn as (...a: unknown[]) => Promise<unknown>)(...args)),
      ]),
    ) as O;
  return {
    customers: gate(repos.customers),
    addresses: gate(repos.addresses),
    accounts: gate(repos.accounts),
    legalEntities: gate(repos.legalEntities),
  };
}
