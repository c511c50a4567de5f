/** PostgreSQL's words for the store core (src/store/core/dialect.ts): casts, arrays, JSON, the trigram search. */
import { type SQL, sql } from 'drizzle-orm';
import type { Dialect } from '../core/dialect.js';
import * as schema from './schema.js';

const { expressions, ...tables } = schema;

/**
 * The channels on which a commit that appended events names their tenant (store/postgres/index.ts listens): the
 * second when the events also made webhook deliveries.
 */
export const EVENTS_CHANNEL = 'customer_events';
export const DELIVERIES_CHANNEL = 'customer_events_deliveries';

/** A LIKE pattern that matches `text` literally (backslash is LIKE's default escape). */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** `text` folded in every script, by ICU's root collation (whatever the database's default). */
const folded = (text: SQL) => sql`lower(${text} COLLATE "und-x-icu")`;
const containing = (value: string, bind: (value: unknown) => SQL) =>
  sql`('%' || ${folded(sql`${bind(escapeLike(value))}::text`)} || '%')`;

/**
 * The searched text, the very expression of the GIN index in drizzle-postgres/0001_customer_search.sql (the planner
 * matches expressions, not names): the columns joined by chr(31), which a search cannot contain.
 */
const { customers } = tables;
const SEARCH_TEXT = folded(sql`(${customers.customerNumber} || chr(31) || coalesce(${customers.firstName}, '')
  || chr(31) || coalesce(${customers.lastName}, '') || chr(31) || coalesce(${customers.company}, '')
  || chr(31) || coalesce(${customers.contactEmail}, ''))`);

export const postgresDialect: Dialect = {
  tables,
  expressions,
  lead: (expr) => expr,
  // `= $1` for one key, `= ANY($1)` for several: the generic plan of `= ANY($n)` assumes an array of ten, so a
  // lookup of one key would be planned anew each time, while that of `= $n` is kept.
  oneOf: (expr, values, type, bind) =>
    values.length === 1
      ? sql`${expr} = ${bind(values[0])}::${sql.raw(type)}`
      : sql`${expr} = ANY(${bind(values)}::${sql.raw(type)}[])`,
  typed: (value, type) => sql`${value}::${sql.raw(type)}`,
  contains: (expr, value, bind) => sql`${folded(expr)} LIKE ${containing(value, bind)}`,
  // pg_trgm answers a pattern of three characters or more from its trigrams; a shorter one is checked on the rows
  // the other conditions leave.
  search: (_tenant, term, bind) => sql`${SEARCH_TEXT} LIKE ${containing(term, bind)}`,
  mixin(column, path, test, bind) {
    // `json -> text` answers NULL on an array, so a path names object keys only; a key present with the value null
    // answers JSON null, which is not SQL NULL.
    const at = path.reduce<SQL>((json, key) => sql`(${json} -> ${bind(key)}::text)`, sql`${column}`);
    if (test.op !== 'eq') return test.op === 'exists' ? sql`${at} IS NOT NULL` : sql`${at} IS NULL`;
    const text = sql`(${at} #>> '{}')`;
    if (typeof test.value === 'boolean') {
      return sql`json_typeof(${at}) = 'boolean' AND ${text} = ${bind(String(test.value))}::text`;
    }
    if (typeof test.value === 'number') {
      return sql`json_typeof(${at}) = 'number' AND ${text}::numeric = ${bind(String(test.value))}::numeric`;
    }
    return sql`json_typeof(${at}) = 'string' AND ${text} = ${bind(test.value)}::text`;
  },
  jsonTable: (json, alias, columns) =>
    sql`json_to_recordset(${json}::json) AS ${sql.raw(alias)}(${sql.raw(columns.map(([name, type]) => `${name} ${type}`).join(', '))})`,
  jsonRows: (values, orderBy) => sql`json_agg(json_build_array(${values}) ORDER BY ${orderBy})`,
  // Only the customers row is locked, not the membership rows its reach reads.
  forUpdate: sql` FOR UPDATE OF ${customers}`,
  // xid8 as text, then bigint: epoch and id, which grows with every transaction that writes.
  transactionId: sql`pg_current_xact_id()::text::bigint`,
  settledTransactions: sql`pg_snapshot_xmin(pg_current_snapshot())::text::bigint`,
  skipLocked: (alias) => sql` FOR UPDATE OF ${alias} SKIP LOCKED`,
  // Delivered at commit, dropped on rollback; identical ones in one transaction fold into one.
  signalEvents: (tenant, deliveries) =>
    sql`SELECT pg_notify('${sql.raw(deliveries ? DELIVERIES_CHANNEL : EVENTS_CHANNEL)}', ${tenant}::text)`,
  rowValueSeek: true,
  // Each statement saved is a round trip.
  partsOnPages: true,
};
