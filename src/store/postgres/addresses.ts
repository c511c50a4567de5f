/** Address rows: batched by customer, and the writes behind the address mutations. */
import { and, asc, desc, eq, ne, sql } from 'drizzle-orm';
import type { Reach, StoreReads, Transaction } from '../../domain/store.js';
import { anyOf, type Db, keyIn, Params, type Statements } from './db.js';
import { addresses } from './schema.js';

export function addressReads(db: Db, statements: Statements): StoreReads['addresses'] {
  return {
    async byCustomerPks(reach, customerPks) {
      if (customerPks.length === 0) return [];
      const { bind, values } = new Params();
      const keys = keyIn(addresses.customerPk, customerPks, 'bigint', bind);
      const where = and(eq(addresses.tenant, bind(reach.tenant)), keys.sql);
      // Default first, then oldest first: the order `Customer.addresses` promises.
      return statements.run(
        db,
        `addresses.byCustomerPks|${keys.shape}`,
        (on) =>
          on
            .select()
            .from(addresses)
            .where(where)
            .orderBy(addresses.customerPk, desc(addresses.isDefault), asc(addresses.createdAt), asc(addresses.pk)),
        values,
      );
    },

    async byIds(reach, ids) {
      if (ids.length === 0) return [];
      return db
        .select()
        .from(addresses)
        .where(and(eq(addresses.tenant, reach.tenant), sql`${addresses.id} = ${anyOf(ids, 'text')}`));
    },
  };
}

type AddressWrites = Omit<Transaction['addresses'], keyof StoreReads['addresses']>;

export function addressWrites(db: Db): AddressWrites {
  const ofTenant = (reach: Reach, pk: number) => and(eq(addresses.tenant, reach.tenant), eq(addresses.pk, pk));
  return {
    async insert(reach, values) {
      // DO NOTHING on a taken id: the transaction stays usable, and the domain answers CONFLICT.
      const [row] = await db
        .insert(addresses)
        .values({ ...values, tenant: reach.tenant })
        .onConflictDoNothing()
        .returning();
      return row;
    },

    async update(reach, pk, changes) {
      const [row] = Object.values(changes).some((value) => value !== undefined)
        ? await db.update(addresses).set(changes).where(ofTenant(reach, pk)).returning()
        : await db.select().from(addresses).where(ofTenant(reach, pk));
      if (!row) throw new Error(`No address ${pk} in tenant ${reach.tenant} to update.`);
      return row;
    },

    async clearDefaultExcept(reach, customerPk, keepPk, at) {
      await db
        .update(addresses)
        .set({ isDefault: false, modifiedAt: at })
        .where(
          and(
            eq(addresses.tenant, reach.tenant),
            eq(addresses.customerPk, customerPk),
            eq(addresses.isDefault, true),
            ne(addresses.pk, keepPk),
          ),
        );
    },

    async delete(reach, pk) {
      await db.delete(addresses).where(ofTenant(reach, pk));
    },

    async countByCustomer(reach, customerPk) {
      const [row] = await db
        .select({ count: sql<number>`count(*)::integer` })
        .from(addresses)
        .where(and(eq(addresses.tenant, reach.tenant), eq(addresses.customerPk, customerPk)));
      return row?.count ?? 0;
    },
  };
}
