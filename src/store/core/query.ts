/**
 * How the store core hands statements to a dialect's connection: SQL built with drizzle's `sql` template, every value
 * a named placeholder (so that one shape of query is always one SQL text, prepared once), and rows answered as
 * arrays of driver values, which the core decodes by the table's columns.
 */
import { Column, getTableColumns, type SQL, sql, type Table } from 'drizzle-orm';
import { LRUCache } from 'lru-cache';

/** How a value enters a statement: as the next placeholder of the query being built. */
export type Bind = (value: unknown) => SQL;

/** The values of one statement's placeholders, named p0, p1, … in the order its SQL takes them. */
export class Params {
  readonly values: Record<string, unknown> = {};
  private next = 0;
  readonly bind: Bind = (value) => {
    const name = `p${this.next++}`;
    this.values[name] = value;
    return sql.placeholder(name) as unknown as SQL;
  };
}

export interface Query {
  readonly sql: SQL;
  readonly values: Record<string, unknown>;
  /**
   * The statement's shape: every query with this key has the same SQL text, so it is compiled and prepared once.
   * Without one the statement is compiled for this call only.
   */
  readonly key?: string | undefined;
  /** Its best plan depends on a value (a LIKE pattern): PostgreSQL plans it for each call instead of once. */
  readonly planPerCall?: boolean | undefined;
}

/** A connection (or an open transaction's) as the core uses it. */
export interface Executor {
  /** The rows of a statement, each an array of driver values in the order of its select list. */
  all(query: Query): Promise<unknown[][]>;
  /** Runs a statement that answers no rows: how many rows it changed. */
  run(query: Query): Promise<number>;
}

/** `compile` run once per statement key (a query's shape), least recently used shapes dropped; keyless each time. */
export function compiledOnce<T>(compile: (query: Query) => T): (query: Query) => T {
  const cache = new LRUCache<string, T & {}, Query>({
    max: 256,
    memoMethod: (_key, _stale, { context }) => compile(context) as T & {},
  });
  return (query) => (query.key === undefined ? compile(query) : cache.memo(query.key, { context: query }));
}

type Decoder = (value: unknown) => unknown;

/**
 * A table's rows from arrays of driver values (a statement's rows, or rows a statement built as JSON arrays): a loop
 * over the columns that converts only those whose driver value differs from the row value (booleans, JSON, bigints),
 * as drizzle would map them, without drizzle's generic mapping, which costs more than running a page's statement.
 */
export function rowsOf<R>(table: Table): RowsOf<R> {
  const rows = known.get(table) ?? decoderOf(table);
  known.set(table, rows);
  return rows as RowsOf<R>;
}

type RowsOf<R> = Omit<ReturnType<typeof decoderOf>, 'decode'> & {
  decode(values: readonly unknown[], offset?: number): R;
};
const known = new WeakMap<Table, ReturnType<typeof decoderOf>>();

function decoderOf(table: Table) {
  const entries = Object.entries(getTableColumns(table));
  const fields = entries.map(([field]) => field);
  const decoders = entries.map(([, column]): Decoder | undefined =>
    column.mapFromDriverValue === Column.prototype.mapFromDriverValue
      ? undefined
      : (value) => column.mapFromDriverValue(value),
  );
  const columns = entries.map(([, column]) => column);
  return {
    /** The table's columns in its order, as a select list (qualified by the table's name). */
    list: sql.join(columns, sql`, `),
    /** The same columns under a subquery's alias, for a JSON array built in SQL. */
    aliased: (alias: string) => sql.raw(columns.map((column) => `${alias}."${column.name}"`).join(', ')),
    width: fields.length,
    /** The row of the table's columns found from `offset` of `values`. */
    decode(values: readonly unknown[], offset = 0): unknown {
      const row: Record<string, unknown> = {};
      for (let i = 0; i < fields.length; i++) {
        const value = values[offset + i];
        const decoder = decoders[i];
        row[fields[i]!] = value === null || decoder === undefined ? value : decoder(value);
      }
      return row;
    },
  };
}

/** The shape of a list of keys that the SQL of `oneOf` depends on: one, or many. */
export const arity = (values: readonly unknown[]) => (values.length === 1 ? 'one' : 'many');

/** A value as the column stores it (booleans as SQLite's 0/1, JSON as text), for a statement's placeholder. */
export const encoded = (column: Column, value: unknown): unknown =>
  value === null || value === undefined ? null : column.mapToDriverValue(value);
