/**
 * The PostgreSQL store: the domain's contract (src/domain/store.ts) over a node-postgres pool. Opening it applies
 * the migrations of drizzle-postgres/ under an advisory lock, so that replicas starting together migrate once and
 * none serves before the schema is there.
 */
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import type { Store, StoreReads, Transaction } from '../../domain/store.js';
import type { OpenedStore, OpenStoreOptions } from '../seeding.js';
import { accountReads, accountWrites } from './accounts.js';
import { addressReads, addressWrites } from './addresses.js';
import { customerReads, customerWrites } from './customers.js';
import { type Db, Statements } from './db.js';
import { storeError } from './errors.js';
import { legalEntityReads, legalEntityWrites } from './legal-entities.js';
import { outboxWrites } from './outbox.js';
import { createSeedWriter } from './seed.js';

export { isConnectionFailure } from './errors.js';

const migrationsFolder = fileURLToPath(new URL('../../../drizzle-postgres', import.meta.url));

/** How long a request waits for a connection (a new one, or a free one of the pool) before it fails. */
const CONNECT_TIMEOUT_MS = 2000;
/** The longest isReady() takes to answer. */
const READY_TIMEOUT_MS = 2000;
/** The advisory lock that serializes migrations across processes: a constant of this service (int8, as text). */
const MIGRATION_LOCK = '7234937355816744291';

/** The URL with its password (in the authority or as a parameter) replaced, for logs and messages. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const key of ['password', 'sslpassword']) {
      if (parsed.searchParams.has(key)) parsed.searchParams.set(key, '***');
    }
    return parsed.toString();
  } catch {
    // Not a URL (a libpq key=value string, or one URL parsing refuses): redact what looks like a password.
    return url.replace(/((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]+)/gi, '$1***').replace(/:[^:@/]*@/, ':***@');
  }
}

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
    // Every statement passes here, whoever sends it: drizzle's queries, BEGIN/COMMIT, the migrator, raw queries.
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
 * Applies the migrations on one dedicated connection holding an advisory lock: a second process waits at the lock,
 * then finds every migration applied. Migrating (or waiting for another process to) may take longer than a
 * request's statement timeout, so that connection has none; it is closed afterwards, which also frees the lock if
 * anything failed.
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

/** The methods of `methods`, each turning a connection failure into StoreUnavailableError and counted in flight. */
function guarded<T extends object>(methods: T, track: <R>(work: () => Promise<R>) => Promise<R>): T {
  const result: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(methods)) {
    const call = method as (...args: unknown[]) => Promise<unknown>;
    result[name] = (...args: unknown[]) =>
      track(async () => {
        try {
          return await call(...args);
        } catch (error) {
          throw storeError(error);
        }
      });
  }
  return result as T;
}

export async function openPostgresStore(url: string, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  const pool = createPool(url, options);
  try {
    await migrateOnce(pool);
  } catch (error) {
    await pool.end().catch(() => {});
    throw storeError(error);
  }
  const db = drizzle({ client: pool });

  /** Work in progress, which close() lets finish before it ends the pool. */
  const inFlight = new Set<Promise<unknown>>();
  const track = <R>(work: () => Promise<R>): Promise<R> => {
    const running = work();
    inFlight.add(running);
    running.then(
      () => inFlight.delete(running),
      () => inFlight.delete(running),
    );
    return running;
  };

  // The hot reads' prepared statements, shared by the pool and every transaction (which run them on its client).
  const statements = new Statements(db);
  const readsOf = (on: Db): StoreReads => ({
    customers: guarded(customerReads(on, statements), track),
    addresses: guarded(addressReads(on, statements), track),
    accounts: guarded(accountReads(on, statements), track),
    legalEntities: guarded(legalEntityReads(on, statements), track),
  });
  const transactionOf = (tx: Db): Transaction => ({
    customers: guarded({ ...customerReads(tx, statements), ...customerWrites(tx) }, track),
    addresses: guarded({ ...addressReads(tx, statements), ...addressWrites(tx) }, track),
    accounts: guarded({ ...accountReads(tx, statements), ...accountWrites(tx) }, track),
    legalEntities: guarded({ ...legalEntityReads(tx, statements), ...legalEntityWrites(tx) }, track),
    outbox: guarded(outboxWrites(tx), track),
  });

  let closing: Promise<void> | undefined;

  const store: Store = {
    kind: 'postgres',
    reads: readsOf(db),

    transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
      return track(async () => {
        try {
          return await db.transaction((tx) => work(transactionOf(tx)), { isolationLevel: 'read committed' });
        } catch (error) {
          throw storeError(error);
        }
      });
    },

    async isReady() {
      if (closing) return false;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
      });
      const ping = pool.query('SELECT 1').then(
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
        await pool.end();
      })();
      return closing;
    },
  };

  return {
    ...store,
    seedWriter: () => guarded(createSeedWriter(db, pool), track),
    query: (statement, params = []) =>
      track(async () => {
        try {
          // `?` placeholders, as SQLite's: numbered in order (tests' SQL has no `?` inside literals).
          let n = 0;
          const numbered = statement.replace(/\?/g, () => `$${++n}`);
          return (await pool.query(numbered, [...params])).rows as Record<string, unknown>[];
        } catch (error) {
          throw storeError(error);
        }
      }),
    explain: (statement, params) =>
      track(async () => {
        try {
          const result = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (FORMAT TEXT) ${statement}`, [...params]);
          return result.rows.map((row) => row['QUERY PLAN']);
        } catch (error) {
          throw storeError(error);
        }
      }),
  };
}
