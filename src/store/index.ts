/**
 * Opens the store that DATABASE_URL names: PostgreSQL for `postgres://` and `postgresql://` URLs, else the embedded
 * SQLite file. Both implement the domain's contract (src/domain/store.ts) and migrate at open.
 */
import type { OpenedStore, OpenStoreOptions } from './seeding.js';
import { openSqliteStore } from './sqlite/db.js';

export type { OpenedStore, OpenStoreOptions, SeedWriter } from './seeding.js';

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** `location`: a PostgreSQL URL, or the path of an SQLite file (`:memory:` for one that lives in this process). */
export async function openStore(location: string, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  if (isPostgresUrl(location)) {
    const { openPostgresStore } = await import('./postgres/index.js');
    return openPostgresStore(location, options);
  }
  return openSqliteStore(location, options);
}
