/**
 * Customers read with their parts (src/domain/store.ts, CustomerParts), on both stores over the same seeded rows:
 * the parts equal what the part reads return on their own, in their orders, only the parts asked for come, every
 * customer asked for has each part (empty when it has none), and the customers and their parts are one statement:
 * for a lookup on both stores, for a page of the list on PostgreSQL (SQLite leaves a page's parts to the part
 * reads).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedTenant } from '../../src/cli/seed-data.js';
import type { CustomerParts, CustomerRead, Reach } from '../../src/domain/store.js';
import type { OpenedStore } from '../../src/store/index.js';
import { openFresh, type StoreKind } from '../support/store.js';

const TENANT: Reach = { tenant: 'parts' };
const ALL: CustomerParts = { addresses: true, accounts: true, memberships: true };

interface Opened {
  store: OpenedStore;
  statements: { count(work: () => Promise<unknown>): Promise<number> };
  /** The last statement run, with its parameters. */
  last(): { sql: string; params: readonly unknown[] };
}

async function open(kind: StoreKind): Promise<Opened> {
  let counted = 0;
  let last = { sql: '', params: [] as readonly unknown[] };
  const store = await openFresh(kind, {
    onStatement: () => counted++,
    onQuery: (sql, params) => {
      last = { sql, params };
    },
  });
  return {
    store,
    last: () => last,
    statements: {
      async count(work) {
        const before = counted;
        await work();
        return counted - before;
      },
    },
  };
}

const stores: Record<StoreKind, Opened> = {} as never;
beforeAll(async () => {
  stores.sqlite = await open('sqlite');
  stores.postgres = await open('postgres');
  // The same seed writes the same rows into both: 60 customers, 0..3 addresses, 0..2 accounts, half of them B2B.
  for (const { store } of Object.values(stores)) {
    for (const [i, shape] of [
      [0, { addresses: 3, accounts: 2, b2bShare: 0.5 }],
      [1, { addresses: 0, accounts: 0, b2bShare: 0 }],
    ] as const) {
      await seedTenant(store, { tenant: i === 0 ? TENANT.tenant : 'parts-bare', customers: 30, seed: 7, ...shape });
    }
  }
}, 60_000);
afterAll(async () => {
  await Promise.all(Object.values(stores).map(({ store }) => store?.close()));
});

/** What the part reads answer on their own for these customers, grouped as `parts` holds them. */
async function partsReadApart(store: OpenedStore, reach: Reach, rows: readonly CustomerRead[]) {
  const pks = rows.map((row) => row.pk);
  const [addresses, accounts, memberships] = await Promise.all([
    store.reads.addresses.byCustomerPks(reach, pks),
    store.reads.accounts.byCustomerPks(reach, pks),
    store.reads.legalEntities.membershipsByCustomerPks(reach, pks),
  ]);
  return rows.map((row) => ({
    addresses: addresses.filter((a) => a.customerPk === row.pk),
    accounts: accounts.filter((a) => a.customerPk === row.pk),
    memberships: memberships.filter((m) => m.customerPk === row.pk),
  }));
}

