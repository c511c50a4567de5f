/** Legal entities (companies) and the customers' assignments to them. */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { LegalEntity, Membership, NewAssignment, NewLegalEntity, Reach } from '../../domain/store.js';
import type { Db } from './db.js';
import { sameTenant } from './planner.js';
import { customerLegalEntities, customers, legalEntities } from './schema.js';

export function createLegalEntityStore(db: Db) {
  const byCustomerPks = db
    .select({
      customerPk: customerLegalEntities.customerPk,
      assignmentId: customerLegalEntities.id,
      legalEntity: legalEntities,
    })
    .from(customerLegalEntities)
    .innerJoin(legalEntities, eq(legalEntities.pk, customerLegalEntities.legalEntityPk))
    .where(
      and(
        sameTenant(customerLegalEntities.tenant),
        sql`${customerLegalEntities.customerPk} IN (SELECT value FROM json_each(${sql.placeholder('keys')}))`,
      ),
    )
    .orderBy(customerLegalEntities.customerPk, asc(customerLegalEntities.createdAt), asc(customerLegalEntities.pk))
    .prepare();
  const byIds = db
    .select()
    .from(legalEntities)
    .where(
      and(
        eq(legalEntities.tenant, sql.placeholder('tenant')),
        sql`${legalEntities.id} IN (SELECT value FROM json_each(${sql.placeholder('keys')}))`,
      ),
    )
    .prepare();
  const byRegistration = db
    .select()
    .from(legalEntities)
    .where(
      and(
        eq(legalEntities.tenant, sql.placeholder('tenant')),
        eq(legalEntities.registrationId, sql.placeholder('registrationId')),
      ),
    )
    .prepare();
  // The legal entities of the customer acting with an own-scope token (only the named one, if any).
  const ofCustomerNumber = db
    .select({ legalEntity: legalEntities })
    .from(customerLegalEntities)
    .innerJoin(customers, eq(customers.pk, customerLegalEntities.customerPk))
    .innerJoin(legalEntities, eq(legalEntities.pk, customerLegalEntities.legalEntityPk))
    .where(
      and(eq(customers.tenant, sql.placeholder('tenant')), eq(customers.customerNumber, sql.placeholder('number'))),
    )
    .orderBy(asc(customerLegalEntities.pk))
    .prepare();

  return {
    async membershipsByCustomerPks(reach: Reach, customerPks: readonly number[]): Promise<Membership[]> {
      if (customerPks.length === 0) return [];
      return byCustomerPks.all({ tenant: reach.tenant, keys: JSON.stringify(customerPks) });
    },

    async byIds(reach: Reach, ids: readonly string[]): Promise<LegalEntity[]> {
      if (ids.length === 0) return [];
      return byIds.all({ tenant: reach.tenant, keys: JSON.stringify(ids) });
    },

    async byRegistrationId(reach: Reach, registrationId: string): Promise<LegalEntity | undefined> {
      return byRegistration.get({ tenant: reach.tenant, registrationId });
    },

    /** The caller's own company for an own-scope token: its legal entities, narrowed as the reach says. */
    async companyOf(reach: Reach): Promise<LegalEntity[]> {
      if (!reach.company) return [];
      const { customerNumber, legalEntityId } = reach.company;
      const rows = ofCustomerNumber.all({ tenant: reach.tenant, number: customerNumber }).map((r) => r.legalEntity);
      return legalEntityId ? rows.filter((entity) => entity.id === legalEntityId) : rows;
    },

    async getOrCreate(reach: Reach, values: NewLegalEntity & { registrationId: string }): Promise<LegalEntity> {
      return (
        byRegistration.get({ tenant: reach.tenant, registrationId: values.registrationId }) ??
        db
          .insert(legalEntities)
          .values({ ...values, tenant: reach.tenant })
          .returning()
          .get()
      );
    },

    /** Assigns the customer to the legal entity unless it already is; true when a row was added. */
    async assign(reach: Reach, values: NewAssignment): Promise<boolean> {
      const result = db
        .insert(customerLegalEntities)
        .values({ ...values, tenant: reach.tenant })
        .onConflictDoNothing({ target: [customerLegalEntities.customerPk, customerLegalEntities.legalEntityPk] })
        .run();
      return result.changes > 0;
    },

    async unassign(reach: Reach, customerPk: number, legalEntityPk: number): Promise<boolean> {
      const result = db
        .delete(customerLegalEntities)
        .where(
          and(
            eq(customerLegalEntities.tenant, reach.tenant),
            eq(customerLegalEntities.customerPk, customerPk),
            eq(customerLegalEntities.legalEntityPk, legalEntityPk),
          ),
        )
        .run();
      return result.changes > 0;
    },
  };
}

export type LegalEntityStore = ReturnType<typeof createLegalEntityStore>;
