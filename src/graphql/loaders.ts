/**
 * Per-request DataLoaders: every fan-out (nested lists, `_entities`) becomes one batched `IN` statement per kind
 * of row, however many parents ask. Customer loaders are made per reach, so a lookup can never return a customer
 * outside what the operation may see. They read through `reads()`: the store's, or in a mutation its transaction's,
 * so that a mutation's answer shows what it wrote.
 */
import DataLoader from 'dataloader';
import type { Account, Address, Customer, LegalEntity, Membership, Reach, StoreReads } from '../domain/store.js';

/** Groups rows by a key, keeping their order, and answers in the order of `keys`. */
function groupBy<K, R>(keys: readonly K[], rows: readonly R[], keyOf: (row: R) => K): R[][] {
  const groups = new Map<K, R[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return keys.map((key) => groups.get(key) ?? []);
}

function indexBy<K, R>(keys: readonly K[], rows: readonly R[], keyOf: (row: R) => K): (R | null)[] {
  const byKey = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => byKey.get(key) ?? null);
}

export function createLoaders(reads: () => StoreReads, tenant: string) {
  const tenantReach: Reach = { tenant };
  const byNumber = new Map<string, DataLoader<string, Customer | null>>();
  const byPk = new Map<string, DataLoader<number, Customer | null>>();
  // A reach is plain data: equal reaches share their loaders.
  const reachKey = (reach: Reach) =>
    JSON.stringify([reach.tenant, reach.company?.customerNumber ?? null, reach.company?.legalEntityId ?? null]);

  function lazy<T>(create: () => T): () => T {
    let value: T | undefined;
    return () => (value ??= create());
  }

  const addresses = lazy(
    () =>
      new DataLoader<number, Address[]>(async (pks) =>
        groupBy(pks, await reads().addresses.byCustomerPks(tenantReach, pks), (row) => row.customerPk),
      ),
  );
  const accounts = lazy(
    () =>
      new DataLoader<number, Account[]>(async (pks) =>
        groupBy(pks, await reads().accounts.byCustomerPks(tenantReach, pks), (row) => row.customerPk),
      ),
  );
  const memberships = lazy(
    () =>
      new DataLoader<number, Membership[]>(async (pks) =>
        groupBy(pks, await reads().legalEntities.membershipsByCustomerPks(tenantReach, pks), (row) => row.customerPk),
      ),
  );
  const addressById = lazy(
    () =>
      new DataLoader<string, Address | null>(async (ids) =>
        indexBy(ids, await reads().addresses.byIds(tenantReach, ids), (row) => row.id),
      ),
  );
  const legalEntityById = lazy(
    () =>
      new DataLoader<string, LegalEntity | null>(async (ids) =>
        indexBy(ids, await reads().legalEntities.byIds(tenantReach, ids), (row) => row.id),
      ),
  );

  return {
    /** Customers by number, within the reach given. */
    customerByNumber(reach: Reach): DataLoader<string, Customer | null> {
      const key = reachKey(reach);
      let loader = byNumber.get(key);
      if (!loader) {
        loader = new DataLoader(async (numbers) =>
          indexBy(numbers, await reads().customers.byNumbers(reach, numbers), (row) => row.customerNumber),
        );
        byNumber.set(key, loader);
      }
      return loader;
    },
    /** Customers by primary key, within the reach given. */
    customerByPk(reach: Reach): DataLoader<number, Customer | null> {
      const key = reachKey(reach);
      let loader = byPk.get(key);
      if (!loader) {
        loader = new DataLoader(async (pks) =>
          indexBy(pks, await reads().customers.byPks(reach, pks), (row) => row.pk),
        );
        byPk.set(key, loader);
      }
      return loader;
    },
    get addressesByCustomer() {
      return addresses();
    },
    get accountsByCustomer() {
      return accounts();
    },
    get membershipsByCustomer() {
      return memberships();
    },
    get addressById() {
      return addressById();
    },
    get legalEntityById() {
      return legalEntityById();
    },
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
