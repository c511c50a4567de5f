/**
 * The PostgreSQL store: the store core over a node-postgres pool. Opening it applies the migrations of
 * drizzle-postgres/ under an advisory lock, so that replicas starting together migrate once and none serves before
 * the schema is there. Each transaction is READ COMMITTED on one pooled connection.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { fillPlaceholders } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { admissionFor } from '../core/admission.js';
import type { EventListener } from '../../domain/store.js';
import { countingAppends, eventSignal } from '../core/events.js';
import { storeCore } from '../core/index.js';
import { compiledOnce, type Executor, type Query } from '../core/query.js';
import { seedWriter } from '../core/seed.js';
import type { OpenedStore, OpenStoreOptions } from '../index.js';
import { DELIVERIES_CHANNEL, EVENTS_CHANNEL, postgresDialect } from './dialect.js';
import { storeError } from './errors.js';

const migrationsFolder = fileURLToPath(new URL('../../../drizzle-postgres', import.meta.url));

/** How long a request waits for a connection (a new one, or a free one of the pool) before it fails. */
const CONNECT_TIMEOUT_MS = 2000;
/** The longest isReady() takes to answer. */
const READY_TIMEOUT_MS = 2000;
/** The advisory lock that serializes migrations across processes: a constant of this service (int8, as text). */
const MIGRATION_LOCK = '7234937355816744291';
/** Connections of the relay's own (src/events/relay.ts: its claims, records and prunes). */
const RELAY_CONNECTIONS = 2;
/** How long the event listener waits before it connects again after losing its connection. */
const LISTEN_RETRY_MS = 1000;
/** The most distinct statement names the store hands out: each lives on every connection that ran it, for good. */
const MAX_NAMES = 200;

const core = storeCore(postgresDialect);
const compiler = new PgDialect();

function createPool(url: string, options: OpenStoreOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: options.statementTimeoutMs ?? 5000,
    keepAlive: true,
    fallback_application_name: 'customer-graph',
  });
  // An idle connection that the server drops (a restart, a failover) is reported here and removed by the pool;
  // without a listener the 'error' event would end the process. The next request gets a fresh connection.
  pool.on('error', () => {});
  const { onStatement, onQuery } = options;
  pool.on('connect', (client) => {
    // The same for a connection lent out between two statements of a transaction: its next query fails instead
    // (a StoreUnavailableError), and the pool drops it when it comes back.
    client.on('error', () => {});
    if (!onStatement && !onQuery) return;
    // Every statement passes here, whoever sends it: the core's, BEGIN/COMMIT, the migrator, raw queries.
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((...args: unknown[]) => {
      onStatement?.();
      if (onQuery) {
        const [config, values] = args;
        const text = typeof config === 'string' ? config : ((config as pg.QueryConfig | undefined)?.text ?? '');
        const params = Array.isArray(values) ? values : ((config as pg.QueryConfig | undefined)?.values ?? []);
        onQuery(text, params);
      }
      return query(...args);
    }) as typeof client.query;
  });
  return pool;
}

/**
 * Migrates on a connection of its own holding an advisory lock (a second process waits, then finds every migration
 * applied), without a statement timeout; closed afterwards, which also frees the lock if anything failed.
 */
async function migrateOnce(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SET statement_timeout = 0');
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await migrate(drizzle({ client }), { migrationsFolder });
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  } finally {
    client.release(true);
  }
}

/**
 * The core's statements, named after a hash of their SQL text: node-postgres prepares a named statement once per
 * connection, and PostgreSQL then neither parses nor (with a generic plan) plans it again. Past MAX_NAMES, and for
 * plans that depend on a value, statements run unnamed.
 */
function statements() {
  const names = new Set<string>();
  const nameOf = (text: string): string | undefined => {
    const name = `cg_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    if (!names.has(name) && names.size >= MAX_NAMES) return undefined;
    names.add(name);
    return name;
  };
  return compiledOnce((query) => {
    const { sql: text, params } = compiler.sqlToQuery(query.sql);
    return { text, params, name: query.planPerCall ? undefined : nameOf(text) };
  });
}

/**
 * Hears, on a connection of its own, the tenants whose events any process on the database committed (the
 * NOTIFY of each appending transaction), and connects again when that connection is lost: what is committed
 * meanwhile is found by the listeners' polling, since a notification is sent only to those listening.
 */
function listenForEvents(url: string, emit: EventListener) {
  let client: pg.Client | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const connect = async () => {
    if (closed) return;
    const next = new pg.Client({ connectionString: url, keepAlive: true, fallback_application_name: 'customer-graph' });
    let lost = false;
    // Once per connection: an error is followed by an end, and each would otherwise connect again.
    const retry = () => {
      if (lost) return;
      lost = true;
      if (client === next) client = undefined;
      void next.end().catch(() => {});
      if (closed || timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        void connect();
      }, LISTEN_RETRY_MS);
    };
    next.on('error', retry);
    next.on('end', retry);
    next.on('notification', (message) => {
      if (message.payload) emit(message.payload, message.channel === DELIVERIES_CHANNEL);
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${EVENTS_CHANNEL}; LISTEN ${DELIVERIES_CHANNEL}`);
      client = next;
    } catch {
      retry();
    }
  };
  void connect();
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      await client?.end().catch(() => {});
    },
  };
}

