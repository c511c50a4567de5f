/**
 * Whole-table rows of hot prepared selects, decoded by a mapper made once per table: a loop over the columns that
 * converts only those whose driver value differs from the row value (booleans, JSON). drizzle's generic mapping
 * (nested selections, type checks on every value) cost more than running the statement on a page of customers.
 */
import { columnsDecoder } from '../columns.js';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';

/** What this needs of a drizzle prepared select: its raw value rows, and its SQL (to check the column order). */
interface PreparedSelect {
  values(placeholders?: Record<string, unknown>): unknown[][];
  getQuery(): { sql: string };
}

/**
 * `prepared` must be `db.select().from(table)...prepare()`: every column of the table, in the table's order (checked
 * once against its SQL), then, with `rest`, other columns, which `rest` adds to each row. Returns `all`, which
 * answers as drizzle's `all` would, with the same values.
 */
export function tableRows<TTable extends SQLiteTable, R = TTable['$inferSelect']>(
  table: TTable,
  prepared: PreparedSelect,
  rest?: (row: TTable['$inferSelect'], values: readonly unknown[], offset: number) => R,
) {
  type Row = TTable['$inferSelect'];
  const decoder = columnsDecoder<Row>(table);
  const selectList = `select ${decoder.names.map((name) => `"${name}"`).join(', ')}${rest ? ', ' : ' from'}`;
  if (!prepared.getQuery().sql.startsWith(selectList)) {
    throw new Error(
      `tableRows: the query does not select the columns of the table in order: ${prepared.getQuery().sql}`,
    );
  }
  const width = decoder.names.length;
  const decode = rest
    ? (values: unknown[]) => rest(decoder.decode(values), values, width)
    : (values: unknown[]) => decoder.decode(values) as R;
  return {
    all: (placeholders?: Record<string, unknown>): R[] => prepared.values(placeholders).map(decode),
  };
}
