/** Legal entities (companies) and the customers' assignments to them. */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { StoreReads, Transaction } from '../../domain/store.js';
import { anyOf, type Db, keyIn, Params, type Statements } from './db.js';
import { customerLegalEntities, customers, legalEntities } from './schema.js';

export function legalEntityReads(db: Db, statements: Statements): StoreReads['legalEntities'] {
  return {
    async membershipsByCustomerPks(reach, customerPks) {
      if (customerPks.length === 0) return [];
      const { bind, values } = new Params();
      const keys = keyIn(customerLegalEntities.customerPk, customerPks, 'bigint', bind);
      const where = and(eq(customerLegalEntities.tenant, bind(reach.tenant)), keys.sql);
      return statements.run(
        db,
        `legalEntities.membershipsByCustomerPks|${keys.shape}`,
        (on) =>
          on
            .select({
              customerPk: customerLegalEntities.customerPk,
              assignmentId: customerLegalEntities.id,
              legalEntity: legalEntities,
            })
            .from(customerLegalEntities)
            .innerJoin(legalEntities, eq(legalEntities.pk, customerLegalEntities.legalEntityPk))
            .where(where)
            .orderBy(
              customerLegalEntities.customerPk,
              asc(customerLegalEntities.createdAt),
              asc(customerLegalEntities.pk),
            ),
        values,
      );
    },

    async byIds(reach, ids) {
      if (ids.length === 0) return [];
      return db
        .select()
        .from(legalEntities)
        .where(and(eq(legalEntities.tenant, reach.tenant), sql`${legalEntities.id} = ${anyOf(ids, 'text')}`));
    },

    async companyOf(reach) {
      if (!reach.company) return [];
      const { customerNumber, legalEntityId } = reach.company;
      const rows = await db
        .select({ legalEntity: legalEntities })
        .from(customerLegalEntities)
        .innerJoin(customers, eq(customers.pk, customerLegalEntities.customerPk))
        .innerJoin(legalEntities, eq(legalEntities.pk, customerLegalEntities.legalEntityPk))
        .where(and(eq(customers.tenant, reach.tenant), eq(customers.customerNumber, customerNumber)))
        .orderBy(asc(customerLegalEntities.pk));
      const entities = rows.map((row) => row.legalEntity);
      return legalEntityId ? entities.filter((entity) => entity.id === legalEntityId) : entities;
    },
  };
}

type LegalEntityWrites = Omit<Transaction['legalEntities'], keyof StoreReads['legalEntities']>;

export function legalEntityWrites(db: Db): LegalEntityWrites {
  const byRegistrationId = async (tenant: string, registrationId: string) => {
    const [row] = await db
      .select()
      .from(legalEntities)
      .where(and(eq(legalEntities.tenant, tenant), eq(legalEntities.registrationId, registrationId)));
    return row;
  };
  return {
    byRegistrationId: (reach, registrationId) => byRegistrationId(reach.tenant, registrationId),

    async getOrCreate(reach, values) {
      // A racing transaction's insert of the same registration id makes this one wait for its commit, and then do
      // nothing; the select after it (a new snapshot under READ COMMITTED) sees that entity.
      const [inserted] = await db
        .insert(legalEntities)
        .values({ ...values, tenant: reach.tenant })
        .onConflictDoNothing({ target: [legalEntities.tenant, legalEntities.registrationId] })
        .returning();
      if (inserted) return inserted;
      const existing = await byRegistrationId(reach.tenant, values.registrationId);
      if (!existing) throw new Error(`The legal entity ${values.registrationId} conflicted, yet is not there.`);
      return existing;
    },

    async assign(reach, values) {
      const added = await db
        .insert(customerLegalEntities)
        .values({ ...values, tenant: reach.tenant })
        .onConflictDoNothing()
        .returning({ pk: customerLegalEntities.pk });
      return added.length > 0;
    },

    async unassign(reach, customerPk, legalEntityPk) {
      const removed = await db
        .delete(customerLegalEntities)
        .where(
          and(
            eq(customerLegalEntities.tenant, reach.tenant),
            eq(customerLegalEntities.customerPk, customerPk),
            eq(customerLegalEntities.legalEntityPk, legalEntityPk),
          ),
        )
        .returning({ pk: customerLegalEntities.pk });
      return removed.length > 0;
    },
  };
}
