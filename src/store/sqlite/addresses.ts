/** Address rows: batched by customer, and the writes behind the address mutations. */
import { and, asc, desc, eq, ne, sql } from 'drizzle-orm';
import type { Address, AddressChanges, NewAddress, Reach } from '../../domain/store.js';
import type { Db } from './db.js';
import { sameTenant } from './planner.js';
import { tableRows } from './rows.js';
import { addresses } from './schema.js';

export function createAddressStore(db: Db) {
  // Default first, then oldest first: the order `Customer.addresses` promises.
  const byCustomerPks = tableRows(
    addresses,
    db
      .select()
      .from(addresses)
      .where(
        and(
          sameTenant(addresses.tenant),
          sql`${addresses.customerPk} IN (SELECT value FROM json_each(${sql.placeholder('keys')}))`,
        ),
      )
      .orderBy(addresses.customerPk, desc(addresses.isDefault), asc(addresses.createdAt), asc(addresses.pk))
      .prepare(),
  );
  const byIds = db
    .select()
    .from(addresses)
    .where(
      and(
        eq(addresses.tenant, sql.placeholder('tenant')),
        sql`${addresses.id} IN (SELECT value FROM json_each(${sql.placeholder('keys')}))`,
      ),
    )
    .prepare();
  const idTaken = db
    .select({ pk: addresses.pk })
    .from(addresses)
    .where(and(eq(addresses.tenant, sql.placeholder('tenant')), eq(addresses.id, sql.placeholder('id'))))
    .prepare();

  return {
    /** All addresses of these customers, each customer's default first, then by age. */
    async byCustomerPks(reach: Reach, customerPks: readonly number[]): Promise<Address[]> {
      if (customerPks.length === 0) return [];
      return byCustomerPks.all({ tenant: reach.tenant, keys: JSON.stringify(customerPks) });
    },

    async byIds(reach: Reach, ids: readonly string[]): Promise<Address[]> {
      if (ids.length === 0) return [];
      return byIds.all({ tenant: reach.tenant, keys: JSON.stringify(ids) });
    },

    /** Undefined when the id is taken in the tenant. */
    async insert(reach: Reach, values: NewAddress): Promise<Address | undefined> {
      if (idTaken.get({ tenant: reach.tenant, id: values.id }) !== undefined) return undefined;
      return db
        .insert(addresses)
        .values({ ...values, tenant: reach.tenant })
        .returning()
        .get();
    },

    async update(reach: Reach, pk: number, changes: AddressChanges): Promise<Address> {
      return db
        .update(addresses)
        .set(changes)
        .where(and(eq(addresses.tenant, reach.tenant), eq(addresses.pk, pk)))
        .returning()
        .get();
    },

    /** Clears the default flag on every other address of the customer. */
    async clearDefaultExcept(reach: Reach, customerPk: number, keepPk: number, at: number): Promise<void> {
      db.update(addresses)
        .set({ isDefault: false, modifiedAt: at })
        .where(
          and(
            sameTenant(addresses.tenant, reach.tenant),
            eq(addresses.customerPk, customerPk),
            eq(addresses.isDefault, true),
            ne(addresses.pk, keepPk),
          ),
        )
        .run();
    },

    async delete(reach: Reach, pk: number): Promise<void> {
      db.delete(addresses)
        .where(and(eq(addresses.tenant, reach.tenant), eq(addresses.pk, pk)))
        .run();
    },

    async countByCustomer(reach: Reach, customerPk: number): Promise<number> {
      return (
        db
          .select({ count: sql<number>`count(*)` })
          .from(addresses)
          .where(and(sameTenant(addresses.tenant, reach.tenant), eq(addresses.customerPk, customerPk)))
          .get()?.count ?? 0
      );
    },
  };
}

export type AddressStore = ReturnType<typeof createAddressStore>;
