import { sql, type SQL } from 'drizzle-orm';
import type { Reach } from '../../domain/store.js';
import { type Bind, inline } from './db.js';
import { customers } from './schema.js';

/** The shape of a reach (not its values): part of the key of the prepared statements that check it. */
export function reachShape(reach: Reach): string {
  if (!reach.company) return 'tenant';
  return reach.company.legalEntityId ? 'entity' : 'company';
}

/**
 * "This customers row is within reach": the tenant, and for an own-scope customer token only the customers that
 * share a legal entity with the caller (only `legalEntityId` when the token names one), as the SQLite store says.
 * The other customers are not there at all, so lookups, lists and counts cannot tell them from missing ones.
 * Its SQL text depends on {@link reachShape} only; the values enter through `bind`.
 */
export function customerInReach(reach: Reach, bind: Bind = inline): SQL {
  const tenant = sql`${customers.tenant} = ${bind(reach.tenant)}`;
  const company = reach.company;
  if (!company) return tenant;
  const narrowToEntity = company.legalEntityId
    ? sql` AND mine.legal_entity_pk = (SELECT e.pk FROM legal_entities e
        WHERE e.tenant = ${bind(reach.tenant)} AND e.id = ${bind(company.legalEntityId)})`
    : sql``;
  return sql`(${tenant} AND ${customers.pk} IN (
    SELECT theirs.customer_pk FROM customer_legal_entities theirs WHERE theirs.legal_entity_pk IN (
      SELECT mine.legal_entity_pk FROM customer_legal_entities mine
      JOIN customers me ON me.pk = mine.customer_pk
      WHERE me.tenant = ${bind(reach.tenant)} AND me.customer_number = ${bind(company.customerNumber)}${narrowToEntity})))`;
}
