/** SQLite's words for the store core (src/store/core/dialect.ts): JSON functions, the FTS5 search, planner hints. */
import { sql } from 'drizzle-orm';
import { isIndexedSearch } from '../core/customers.js';
import type { Dialect } from '../core/dialect.js';
import * as schema from './schema.js';

/** A function of each connection (db.ts): SQLite's lower() folds ASCII only, this folds every script, as FTS5 does. */
export const FOLD = 'customer_search_fold';
/** What FOLD does; plain JavaScript, as the read workers define it from its text (read-workers.ts). */
export const fold = (text: unknown) => (typeof text === 'string' ? text.toLowerCase() : text);

/**
 * A customer's row in the search index is `(tenant no << 40) | pk` (a pk needs far fewer than 40 bits;
 * drizzle/0003_search_by_tenant.sql), so a tenant's rows are one rowid range, and FTS5 seeks every term's list to it:
 * a search never walks another tenant's matches. CROSS JOIN keeps the tenant's number the outer loop, which is what
 * lets FTS5 take the range's bounds; a tenant without customers has no number, so the index is not asked at all.
 */
const PK_MASK = sql.raw(String(2 ** 40 - 1));
const TENANT_LOW = sql`(${schema.searchTenants.no} << 40)`;

const { searchTenants: _, expressions, ...tables } = schema;

export const sqliteDialect: Dialect = {
  tables,
  expressions,
  // Unary plus keeps a value (and its collation) but hides it from index matching: without statistics SQLite may
  // pick a wider (tenant, ...) index over the selective one and walk a whole tenant.
  lead: (expr, leads) => (leads ? expr : sql`+(${expr})`),
  // A batch is one JSON array, so that one statement serves any number of keys; one key compares with `=`.
  oneOf: (expr, values, _type, bind) =>
    values.length === 1
      ? sql`${expr} = ${bind(values[0])}`
      : sql`${expr} IN (SELECT value FROM json_each(${bind(JSON.stringify(values))}))`,
  typed: (value) => value,
  contains: (expr, value, bind) => sql`instr(${sql.raw(FOLD)}(${expr}), ${bind(value.toLowerCase())}) > 0`,
  search(tenant, term, bind) {
    const { customers } = tables;
    if (!isIndexedSearch(term)) {
      const needle = bind(term.toLowerCase());
      const columns = [
        customers.customerNumber,
        customers.firstName,
        customers.lastName,
        customers.company,
        customers.contactEmail,
      ];
      return sql`(${sql.join(
        columns.map((column) => sql`instr(${sql.raw(FOLD)}(${column}), ${needle}) > 0`),
        sql` OR `,
      )})`;
    }
    // One FTS5 phrase: the trigram tokenizer makes it a case-insensitive substring match; quotes are doubled.
    return sql`${customers.pk} IN (SELECT customers_search.rowid & ${PK_MASK} FROM ${schema.searchTenants}
      CROSS JOIN customers_search WHERE ${schema.searchTenants.tenant} = ${bind(tenant)}
      AND customers_search MATCH ${bind(`"${term.replaceAll('"', '""')}"`)}
      AND customers_search.rowid BETWEEN ${TENANT_LOW} AND (${TENANT_LOW} | ${PK_MASK}))`;
  },
  mixin(column, path, test, bind) {
    // Each key quoted: a path never indexes an array (keys are letters, digits, _ and -, as the q parser allows).
    const at = bind(`$${path.map((key) => `."${key}"`).join('')}`);
    const type = sql`json_type(${column}, ${at})`;
    if (test.op !== 'eq') return test.op === 'exists' ? sql`${type} IS NOT NULL` : sql`${type} IS NULL`;
    if (typeof test.value === 'boolean') return sql`${type} = ${bind(String(test.value))}`;
    const types = typeof test.value === 'number' ? sql`IN ('integer', 'real')` : sql`= 'text'`;
    return sql`${type} ${types} AND json_extract(${column}, ${at}) = ${bind(test.value)}`;
  },
  // json_extract answers an object or array as its JSON text, which is how SQLite keeps a JSON column.
  jsonTable: (json, alias, columns) =>
    sql`(SELECT ${sql.raw(columns.map(([name]) => `json_extract(value, '$.${name}') AS ${name}`).join(', '))}
      FROM json_each(${json})) AS ${sql.raw(alias)}`,
  jsonRows: (values, orderBy) => sql`json_group_array(json_array(${values}) ORDER BY ${orderBy})`,
  forUpdate: sql``,
  transactionId: sql`0`,
  skipLocked: () => sql``,
  // SQLite does not seek an index to a row-value comparison of a NOCASE expression.
  rowValueSeek: false,
  // A sorted page would build every match's parts before its limit; the part reads' batches cost no more.
  partsOnPages: false,
};
