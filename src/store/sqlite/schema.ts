/**
 * The SQLite tables: the store core's lists (src/store/core/tables.ts) in SQLite's types, and the search index's
 * tenant numbers, which only this store has. Rows reference each other by the integer primary key (SQLite's rowid).
 */
import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { buildTables, type IndexExpressions } from '../core/tables.js';

export const expressions: IndexExpressions = {
  // CASE rather than ifnull: drizzle-kit splits index expressions at commas.
  sortKey: (column) => sql`(CASE WHEN ${column} IS NULL THEN '' ELSE ${column} END) COLLATE NOCASE`,
  emailKey: (column) => sql`lower(${column})`,
};

export const {
  customers,
  customerNumbers,
  addresses,
  accounts,
  legalEntities,
  customerLegalEntities,
  events,
  webhookEndpoints,
  webhookDeliveries,
} = buildTables({
  column(spec, name, referenced) {
    switch (spec.kind) {
      case 'key':
        return integer(name).primaryKey({ autoIncrement: true });
      case 'ref':
        return integer(name).references(referenced as never, { onDelete: 'cascade' });
      case 'text':
      case 'code':
        return text(name);
      case 'flag':
        return integer(name, { mode: 'boolean' });
      case 'int':
      case 'long':
      case 'time':
        return integer(name);
      case 'json':
        return text(name, { mode: 'json' });
    }
  },
  table: (name, columns, extras) => sqliteTable(name, columns as never, extras as never),
  index: (i) => (i.unique ? uniqueIndex(i.name) : index(i.name)).on(...(i.on as [never])),
  primaryKey: (columns) => primaryKey({ columns: columns as never }),
  expressions,
});

/**
 * A number for each tenant that has had customers, so that the search index keeps every tenant's rows in a range of
 * their own: a customer's row there is `(no << 40) | pk` (drizzle/0003_search_by_tenant.sql). The customers triggers
 * add a tenant with its first customer; a number is never removed, so never reused. The bound on `no` keeps that
 * rowid positive.
 */
export const searchTenants = sqliteTable(
  'search_tenants',
  {
    no: integer('no').primaryKey(),
    tenant: text('tenant').notNull(),
  },
  (t) => [
    uniqueIndex('search_tenants_tenant').on(t.tenant),
    check('search_tenants_no', sql`${t.no} BETWEEN 1 AND 8388607`),
  ],
);
