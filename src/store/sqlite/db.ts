/**
 * The SQLite store: the embedded default. One writer connection runs the transactions, one after the other (a queue
 * in this process, SQLite's write lock between processes); one reader connection beside it answers the reads outside
 * a transaction from the last committed state (WAL), so reads never queue behind writes and never see a transaction
 * in progress, and the expensive ones run on read workers (read-workers.ts), admitted per tenant. better-sqlite3 is synchronous: a statement runs to completion when called, and a transaction stays
 * open across the awaits of its work because nothing else may use the writer meanwhile.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { fillPlaceholders } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import type { Transaction } from '../../domain/store.js';
import { admissionFor } from '../core/admission.js';
import { countingAppends, eventSignal } from '../core/events.js';
import { storeCore } from '../core/index.js';
import { compiledOnce, type Executor, type Query } from '../core/query.js';
import { seedWriter } from '../core/seed.js';
import type { OpenedStore, OpenStoreOptions } from '../index.js';
import { FOLD, fold, sqliteDialect } from './dialect.js';
import { startReadWorkers } from './read-workers.js';

export interface SqliteStore extends OpenedStore {
  readonly kind: 'sqlite';
  /** The writer and (when separate) the reader connection: for tests that inspect SQLite itself. */
  readonly connections: readonly Database.Database[];
}

const migrationsFolder = fileURLToPath(new URL('../../../drizzle', import.meta.url));

/**
 * The reader maps the file (capped by SQLite), so rows spread over a large file are read where the OS caches them;
 * the writer does not: its writes grow the file, which a mapping must follow. The benchmark's baseline does the same.
 */
export const MMAP_BYTES = 2 ** 31;
/** The settings of every read connection: the reader, and the read workers'. */
const READER_PRAGMAS = ['query_only = ON', `mmap_size = ${MMAP_BYTES}`, 'busy_timeout = 5000'];

const core = storeCore(sqliteDialect);
const compiler = new SQLiteSyncDialect();

/** Whether the statement running now is the relay's (counted by onBackgroundStatement): set around each one. */
interface Counting {
  background: boolean;
}

