/**
 * Opens the store that DATABASE_URL names: PostgreSQL for `postgres://` and `postgresql://` URLs, else the embedded
 * SQLite file. Both implement the domain's contract (src/domain/store.ts) on the store core (./core) and migrate at
 * open; beside it they bulk-load seed data (npm run seed, the benchmark, large test fixtures): whole customers written
 * without the domain for speed, exactly as the domain would have written them (versions, times, one default address).
 */
import type { Account, Address, Customer, LegalEntity, Store } from '../domain/store.js';
import type { AdmissionOptions, AdmissionState } from './core/admission.js';
import { openSqliteStore } from './sqlite/db.js';

/** `location`: a PostgreSQL URL, or the path of an SQLite file (`:memory:` for one that lives in this process). */
export async function openStore(location: string, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  if (/^postgres(ql)?:\/\//i.test(location)) {
    const { openPostgresStore } = await import('./postgres/index.js');
    return openPostgresStore(location, options);
  }
  return openSqliteStore(location, options);
}

/** A row to seed: the fields that can be NULL may be left out (a new nullable column needs no seed data). */
type Seeded<Row> = { [K in keyof Row as null extends Row[K] ? never : K]: Row[K] } & {
  [K in keyof Row as null extends Row[K] ? K : never]?: Row[K];
};
export type SeedCustomerRow = Seeded<Omit<Customer, 'pk' | 'tenant'>>;
export type SeedAddressRow = Seeded<Omit<Address, 'pk' | 'tenant' | 'customerPk'>>;
export type SeedAccountRow = Omit<Account, 'pk' | 'tenant' | 'customerPk'>;
export type SeedLegalEntityRow = Omit<LegalEntity, 'pk' | 'tenant'>;

export interface SeedCustomer {
  customer: SeedCustomerRow;
  addresses: readonly SeedAddressRow[];
  accounts: readonly SeedAccountRow[];
  /** The customer's assignment to a legal entity; the entity is inserted with its first member. */
  membership?: { entity: SeedLegalEntityRow; assignmentId: string; createdAt: number } | undefined;
}

/** The public keys already used in a tenant, which new seed data must not repeat. */
export interface TakenKeys {
  customerNumbers: Set<string>;
  /** Lower-cased, as the unique index compares them. */
  emails: Set<string>;
  addressIds: Set<string>;
  accountIds: Set<string>;
  legalEntityIds: Set<string>;
  registrationIds: Set<string>;
  assignmentIds: Set<string>;
}

export interface SeedWriter {
  /** Writes the customers in one transaction: all of them, or (on an error) none. */
  write(tenant: string, batch: readonly SeedCustomer[]): Promise<void>;
  takenKeys(tenant: string): Promise<TakenKeys>;
  /** Settings for a large load (caches); optional work a store may skip. */
  prepareForBulkLoad(): Promise<void>;
  /** Ends a large load: compacts indexes and refreshes planner statistics, so that reads are fast right after. */
  finishBulkLoad(): Promise<void>;
}

/** A store as the process opens it: the domain's contract, plus what the CLI and tests need. */
export interface OpenedStore extends Store {
  /** The admission of expensive reads right now (for /metrics); undefined without admission. */
  admission(): AdmissionState | undefined;
  seedWriter(): SeedWriter;
  /**
   * Runs raw SQL of this store's dialect, with `?` placeholders, and answers its rows: for tests and operators'
   * scripts, never for requests.
   */
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** The plan the database picks for a statement (as `onQuery` saw it run), one line per node: for the index tests. */
  explain(sql: string, params: readonly unknown[]): Promise<string[]>;
}

export interface OpenStoreOptions {
  /** Called once for every SQL statement executed (the db_statements_total metric and the tests' counts). */
  onStatement?: () => void;
  /** Called instead of onStatement for the relay's statements (Store.relay): work of no request. */
  onBackgroundStatement?: () => void;
  /** Called after each commit that appended events, with how many (the events_appended_total metric). */
  onEventsCommitted?: (count: number) => void;
  /** Called with the SQL and parameters of every statement run (tests capture them to EXPLAIN them). */
  onQuery?: (sql: string, params: readonly unknown[]) => void;
  /** PostgreSQL: connections in the pool (DATABASE_POOL_SIZE). */
  poolSize?: number;
  /** PostgreSQL: the statement_timeout of every connection, in milliseconds (DATABASE_STATEMENT_TIMEOUT_MS). */
  statementTimeoutMs?: number;
  /**
   * SQLite: the threads that run expensive reads, each on a read connection of its own (DATABASE_READ_WORKERS);
   * none: they run on the reader, as every other read.
   */
  readWorkers?: number;
  /**
   * The admission of expensive reads (ADMISSION_*); `total` undefined: half the pool, or the read workers. None:
   * every read runs at once (the command-line tools, which serve no tenants).
   */
  admission?: AdmissionOptions | undefined;
}
