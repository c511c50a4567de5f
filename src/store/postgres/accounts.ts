/** Account rows (login identities): batched by customer, one email per tenant whatever its letter case. */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { StoreReads, Transaction } from '../../domain/store.js';
import { type Db, keyIn, Params, type Statements } from './db.js';
import { accounts } from './schema.js';

export function accountReads(db: Db, statements: Statements): StoreReads['accounts'] {
  return {
    async byCustomerPks(reach, customerPks) {
      if (customerPks.length === 0) return [];
      const { bind, values } = new Params();
      const keys = keyIn(accounts.customerPk, customerPks, 'bigint', bind);
      const where = and(eq(accounts.tenant, bind(reach.tenant)), keys.sql);
      return statements.run(
        db,
        `accounts.byCustomerPks|${keys.shape}`,
        (on) =>
          on
            .select()
            .from(accounts)
            .where(where)
            .orderBy(accounts.customerPk, asc(accounts.createdAt), asc(accounts.pk)),
        values,
      );
    },
  };
}

type AccountWrites = Omit<Transaction['accounts'], keyof StoreReads['accounts']>;

export function accountWrites(db: Db): AccountWrites {
  return {
    async insert(reach, values) {
      // No conflict target: DO NOTHING covers the id and the (tenant, lower(email)) expression index alike.
      const [row] = await db
        .insert(accounts)
        .values({ ...values, tenant: reach.tenant })
        .onConflictDoNothing()
        .returning();
      return row;
    },

    async countByCustomer(reach, customerPk) {
      const [row] = await db
        .select({ count: sql<number>`count(*)::integer` })
        .from(accounts)
        .where(and(eq(accounts.tenant, reach.tenant), eq(accounts.customerPk, customerPk)));
      return row?.count ?? 0;
    },
  };
}