function connect(path: string, options: OpenStoreOptions, counting: Counting): Database.Database {
  const { onStatement, onBackgroundStatement, onQuery } = options;
  const count =
    onStatement && (() => (counting.background && onBackgroundStatement ? onBackgroundStatement() : onStatement()));
  const sqlite = new Database(path, count ? { verbose: count } : {});
  if (onQuery) recordQueries(sqlite, onQuery);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.function(FOLD, { deterministic: true }, fold);
  return sqlite;
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

/** The core's statements on one connection, each prepared once per shape. */
function executor(connection: Database.Database): Executor {
  const compile = (query: Query) => {
    const { sql, params } = compiler.sqlToQuery(query.sql);
    const statement = connection.prepare(sql);
    if (statement.reader) statement.raw(true);
    return { statement, params };
  };
  const statementOf = compiledOnce(compile);
  return {
    async all(query) {
      const { statement, params } = statementOf(query);
      const values = fillPlaceholders(params, query.values);
      if (statement.reader) return statement.all(...values) as unknown[][];
      statement.run(...values);
      return [];
    },
    async run(query) {
      const { statement, params } = statementOf(query);
      return statement.run(...fillPlaceholders(params, query.values)).changes;
    },
  };
}

export function openSqliteStore(path: string, options: OpenStoreOptions = {}): SqliteStore {
  const inMemory = path === ':memory:';
  if (!inMemory) mkdirSync(dirname(path), { recursive: true });
  const counting: Counting = { background: false };
  const writer = connect(path, options, counting);
  migrate(drizzle(writer), { migrationsFolder });
  const writes = executor(writer);
  const signal = eventSignal();
  // One transaction at a time: the events the one in progress appended are told once it commits.
  const { tx, appended } = countingAppends(core.transaction(writes));
  // An in-memory database is one connection: its reads wait for the transaction in progress instead.
  const reader = inMemory ? writer : connect(path, options, counting);
  if (reader !== writer) for (const pragma of READER_PRAGMAS) reader.pragma(pragma);
  // An in-memory database lives in this thread only: its expensive reads run where the others do.
  const workers =
    inMemory || !options.readWorkers
      ? undefined
      : startReadWorkers(path, options.readWorkers, { ...options, pragmas: READER_PRAGMAS });
  const admission = admissionFor(options.admission, options.readWorkers ?? 1);

  /** The end of the last transaction queued: each one starts when the one before it has ended. */
  let queue: Promise<unknown> = Promise.resolve();
  function serialize<T>(work: () => Promise<T>): Promise<T> {
    const run = queue.then(work);
    queue = run.catch(() => undefined);
    return run;
  }
  const [begin, commit, rollback] = ['BEGIN IMMEDIATE', 'COMMIT', 'ROLLBACK'].map((sql) => writer.prepare(sql));
  /** `run` with the statements it runs (synchronously, as better-sqlite3 does) counted as the relay's. */
  function inBackground<T>(run: () => T): T {
    counting.background = true;
    try {
      return run();
    } finally {
      counting.background = false;
    }
  }
  function transaction<T>(work: () => Promise<T>, background = false): Promise<T> {
    return serialize(async () => {
      const step = (statement: Database.Statement) =>
        background ? inBackground(() => statement.run()) : statement.run();
      step(begin!);
      appended.clear();
      try {
        const result = await work();
        step(commit!);
        for (const [tenant, { events, deliveries }] of appended) {
          options.onEventsCommitted?.(events);
          signal.emit(tenant, deliveries > 0);
        }
        return result;
      } catch (error) {
        if (writer.inTransaction) rollback!.run();
        throw error;
      } finally {
        appended.clear();
      }
    });
  }

  /** `exec` on the writer outside transactions: each statement in its turn. */
  const inTurn = (exec: Executor): Executor => ({
    all: (query) => serialize(() => exec.all(query)),
    run: (query) => serialize(() => exec.run(query)),
  });
  const queued = inTurn(writes);
  // With one connection, each read waits for the transactions queued before it instead.
  const readsExec: Executor = reader !== writer ? executor(reader) : queued;
  const reads = core.reads(readsExec, admission && { exec: workers?.exec ?? readsExec, admission });
  const ping = reader.prepare('SELECT 1').pluck();
  /** The relay's statements on `exec` (which runs each at once), counted as background work. */
  const backgroundOf = (exec: Executor): Executor => ({
    all: (query) => inBackground(() => exec.all(query)),
    run: (query) => inBackground(() => exec.run(query)),
  });
  const backgroundWrites = backgroundOf(writes);
  /** The relay's statements on the writer outside transactions, in their turn. */
  const relayWrites = inTurn(backgroundWrites);
  let closing = false;

  return {
    kind: 'sqlite',
    reads,
    connections: reader !== writer ? [writer, reader] : [writer],
    transaction: (work) => transaction(() => work(tx)),
    // The one writer claims: SQLite has no row locks to skip, and no other process writes the file.
    relay: core.relay(reader !== writer ? backgroundOf(readsExec) : relayWrites, relayWrites, (work) =>
      transaction(() => work(backgroundWrites), true),
    ),
    onEvents: signal.on,
    async isReady() {
      try {
        return !closing && reader.open && ping.get() === 1;
      } catch {
        return false;
      }
    },
    admission: () => admission?.state(),
    async close() {
      closing = true;
      await queue;
      // The writer last: the last connection to close folds the write-ahead log back into the file.
      await workers?.close();
      if (reader !== writer && reader.open) reader.close();
      if (writer.open) writer.close();
    },
    seedWriter: () =>
      seedWriter(sqliteDialect, {
        transaction: (work) => transaction(() => work(writes)),
        outside: (statements) => serialize(async () => void writer.exec(statements.join(';\n'))),
        // A bigger page cache for the index updates of a large load.
        prepare: [`PRAGMA cache_size = -${256 * 1024}`],
        // One segment of the search index (a bulk load leaves dozens, and a search reads each), and the write-ahead
        // log folded back into the database file, so that the file alone holds the data.
        finish: [
          `INSERT INTO customers_search(customers_search) VALUES ('optimize')`,
          'PRAGMA wal_checkpoint(TRUNCATE)',
        ],
      }),
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

/** The store's statements on a connection, outside any transaction: for tests that inspect the statements. */
export function repositoriesOn(connection: Database.Database): Transaction {
  return core.transaction(executor(connection));
}
