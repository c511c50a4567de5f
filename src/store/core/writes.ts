/**
 * Row writes that every table shares: insert (DO NOTHING on a taken unique key, so that the transaction stays usable
 * and the domain answers CONFLICT), update and delete of a tenant's row by key.
 */
import { getTableColumns, getTableName, type SQL, sql, type Table } from 'drizzle-orm';
import type { Reach } from '../../domain/store.js';
import { type Bind, encoded, type Executor, Params, rowsOf } from './query.js';

type KeyedTable = Table & { tenant: unknown; pk: unknown };

/** The fields of `row` that are not undefined: their column names and their values' placeholders. */
function assignments(table: Table, row: object, bind: Bind) {
  const columns = getTableColumns(table);
  const entries = Object.entries(row).filter(([, value]) => value !== undefined);
  return {
    fields: entries.map(([field]) => field).join(','),
    names: entries.map(([field]) => sql.identifier(columns[field]!.name)),
    values: entries.map(([field, value]) => bind(encoded(columns[field]!, value))),
  };
}

const ofTenant = (table: KeyedTable, reach: Reach, pk: number, bind: Bind) =>
  sql`${table.tenant} = ${bind(reach.tenant)} AND ${table.pk} = ${bind(pk)}`;

/** Inserts the row and answers it; undefined when a unique key of it is taken (only `conflict`'s, when given). */
export async function insertRow<R>(exec: Executor, table: Table, row: object, conflict?: SQL): Promise<R | undefined> {
  const { bind, values } = new Params();
  const set = assignments(table, row, bind);
  const decoder = rowsOf(table);
  const [inserted] = await exec.all({
    key: `${getTableName(table)}.insert|${set.fields}|${conflict ? 'target' : ''}`,
    sql: sql`INSERT INTO ${table} (${sql.join(set.names, sql`, `)}) VALUES (${sql.join(set.values, sql`, `)})
      ON CONFLICT ${conflict ?? sql``} DO NOTHING RETURNING ${decoder.list}`,
    values,
  });
  return inserted && (decoder.decode(inserted) as R);
}

/** Sets the fields of `changes` that are not undefined on the tenant's row `pk`, and answers the row. */
export async function updateRow<R>(
  exec: Executor,
  table: KeyedTable,
  reach: Reach,
  pk: number,
  changes: object,
): Promise<R> {
  const { bind, values } = new Params();
  const set = assignments(table, changes, bind);
  const decoder = rowsOf(table);
  const where = ofTenant(table, reach, pk, bind);
  const [row] = await exec.all(
    set.names.length === 0
      ? { key: `${getTableName(table)}.byPk`, sql: sql`SELECT ${decoder.list} FROM ${table} WHERE ${where}`, values }
      : {
          key: `${getTableName(table)}.update|${set.fields}`,
          sql: sql`UPDATE ${table} SET ${sql.join(
            set.names.map((name, i) => sql`${name} = ${set.values[i]}`),
            sql`, `,
          )} WHERE ${where} RETURNING ${decoder.list}`,
          values,
        },
  );
  if (!row) throw new Error(`No ${getTableName(table)} row ${pk} in tenant ${reach.tenant} to update.`);
  return decoder.decode(row) as R;
}

/** Deletes the tenant's row `pk`: whether there was one. */
export async function deleteRow(exec: Executor, table: KeyedTable, reach: Reach, pk: number): Promise<boolean> {
  const { bind, values } = new Params();
  const changed = await exec.run({
    key: `${getTableName(table)}.delete`,
    sql: sql`DELETE FROM ${table} WHERE ${ofTenant(table, reach, pk, bind)}`,
    values,
  });
  return changed > 0;
}
