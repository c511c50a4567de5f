import { sql, type Column, type SQL } from 'drizzle-orm';

/**
 * Unary plus keeps an expression's value (and collation) but hides it from the planner's index matching. Without
 * statistics SQLite may pick the wider (tenant, ...) index over the selective one a query is built for (e.g. a
 * batch of customer pks), and walk a whole tenant: the tenant condition still filters, it just does not lead.
 */
export const unindexed = (expr: SQL) => sql`+(${expr})`;

/** `column = tenant placeholder`, as a filter only: for queries that an index on another column leads. */
export const sameTenant = (column: Column, tenant: unknown = sql.placeholder('tenant')) =>
  sql`${unindexed(sql`${column}`)} = ${tenant}`;
