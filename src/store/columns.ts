/**
 * A decoder of a table's rows from arrays of driver values (a statement's raw rows, or rows a statement built as
 * JSON arrays), shared by both stores: a loop over the columns that converts only those whose driver value differs
 * from the row value (booleans, JSON, bigints), as drizzle would map them. drizzle's generic mapping (nested
 * selections, type checks on every value) costs more than running the statement on a page of customers.
 */
import { Column, getTableColumns, type SQL, sql, type Table } from 'drizzle-orm';

type Decoder = (value: unknown) => unknown;

export function columnsDecoder<R>(table: Table) {
  const columns = Object.entries(getTableColumns(table));
  const keys = columns.map(([key]) => key);
  // Columns that keep the identity mapping of drizzle's Column need no call at all.
  const decoders = columns.map(([, column]): Decoder | undefined =>
    column.mapFromDriverValue === Column.prototype.mapFromDriverValue
      ? undefined
      : (value) => column.mapFromDriverValue(value),
  );
  return {
    /** The columns' names in the table's order. */
    names: columns.map(([, column]) => column.name),
    /** The row of the table's columns found from `offset` of `values`. */
    decode(values: readonly unknown[], offset = 0): R {
      const row: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) {
        const value = values[offset + i];
        const decoder = decoders[i];
        row[keys[i]!] = value === null || decoder === undefined ? value : decoder(value);
      }
      return row as R;
    },
  };
}

/**
 * The columns of `table` as `alias`'s, for a JSON array built in SQL (json_build_array, json_array), and the decoder
 * of such an array: how both stores' part columns (parts.ts) carry rows.
 */
export function jsonColumns<R>(
  table: Table,
  alias: string,
): { list: SQL; decode: (values: readonly unknown[], offset?: number) => R } {
  const decoder = columnsDecoder<R>(table);
  return { list: sql.raw(decoder.names.map((name) => `${alias}."${name}"`).join(', ')), decode: decoder.decode };
}
