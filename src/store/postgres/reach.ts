import { sql, type SQL } from 'drizzle-orm';
import type { Reach } from '../../domain/store.js';
import { customers } from './schema.js';

/**
 * "This customers row is within reach": the tenant, and for an own-scope customer token only the customers that
 * share a legal entity with the caller (only `legalEntityId` when the token names one), as the SQLite store says.
 * The other customers are not there at all, so lookups, lists and counts cannot tell them from missing ones.
 */
export function customerInReach(reach: Reach): SQL {
  const tenant = sql`${customers.tenant} = ${reach.tenant}`;
  const company = reach.company;
  if (!company) return tenant;
  const narrowToEntity = company.legalEntityId
    ? sql` AND mine.legal_entity_pk = (SELECT e.pk FROM legal_entities e
        WHERE e.tenant = ${reach.tenant} AND e.id = ${company.legalEntityId})`
    : sql``;
  return sql`(${tenant} AND ${customers.pk} IN (
    SELECT theirs.customer_pk FROM customer_legal_entities theirs WHERE theirs.legal_entity_pk IN (
      SELECT mine.legal_entity_pk FROM customer_legal_entities mine
      JOIN customers me ON me.pk = mine.customer_pk
      WHERE me.tenant = ${reach.tenant} AND me.customer_number = ${company.customerNumber}${narrowToEntity})))`;
}
