/**
 * The PostgreSQL tables: the store core's lists (src/store/core/tables.ts) in PostgreSQL's types. Times are epoch
 * milliseconds (bigint), JSON is `json` (kept as written: `mixins` must come back with its keys in their order).
 *
 * Text orders compare as SQLite's NOCASE does, whatever the database's locale: ASCII letters folded (lower() under
 * the "C" collation folds ASCII only), then byte order ("C"). The substring search index and its Unicode folding
 * need extensions, so they are hand-written: drizzle-postgres/0001_customer_search.sql.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  customType,
  index,
  integer,
  json,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { buildTables, type IndexExpressions } from '../core/tables.js';

/** Text compared byte by byte, as SQLite compares the customer number (its order breaks every tie). */
const binaryText = customType<{ data: string; driverData: string }>({ dataType: () => 'text COLLATE "C"' });

export const expressions: IndexExpressions = {
  sortKey: (column) => sql`lower(coalesce(${column}, '') COLLATE "C")`,
  emailKey: (column) => sql`lower(${column} COLLATE "C")`,
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
        return bigint(name, { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity();
      case 'ref':
        return bigint(name, { mode: 'number' }).references(referenced as never, { onDelete: 'cascade' });
      case 'text':
        return text(name);
      case 'code':
        return binaryText(name);
      case 'flag':
        return boolean(name);
      case 'int':
        return integer(name);
      case 'long':
      case 'time':
        return bigint(name, { mode: 'number' });
      case 'json':
        return json(name);
    }
  },
  table: (name, columns, extras) => pgTable(name, columns as never, extras as never),
  index: (i) => (i.unique ? uniqueIndex(i.name) : index(i.name)).on(...(i.on as [never])),
  primaryKey: (columns) => primaryKey({ columns: columns as never }),
  expressions,
});
