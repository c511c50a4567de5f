/** What every query module is given: the pool's database, or one open transaction (the same query builder). */
import { sql } from 'drizzle-orm';
import type { NodePgQueryResultHKT } from 'drizzle-orm/node-postgres';
import type { PgDatabase } from 'drizzle-orm/pg-core';

export type Db = PgDatabase<NodePgQueryResultHKT, Record<string, never>>;

/**
 * `ANY($n::type[])`: a batch of keys as one array parameter, so that a lookup is one statement whatever the number
 * of keys. (An array spliced into drizzle's sql template would become one parameter per key.)
 */
export const anyOf = (values: readonly (string | number)[], type: 'text' | 'bigint') =>
  sql`ANY(${sql.param(values)}::${sql.raw(type)}[])`;
