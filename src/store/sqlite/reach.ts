import { sql, type SQL } from 'drizzle-orm';
import type { Reach } from '../../domain/store.js';
import { sameTenant } from './planner.js';
import { customers } from './schema.js';

export type ReachShape = 'tenant' | 'company' | 'entity';

/** The shape of a reach (not its values): the key under which its prepared statements are cached. */
export function reachShape(reach: Reach): ReachShape {
  if (!reach.company) return 'tenant';
  return reach.company.legalEntityId ? 'entity' : 'company';
}

/** Placeholder values for {@link customerInReach}. */
export function reachValues(reach: Reach): Record<string, string> {
  const values: Record<string, string> = { tenant: reach.tenant };
  if (reach.company) {
    values.reachCustomer = reach.company.customerNumber;
    if (reach.company.legalEntityId) values.reachEntity = reach.company.legalEntityId;
  }
  return values;
}

/**
 * "This customers row is within reach", with placeholders `tenant`, `reachCustomer` and `reachEntity`. Without
 * `tenantIndexed` the tenant is still checked on every row, but no tenant-led index may answer the query (unary
 * plus), so that a small set of pks given by another condition leads instead.
 */
export function customerInReach(shape: ReachShape, { tenantIndexed }: { tenantIndexed: boolean }): SQL {
  const tenant = tenantIndexed ? sql`${customers.tenant} = ${sql.placeholder('tenant')}` : sameTenant(customers.tenant);
  if (shape === 'tenant') return tenant;
  const narrowToEntity =
    shape === 'entity'
      ? sql` AND mine.legal_entity_pk = (SELECT e.pk FROM legal_entities e
          WHERE e.tenant = ${sql.placeholder('tenant')} AND e.id = ${sql.placeholder('reachEntity')})`
      : sql``;
  return sql`(${tenant} AND ${customers.pk} IN (
    SELECT theirs.customer_pk FROM customer_legal_entities theirs WHERE theirs.legal_entity_pk IN (
      SELECT mine.legal_entity_pk FROM customer_legal_entities mine
      JOIN customers me ON me.pk = mine.customer_pk
      WHERE me.tenant = ${sql.placeholder('tenant')} AND me.customer_number = ${sql.placeholder('reachCustomer')}${narrowToEntity})))`;
}
