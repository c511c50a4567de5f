/**
 * Whole-table rows of hot prepared selects, decoded by a mapper made once per table: a loop over the columns that
 * converts only those whose driver value differs from the row value (booleans, JSON). drizzle's generic mapping
 * (nested selections, type checks on every value) cost more than running the statement on a page of customers.
 */
import { Column, getTableColumns } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';

/** What this needs of a drizzle prepared select: its raw value rows, and its SQL (to check the column order). */
interface PreparedSelect {
  values(placeholders?: Record<string, unknown>): unknown[][];
  getQuery(): { sql: string };
}

type Decoder = (value: unknown) => unknown;

/**
 * `prepared` must be `db.select().from(table)...prepare()`: every column of the table, in the table's order (checked
 * once against its SQL). Returns `all`, which answers as drizzle's `all` would, with the same values.
 */
export function tableRows<TTable extends SQLiteTable>(table: TTable, prepared: PreparedSelect) {
  type Row = TTable['$inferSelect'];
  const columns = Object.entries(getTableColumns(table));
  const selectList = `select ${columns.map(([, column]) => `"${column.name}"`).join(', ')} from`;
  if (!prepared.getQuery().sql.startsWith(selectList)) {
    throw new Error(
      `tableRows: the query does not select the columns of the table in order: ${prepared.getQuery().sql}`,
    );
  }
  const keys = columns.map(([key]) => key);
  // Columns that keep the identity mapping of drizzle's Column need no call at all.
  const decoders = columns.map(([, column]): Decoder | undefined =>
    column.mapFromDriverValue === Column.prototype.mapFromDriverValue
      ? undefined
      : (value) => column.mapFromDriverValue(value),
  );
  const decode = (values: unknown[]): Row => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) {
      const value = values[i];
      const decoder = decoders[i];
      row[keys[i]!] = value === null || decoder === undefined ? value : decoder(value);
    }
    return row as Row;
  };
  return {
    all: (placeholders?: Record<string, unknown>): Row[] => prepared.values(placeholders).map(decode),
  };
}
