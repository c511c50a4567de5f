/** What every query module is given: the pool's database, or one open transaction (the same query builder). */
import { createHash } from 'node:crypto';
import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import type { NodePgQueryResultHKT } from 'drizzle-orm/node-postgres';
import type { PgDatabase } from 'drizzle-orm/pg-core';
import { PreparedCache } from '../prepared.js';

export type Db = PgDatabase<NodePgQueryResultHKT, Record<string, never>>;

/**
 * `ANY($n::type[])`: a batch of keys as one array parameter, so that a lookup is one statement whatever the number
 * of keys. (An array spliced into drizzle's sql template would become one parameter per key.)
 */
export const anyOf = (values: readonly (string | number)[], type: 'text' | 'bigint', bind: Bind = inline) =>
  sql`ANY(${bind(values)}::${sql.raw(type)}[])`;

/**
 * `expr` equal to one of the keys: `= $n` for one key, `= ANY($n)` for several; and which of the two (for the key of
 * a prepared statement). PostgreSQL's generic plan of `= ANY($n)` assumes an array of ten, so it keeps planning a
 * lookup of one key anew each time; the generic plan of `= $n` costs what a custom one does, and is kept.
 */
export function keyIn(expr: SQLWrapper, keys: readonly (string | number)[], type: 'text' | 'bigint', bind: Bind) {
  return keys.length === 1
    ? { sql: sql`${expr} = ${bind(keys[0])}::${sql.raw(type)}`, shape: 'one' }
    : { sql: sql`${expr} = ${anyOf(keys, type, bind)}`, shape: 'many' };
}

/** How a value enters a statement: as a parameter of its own ({@link inline}), or as a placeholder ({@link Params}). */
export type Bind = (value: unknown) => SQL;
/** The value as one parameter (an array too). */
export const inline: Bind = (value) => sql`${sql.param(value)}`;

/**
 * The values of one prepared statement's placeholders, named p0, p1, … in the order the SQL takes them: the same
 * shape of query always makes the same SQL text.
 */
export class Params {
  readonly values: Record<string, unknown> = {};
  private next = 0;
  readonly bind: Bind = (value) => {
    const name = `p${this.next++}`;
    this.values[name] = value;
    return sql`${sql.placeholder(name)}`;
  };
}

/** What {@link Statements} needs of a drizzle query: its SQL text, and a prepared statement under a name. */
export interface Preparable<T> {
  toSQL(): { sql: string };
  prepare(name: string): { execute(placeholders?: Record<string, unknown>): Promise<T> };
}

/** The most distinct statement names a store hands out: each lives on every connection that ran it, for good. */
const MAX_NAMES = 200;

/**
 * Named prepared statements, keyed by the shape of a query (as the SQLite store's PreparedCache): built once per
 * shape with `sql.placeholder(...)` for every value, and named after a hash of their SQL text, so that one name is
 * always one text. node-postgres prepares a named statement on each connection the first time it runs there and
 * then only binds it: PostgreSQL neither parses nor (once it settles on a generic plan) plans it again.
 *
 * Names are few: once {@link MAX_NAMES} are out, new shapes run unnamed (parsed and planned every time, as before),
 * and so do shapes marked `named: false` (a LIKE search, whose plan depends on the pattern: a generic plan could
 * choose badly for it).
 */
export class Statements {
  private readonly cache = new PreparedCache<{
    name: string;
    prepared: { execute(placeholders?: Record<string, unknown>): Promise<unknown> };
  }>(256);
  private readonly names = new Set<string>();

  constructor(private readonly root: Db) {}

  /**
   * Runs the statement of `key`, built by `build` (the same SQL for every call with that key), with `values` for
   * its placeholders. On the pool it is cached; in a transaction it is built on the transaction, under the name the
   * pool's has, so that it runs as the same prepared statement on the transaction's connection.
   */
  run<T>(
    on: Db,
    key: string,
    build: (db: Db) => Preparable<T>,
    values: Record<string, unknown>,
    { named = true }: { named?: boolean } = {},
  ): Promise<T> {
    const entry = this.cache.get(key, () => {
      const query = build(this.root);
      const name = named ? this.nameOf(query.toSQL().sql) : '';
      return { name, prepared: query.prepare(name) };
    });
    if (on === this.root) return entry.prepared.execute(values) as Promise<T>;
    return build(on).prepare(entry.name).execute(values);
  }

  private nameOf(text: string): string {
    const name = `cg_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    if (this.names.has(name)) return name;
    if (this.names.size >= MAX_NAMES) return '';
    this.names.add(name);
    return name;
  }
}