export async function openPostgresStore(url: string, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  const pool = createPool(url, options);
  try {
    await migrateOnce(pool);
  } catch (error) {
    await pool.end().catch(() => {});
    throw storeError(error);
  }

  /** Work in progress, which close() lets finish before it ends the pool. */
  const inFlight = new Set<Promise<unknown>>();
  /** Runs `work`, counted in flight, with a connection failure turned into StoreUnavailableError. */
  const track = <R>(work: () => Promise<R>): Promise<R> => {
    const running = work().catch((error: unknown) => {
      throw storeError(error);
    });
    inFlight.add(running);
    const done = () => inFlight.delete(running);
    running.then(done, done);
    return running;
  };

  const statementOf = statements();
  const executor = (on: pg.Pool | pg.PoolClient): Executor => {
    const send = (query: Query) => {
      const { text, params, name } = statementOf(query);
      const values = fillPlaceholders(params, query.values);
      return track(() =>
        on.query<unknown[]>({ name, text, values, rowMode: 'array' }).catch((error: unknown) => {
          // The statement's shape, for the log (never its values: src/logger.ts).
          if (error instanceof Error) Object.assign(error, { statement: query.key ?? 'unkeyed' });
          throw error;
        }),
      );
    };
    return {
      all: async (query) => (await send(query)).rows,
      run: async (query) => (await send(query)).rowCount ?? 0,
    };
  };

  /** Runs `work` in a transaction on one connection of `on`: it commits when `work` resolves. */
  const transactionOn = <T>(on: pg.Pool, work: (exec: Executor, client: pg.PoolClient) => Promise<T>): Promise<T> =>
    track(async () => {
      const client = await on.connect();
      try {
        await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
        const result = await work(executor(client), client);
        await client.query('COMMIT');
        client.release();
        return result;
      } catch (error) {
        // A connection that cannot even roll back is dropped rather than lent out again.
        await client.query('ROLLBACK').then(
          () => client.release(),
          () => client.release(true),
        );
        throw error;
      }
    });

  const transaction = <T>(work: (exec: Executor, client: pg.PoolClient) => Promise<T>) => transactionOn(pool, work);

  /** Runs maintenance outside any transaction, on a connection without the statement timeout (then dropped). */
  const withoutTimeout = (statementsToRun: readonly string[]) =>
    track(async () => {
      const client = await pool.connect();
      try {
        await client.query('SET statement_timeout = 0');
        for (const statement of statementsToRun) await client.query(statement);
      } finally {
        client.release(true);
      }
    });

  let closing: Promise<void> | undefined;
  const reads = executor(pool);
  // Expensive reads may take half the pool: the other half stays free for reads by key and for writes.
  const admission = admissionFor(options.admission, Math.floor((options.poolSize ?? 10) / 2));
  // A connection of its own, so that /ready answers within its limit however busy the pool is.
  const probe = createPool(url, { ...options, poolSize: 1 });
  // The relay's connections: its claims and records never wait behind the requests for the pool.
  const relayPool = createPool(url, {
    ...options,
    poolSize: RELAY_CONNECTIONS,
    onStatement: options.onBackgroundStatement ?? options.onStatement,
  });
  const relayExec = executor(relayPool);
  const signal = eventSignal();
  const listener = listenForEvents(url, signal.emit);

  return {
    kind: 'postgres',
    reads: core.reads(reads, admission && { exec: reads, admission }),
    admission: () => admission?.state(),
    async transaction(work) {
      const counted = { appended: new Map<string, { events: number; deliveries: number }>() };
      const result = await transaction((exec) => {
        const { tx, appended } = countingAppends(core.transaction(exec));
        counted.appended = appended;
        return work(tx);
      });
      // The listeners hear of it through LISTEN, as every replica does.
      for (const { events } of counted.appended.values()) options.onEventsCommitted?.(events);
      return result;
    },
    // Replicas share the due deliveries: each claim skips the rows another one holds (FOR UPDATE SKIP LOCKED).
    relay: core.relay(relayExec, relayExec, (work) => transactionOn(relayPool, work)),
    onEvents: signal.on,

    async isReady() {
      if (closing) return false;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
      });
      const ping = probe.query('SELECT 1').then(
        () => true,
        () => false,
      );
      try {
        return await Promise.race([ping, late]);
      } finally {
        clearTimeout(timer);
      }
    },

    close() {
      closing ??= (async () => {
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
        await Promise.all([pool.end(), probe.end(), relayPool.end(), listener.close()]);
      })();
      return closing;
    },

    seedWriter: () =>
      seedWriter(postgresDialect, {
        transaction: (work) =>
          transaction(async (exec, client) => {
            // A batch of thousands of rows per statement may take longer than a request may.
            await client.query('SET LOCAL statement_timeout = 0');
            return work(exec);
          }),
        outside: withoutTimeout,
        prepare: [],
        // Planner statistics for the new rows, and the visibility map that lets counts be answered from indexes.
        finish: [
          'VACUUM (ANALYZE) customers, customer_numbers, addresses, accounts, legal_entities, customer_legal_entities',
        ],
      }),

    // `?` placeholders, as SQLite's: numbered in order (tests' SQL has no `?` inside literals).
    query: (statement, params = []) =>
      track(async () => {
        let n = 0;
        const numbered = statement.replace(/\?/g, () => `$${++n}`);
        return (await pool.query(numbered, [...params])).rows as Record<string, unknown>[];
      }),
    explain: (statement, params) =>
      track(async () => {
        const result = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (FORMAT TEXT) ${statement}`, [...params]);
        return result.rows.map((row) => row['QUERY PLAN']);
      }),
  };
}
