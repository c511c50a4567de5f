/** Account rows (login identities): batched by customer, unique email per tenant. */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Account, NewAccount, Reach } from '../../domain/store.js';
import type { Db } from './db.js';
import { sameTenant } from './planner.js';
import { tableRows } from './rows.js';
import { accounts } from './schema.js';

export function createAccountStore(db: Db) {
  const byCustomerPks = tableRows(
    accounts,
    db
      .select()
      .from(accounts)
      .where(
        and(
          sameTenant(accounts.tenant),
          sql`${accounts.customerPk} IN (SELECT value FROM json_each(${sql.placeholder('keys')}))`,
        ),
      )
      .orderBy(accounts.customerPk, asc(accounts.createdAt), asc(accounts.pk))
      .prepare(),
  );
  // Matches the unique index on (tenant, lower(email)).
  const emailTaken = db
    .select({ pk: accounts.pk })
    .from(accounts)
    .where(
      and(
        eq(accounts.tenant, sql.placeholder('tenant')),
        sql`lower(${accounts.email}) = lower(${sql.placeholder('email')})`,
      ),
    )
    .prepare();

  return {
    async byCustomerPks(reach: Reach, customerPks: readonly number[]): Promise<Account[]> {
      if (customerPks.length === 0) return [];
      return byCustomerPks.all({ tenant: reach.tenant, keys: JSON.stringify(customerPks) });
    },

    /** Undefined when an account of the tenant uses this email, in any letter case. */
    async insert(reach: Reach, values: NewAccount): Promise<Account | undefined> {
      if (emailTaken.get({ tenant: reach.tenant, email: values.email }) !== undefined) return undefined;
      return db
        .insert(accounts)
        .values({ ...values, tenant: reach.tenant })
        .returning()
        .get();
    },

    async countByCustomer(reach: Reach, customerPk: number): Promise<number> {
      return (
        db
          .select({ count: sql<number>`count(*)` })
          .from(accounts)
          .where(and(sameTenant(accounts.tenant, reach.tenant), eq(accounts.customerPk, customerPk)))
          .get()?.count ?? 0
      );
    },
  };
}

export type AccountStore = ReturnType<typeof createAccountStore>;
