/**
 * Per-request DataLoaders: every fan-out (nested lists, `_entities`) becomes one batched `IN` statement per kind
 * of row, however many parents ask. Customer loaders are made per reach, so a lookup can never return a customer
 * outside what the operation may see. They read through `reads()`: the store's, or in a mutation its transaction's,
 * so that a mutation's answer shows what it wrote.
 */
import DataLoader from 'dataloader';
import type {
  Account,
  Address,
  Customer,
  CustomerParts,
  CustomerRead,
  LegalEntity,
  Membership,
  Reach,
  StoreReads,
} from '../domain/store.js';

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

type PartRows = NonNullable<CustomerRead['parts']>;

export function createLoaders(reads: () => StoreReads, tenant: string) {
  const tenantReach: Reach = { tenant };
  const byNumber = new Map<string, DataLoader<string, Customer | null>>();
  const byPk = new Map<string, DataLoader<number, Customer | null>>();
  // A reach is plain data: equal reaches share their loaders.
  // With the parts read along: a customer read with parts is not one read without them.
  const readKey = (reach: Reach, parts: CustomerParts | undefined) =>
    JSON.stringify([
      reach.tenant,
      reach.company?.customerNumber ?? null,
      reach.company?.legalEntityId ?? null,
      parts ? [!!parts.addresses, !!parts.accounts, !!parts.memberships] : null,
    ]);

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

  /** The rows of a part that a customer was read with (selectedParts()), else the part's batched loader's. */
  const partOf =
    <K extends keyof PartRows>(part: K, loader: () => DataLoader<number, NonNullable<PartRows[K]>>) =>
    (customer: Customer): NonNullable<PartRows[K]> | Promise<NonNullable<PartRows[K]>> =>
      (customer as CustomerRead).parts?.[part] ?? loader().load(customer.pk);

  return {
    /** Customers by number, within the reach given; with `parts`, read along (selectedParts()). */
    customerByNumber(reach: Reach, parts?: CustomerParts): DataLoader<string, Customer | null> {
      const key = readKey(reach, parts);
      let loader = byNumber.get(key);
      if (!loader) {
        loader = new DataLoader(async (numbers) =>
          indexBy(numbers, await reads().customers.byNumbers(reach, numbers, parts), (row) => row.customerNumber),
        );
        byNumber.set(key, loader);
      }
      return loader;
    },
    /** Customers by primary key, within the reach given. */
    customerByPk(reach: Reach): DataLoader<number, Customer | null> {
      const key = readKey(reach, undefined);
      let loader = byPk.get(key);
      if (!loader) {
        loader = new DataLoader(async (pks) =>
          indexBy(pks, await reads().customers.byPks(reach, pks), (row) => row.pk),
        );
        byPk.set(key, loader);
      }
      return loader;
    },
    // A customer's parts: at hand (no promise, no batch to wait for) when it was read with them.
    addressesOf: partOf('addresses', addresses),
    accountsOf: partOf('accounts', accounts),
    membershipsOf: partOf('memberships', memberships),
    get addressById() {
      return addressById();
    },
    get legalEntityById() {
      return legalEntityById();
    },
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/** `map` of a value that may still be loading: at once when it is at hand, so that a field stays synchronous. */
export function whenLoaded<T, R>(value: T | Promise<T>, map: (value: T) => R): R | Promise<R> {
  return value instanceof Promise ? value.then(map) : map(value);
}
