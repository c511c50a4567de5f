/**
 * The rows that belong to customers: addresses, accounts (login identities, one email per tenant whatever its letter
 * case), legal entities and the customers' assignments to them. Reads are batched: one statement
 * for any number of customers.
 */
import { type Column, type SQL, sql } from 'drizzle-orm';
import type { Account, Address, LegalEntity, Reach, StoreReads, Transaction } from '../../domain/store.js';
import type { Dialect } from './dialect.js';
import { membershipOf } from './parts.js';
import { arity, type Executor, Params, rowsOf } from './query.js';
import { deleteRow, insertRow, updateRow } from './writes.js';

export function rowStores(d: Dialect) {
  const { addresses, accounts, legalEntities, customerLegalEntities: m, customers } = d.tables;
  const ADDRESS = rowsOf<Address>(addresses);
  const ACCOUNT = rowsOf<Account>(accounts);
  const LEGAL_ENTITY = rowsOf<LegalEntity>(legalEntities);
  /**
   * A batched read: the tenant's rows of `from` whose `key` is one of the keys asked for, in `order`, in one
   * statement however many keys. By customer, the customers' keys lead (the tenant's index would walk the tenant).
   */
  function batch<R>(
    name: string,
    rows: { list: SQL; decode(values: readonly unknown[]): R },
    from: SQL,
    tenant: Column,
    key: Column,
    order?: SQL,
  ) {
    const byCustomer = key.name === 'customer_pk';
    return async (exec: Executor, reach: Reach, keys: readonly (string | number)[]): Promise<R[]> => {
      if (keys.length === 0) return [];
      const { bind, values } = new Params();
      const found = await exec.all({
        key: `${name}|${arity(keys)}`,
        sql: sql`SELECT ${rows.list} FROM ${from} WHERE ${d.lead(sql`${tenant}`, !byCustomer)} = ${bind(reach.tenant)}
          AND ${d.oneOf(key, keys, byCustomer ? 'bigint' : 'text', bind)}${order ? sql` ORDER BY ${order}` : sql``}`,
        values,
      });
      return found.map((row) => rows.decode(row));
    };
  }
  // Default first, then oldest first: the order `Customer.addresses` promises.
  const addressesOf = batch(
    'addresses.byCustomerPks',
    ADDRESS,
    sql`${addresses}`,
    addresses.tenant,
    addresses.customerPk,
    sql`${addresses.customerPk}, ${addresses.isDefault} DESC, ${addresses.createdAt}, ${addresses.pk}`,
  );
  const addressesById = batch('addresses.byIds', ADDRESS, sql`${addresses}`, addresses.tenant, addresses.id);
  const accountsOf = batch(
    'accounts.byCustomerPks',
    ACCOUNT,
    sql`${accounts}`,
    accounts.tenant,
    accounts.customerPk,
    sql`${accounts.customerPk}, ${accounts.createdAt}, ${accounts.pk}`,
  );
  const membershipsOf = batch(
    'legalEntities.membershipsByCustomerPks',
    {
      list: sql`${m.customerPk}, ${m.id}, ${LEGAL_ENTITY.list}`,
      decode: (row) => membershipOf(row, LEGAL_ENTITY.decode),
    },
    sql`${m} JOIN ${legalEntities} ON ${legalEntities.pk} = ${m.legalEntityPk}`,
    m.tenant,
    m.customerPk,
    sql`${m.customerPk}, ${m.createdAt}, ${m.pk}`,
  );
  const entitiesById = batch(
    'legalEntities.byIds',
    LEGAL_ENTITY,
    sql`${legalEntities}`,
    legalEntities.tenant,
    legalEntities.id,
  );

  async function count(exec: Executor, table: typeof addresses | typeof accounts, tenant: string, customerPk: number) {
    const { bind, values } = new Params();
    const [row] = await exec.all({
      key: `${table === addresses ? 'addresses' : 'accounts'}.count`,
      sql: sql`SELECT count(*) FROM ${table} WHERE ${d.lead(sql`${table.tenant}`, false)} = ${bind(tenant)}
        AND ${table.customerPk} = ${bind(customerPk)}`,
      values,
    });
    return Number(row?.[0] ?? 0);
  }

  const reads = (exec: Executor): Omit<StoreReads, 'customers' | 'events' | 'webhooks'> => ({
    addresses: {
      byCustomerPks: (reach, customerPks) => addressesOf(exec, reach, customerPks),
      byIds: (reach, ids) => addressesById(exec, reach, ids),
    },
    accounts: { byCustomerPks: (reach, customerPks) => accountsOf(exec, reach, customerPks) },
    legalEntities: {
      membershipsByCustomerPks: (reach, customerPks) => membershipsOf(exec, reach, customerPks),
      byIds: (reach, ids) => entitiesById(exec, reach, ids),
      async companyOf(reach) {
        if (!reach.company) return [];
        const { customerNumber, legalEntityId } = reach.company;
        const { bind, values } = new Params();
        const rows = await exec.all({
          key: 'legalEntities.companyOf',
          sql: sql`SELECT ${LEGAL_ENTITY.list} FROM ${m}
            JOIN ${customers} ON ${customers.pk} = ${m.customerPk}
            JOIN ${legalEntities} ON ${legalEntities.pk} = ${m.legalEntityPk}
            WHERE ${customers.tenant} = ${bind(reach.tenant)} AND ${customers.customerNumber} = ${bind(customerNumber)}
            ORDER BY ${m.pk}`,
          values,
        });
        const entities = rows.map((row) => LEGAL_ENTITY.decode(row));
        return legalEntityId ? entities.filter((entity) => entity.id === legalEntityId) : entities;
      },
    },
  });

  function writes(exec: Executor): Omit<Transaction, 'customers' | 'events' | 'webhooks'> {
    const read = reads(exec);
    async function byRegistrationId(tenant: string, registrationId: string) {
      const { bind, values } = new Params();
      const [row] = await exec.all({
        key: 'legalEntities.byRegistrationId',
        sql: sql`SELECT ${LEGAL_ENTITY.list} FROM ${legalEntities}
          WHERE ${legalEntities.tenant} = ${bind(tenant)} AND ${legalEntities.registrationId} = ${bind(registrationId)}`,
        values,
      });
      return row && LEGAL_ENTITY.decode(row);
    }
    return {
      addresses: {
        ...read.addresses,
        insert: (reach, values) => insertRow<Address>(exec, addresses, { ...values, tenant: reach.tenant }),
        update: (reach, pk, changes) => updateRow<Address>(exec, addresses, reach, pk, changes),
        async clearDefaultExcept(reach, customerPk, keepPk, at) {
          const { bind, values } = new Params();
          await exec.run({
            key: 'addresses.clearDefaultExcept',
            sql: sql`UPDATE ${addresses} SET is_default = ${bind(addresses.isDefault.mapToDriverValue(false))},
              modified_at = ${bind(at)}, version = version + 1
              WHERE ${d.lead(sql`${addresses.tenant}`, false)} = ${bind(reach.tenant)}
              AND ${addresses.customerPk} = ${bind(customerPk)} AND ${addresses.isDefault} = ${bind(addresses.isDefault.mapToDriverValue(true))}
              AND ${addresses.pk} <> ${bind(keepPk)}`,
            values,
          });
        },
        delete: async (reach, pk) => void (await deleteRow(exec, addresses, reach, pk)),
        countByCustomer: (reach, customerPk) => count(exec, addresses, reach.tenant, customerPk),
      },
      accounts: {
        ...read.accounts,
        insert: (reach, values) => insertRow<Account>(exec, accounts, { ...values, tenant: reach.tenant }),
        countByCustomer: (reach, customerPk) => count(exec, accounts, reach.tenant, customerPk),
      },
      legalEntities: {
        ...read.legalEntities,
        byRegistrationId: (reach, registrationId) => byRegistrationId(reach.tenant, registrationId),
        async getOrCreate(reach, values) {
          // A racing transaction's insert of the same registration id makes this one wait for its commit, and then do
          // nothing; the select after it (a new snapshot under READ COMMITTED) sees that entity.
          const inserted = await insertRow<LegalEntity>(
            exec,
            legalEntities,
            { ...values, tenant: reach.tenant },
            sql`(tenant, registration_id)`,
          );
          const entity = inserted ?? (await byRegistrationId(reach.tenant, values.registrationId));
          if (!entity) throw new Error(`The legal entity ${values.registrationId} conflicted, yet is not there.`);
          return entity;
        },
        assign: async (reach, values) => (await insertRow(exec, m, { ...values, tenant: reach.tenant })) !== undefined,
        async unassign(reach, customerPk, legalEntityPk) {
          const { bind, values } = new Params();
          const removed = await exec.run({
            key: 'legalEntities.unassign',
            sql: sql`DELETE FROM ${m} WHERE ${m.tenant} = ${bind(reach.tenant)} AND ${m.customerPk} = ${bind(customerPk)}
              AND ${m.legalEntityPk} = ${bind(legalEntityPk)}`,
            values,
          });
          return removed > 0;
        },
      },
    };
  }

  return { reads, writes };
}
