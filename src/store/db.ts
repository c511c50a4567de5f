/** Opens the SQLite database, sets its pragmas, applies the drizzle-kit migrations and counts statements. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';

/** The drizzle database, with the better-sqlite3 connection underneath (`$client`) for SQL functions. */
export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export interface Store {
  readonly db: Db;
  readonly sqlite: Database.Database;
  /** True while the database answers a trivial query. */
  isReady(): boolean;
  close(): void;
}

export interface OpenStoreOptions {
  /** Called once for every SQL statement executed (better-sqlite3's `verbose` hook). */
  onStatement?: () => void;
}

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

export function openStore(path: string, options: OpenStoreOptions = {}): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const onStatement = options.onStatement;
  const sqlite = new Database(path, onStatement ? { verbose: () => onStatement() } : {});
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder });
  const ping = sqlite.prepare('SELECT 1');
  return {
    db,
    sqlite,
    isReady() {
      try {
        return sqlite.open && ping.pluck().get() === 1;
      } catch {
        return false;
      }
    },
    close() {
      if (sqlite.open) sqlite.close();
    },
  };
}