describe.each(['sqlite', 'postgres'] as const)('%s', (kind) => {
  const first = { filter: {}, order: [{ field: 'CREATED_AT', direction: 'ASC' }], limit: 25 } as const;

  it('brings each customer its parts, equal to the part reads and in their orders', async () => {
    const { store } = stores[kind];
    const page = await store.reads.customers.list(TENANT, first, ALL);
    expect(page).toHaveLength(25);
    const apart = await partsReadApart(store, TENANT, page);
    expect(page.map((row) => row.parts)).toEqual(kind === 'postgres' ? apart : page.map(() => undefined));
    // The seed gave them something to compare: addresses with a default first, accounts, companies.
    expect(apart.some((parts) => parts.addresses.length === 3 && parts.addresses[0]!.isDefault)).toBe(true);
    expect(apart.some((parts) => parts.memberships.length > 0)).toBe(true);
    expect(apart.some((parts) => parts.memberships.length === 0)).toBe(true);

    const numbers = page.slice(0, 7).map((row) => row.customerNumber);
    const found = await store.reads.customers.byNumbers(TENANT, numbers, ALL);
    expect(found.map((row) => row.parts).sort(byFirstAddress)).toEqual(apart.slice(0, 7).sort(byFirstAddress));
    const byPk = await store.reads.customers.byPks(TENANT, [page[3]!.pk], ALL);
    expect(byPk.map((row) => row.parts)).toEqual([apart[3]]);
    // Without parts the rows are the same customers, with no parts on them.
    const plain = await store.reads.customers.list(TENANT, first);
    expect(plain.map((row) => row.parts)).toEqual(page.map(() => undefined));
    expect(plain).toEqual(page.map(({ parts: _parts, ...customer }) => customer));
    const plainFound = await store.reads.customers.byNumbers(TENANT, numbers);
    expect(plainFound.map(({ customerNumber }) => customerNumber).sort()).toEqual([...numbers].sort());
    expect(plainFound.every((row) => row.parts === undefined)).toBe(true);
  });

  it('brings only the parts asked for, and empty lists for a customer that has none', async () => {
    const { store } = stores[kind];
    const numbersOf = async (tenant: string) =>
      (await store.reads.customers.list({ tenant }, first)).map((row) => row.customerNumber);
    const bare = await store.reads.customers.byNumbers({ tenant: 'parts-bare' }, await numbersOf('parts-bare'), {
      addresses: true,
    });
    expect(bare).toHaveLength(25);
    expect(bare.map((row) => row.parts)).toEqual(bare.map(() => ({ addresses: [] })));
    const some = await store.reads.customers.byNumbers(TENANT, await numbersOf(TENANT.tenant), {
      accounts: true,
      memberships: true,
    });
    expect(some.every((row) => row.parts && !('addresses' in row.parts))).toBe(true);
    expect(some.some((row) => (row.parts?.accounts?.length ?? 0) > 0)).toBe(true);
    expect(await store.reads.customers.byNumbers(TENANT, ['no-such-customer'], ALL)).toEqual([]);
  });

  it('brings the parts asked for, whatever parts the same lookup brought before', async () => {
    const { store } = stores[kind];
    const [customer] = await store.reads.customers.list(TENANT, first);
    const number = [customer!.customerNumber];
    // Each set of parts is a statement of its own: one prepared for accounts must not answer for addresses.
    for (const parts of [{ accounts: true }, { addresses: true }, { memberships: true }, { accounts: true }] as const) {
      const [found] = await store.reads.customers.byNumbers(TENANT, number, parts);
      expect(Object.keys(found!.parts ?? {})).toEqual(Object.keys(parts));
    }
    const [apart] = await partsReadApart(store, TENANT, [customer!]);
    expect((await store.reads.customers.byNumbers(TENANT, number, { addresses: true }))[0]!.parts).toEqual({
      addresses: apart!.addresses,
    });
  });

  it('keeps the parts within the reach of the customers', async () => {
    const { store } = stores[kind];
    const [customer] = await store.reads.customers.list(TENANT, first, ALL);
    // Another tenant asking for the same number and pk finds no customer, so no parts either.
    expect(await store.reads.customers.byNumbers({ tenant: 'parts-bare' }, [customer!.customerNumber], ALL)).toEqual(
      [],
    );
    expect(await store.reads.customers.byPks({ tenant: 'parts-bare' }, [customer!.pk], ALL)).toEqual([]);
  });

  it('reads customers and all their parts in one statement, whatever the number of customers', async () => {
    const { store, statements } = stores[kind];
    const page = await store.reads.customers.list(TENANT, first);
    const numbers = page.map((row) => row.customerNumber);
    expect(await statements.count(() => store.reads.customers.list(TENANT, first, ALL))).toBe(1);
    expect(await statements.count(() => store.reads.customers.byNumbers(TENANT, numbers.slice(0, 1), ALL))).toBe(1);
    expect(await statements.count(() => store.reads.customers.byNumbers(TENANT, numbers, ALL))).toBe(1);
    expect(await statements.count(() => store.reads.customers.byPks(TENANT, [page[0]!.pk], { accounts: true }))).toBe(
      1,
    );
  });
});

describe('both stores', () => {
  it('bring the same parts for the same rows', async () => {
    const reads = await Promise.all(
      (['sqlite', 'postgres'] as const).map(async (kind) => {
        const { reads } = stores[kind].store;
        const page = await reads.customers.list(TENANT, {
          filter: {},
          order: [{ field: 'CUSTOMER_NUMBER', direction: 'ASC' }],
          limit: 30,
        });
        const found = await reads.customers.byNumbers(
          TENANT,
          page.map((row) => row.customerNumber),
          ALL,
        );
        return found
          .map((row) => ({ customerNumber: row.customerNumber, parts: withoutKeys(row.parts) }))
          .sort((a, b) => a.customerNumber.localeCompare(b.customerNumber));
      }),
    );
    expect(reads[1]).toEqual(reads[0]);
  });
});

/** Parts without the stores' own keys (pks differ between the stores' sequences only if the seeds differ). */
function withoutKeys(parts: CustomerRead['parts']) {
  return {
    addresses: parts?.addresses?.map(({ pk: _pk, customerPk: _c, ...address }) => address),
    accounts: parts?.accounts?.map(({ pk: _pk, customerPk: _c, ...account }) => account),
    memberships: parts?.memberships?.map(({ customerPk: _c, legalEntity: { pk: _pk, ...entity }, ...m }) => ({
      ...m,
      entity,
    })),
  };
}

type WithAddresses = { readonly addresses?: readonly { id: string }[] | undefined } | undefined;
const byFirstAddress = (a: WithAddresses, b: WithAddresses) =>
  (a?.addresses?.[0]?.id ?? '').localeCompare(b?.addresses?.[0]?.id ?? '');
