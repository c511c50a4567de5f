/**
 * Transactions racing each other, on both stores: on PostgreSQL many at the same moment on connections of their
 * own (as replicas over one database), on SQLite queued behind its one writer. Either way exactly one writer wins
 * what only one may have: an optimistic update, a registration id, a custom number, an email, a deleted number.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reach } from '../../src/domain/store.js';
import type { OpenedStore } from '../../src/store/index.js';
import {
  BASE,
  barrier,
  insertCustomers,
  newAccount,
  newCustomer,
  openFresh,
  type StoreKind,
} from '../support/store.js';

const KINDS: StoreKind[] = ['sqlite', 'postgres'];

describe.each(KINDS)('concurrent transactions on %s', (kind) => {
  const T: Reach = { tenant: 'races' };
  let store: OpenedStore;

  beforeAll(async () => {
    // Enough connections for every racer to be inside its transaction at the same moment.
    store = await openFresh(kind, { poolSize: 25 });
  });
  afterAll(async () => {
    await store?.close();
  });

  /**
   * Runs `n` transactions at once. On PostgreSQL they all reach `work` together, each on a connection of its own;
   * SQLite runs its transactions one after the other (they would wait at the barrier for each other for ever).
   */
  async function race<T>(
    n: number,
    work: (tx: Parameters<Parameters<OpenedStore['transaction']>[0]>[0], i: number) => Promise<T>,
  ) {
    const together = kind === 'postgres' ? barrier(n) : async () => {};
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        store.transaction(async (tx) => {
          // The first statement has run (BEGIN has), so each racer holds its own connection now.
          await tx.customers.byNumbers(T, ['nobody']);
          await together();
          return work(tx, i);
        }),
      ),
    );
    return results;
  }

  it('lets exactly one of 20 writers win an optimistic update behind lockByNumber', async () => {
    const [row] = await insertCustomers(store, T, [newCustomer('contended', { version: 1 })]);
    const won = await race(20, async (tx, i) => {
      const locked = await tx.customers.lockByNumber(T, 'contended');
      // Each writer expects the version it read before; under the lock it sees the winner's commit.
      if (locked?.version !== 1) return false;
      await tx.customers.update(T, locked.pk, { version: 2, lastName: `writer ${i}` });
      return true;
    });
    expect(won.filter(Boolean)).toHaveLength(1);
    const [after] = await store.reads.customers.byPks(T, [row!.pk]);
    expect(after?.version).toBe(2);
    expect(after?.lastName).toBe(`writer ${won.indexOf(true)}`);
  });

  it('gives one legal entity to racing getOrCreate calls of one registration id', async () => {
    const entities = await race(12, (tx, i) =>
      tx.legalEntities.getOrCreate(T, {
        id: `race-le-${i}`,
        registrationId: 'R-RACE',
        name: `Racer ${i}`,
        createdAt: BASE,
      }),
    );
    expect(new Set(entities.map((entity) => entity.pk)).size).toBe(1);
    expect(
      await store.query(`SELECT id FROM legal_entities WHERE tenant = 'races' AND registration_id = 'R-RACE'`),
    ).toHaveLength(1);
  });

  it('gives a custom number to one of racing inserts; the others answer undefined and commit', async () => {
    const inserted = await race(12, async (tx, i) => {
      const row = await tx.customers.insert(T, newCustomer('wanted', { lastName: `racer ${i}` }));
      // The losers' transactions stay usable.
      await tx.customers.insert(T, newCustomer(`consolation-${i}`));
      return row;
    });
    expect(inserted.filter((row) => row !== undefined)).toHaveLength(1);
    expect(await store.reads.customers.byNumbers(T, ['wanted'])).toHaveLength(1);
    expect(await store.reads.customers.count(T, { search: 'consolation-' })).toBe(12);
  });

  it('never gives a deleted number again, even to an insert racing the delete', async () => {
    const [row] = await insertCustomers(store, T, [newCustomer('doomed')]);
    const results = await race(6, async (tx, i) => {
      if (i === 0) {
        await tx.customers.delete(T, row!, BASE);
        return 'deleted';
      }
      return (await tx.customers.insert(T, newCustomer('doomed'))) === undefined ? 'refused' : 'inserted';
    });
    expect(results).toEqual(['deleted', 'refused', 'refused', 'refused', 'refused', 'refused']);
    expect(await store.reads.customers.byNumbers(T, ['doomed'])).toEqual([]);
  });

  it('gives an email to one of racing account inserts, whatever their letter case', async () => {
    const owners = await insertCustomers(
      store,
      T,
      Array.from({ length: 10 }, (_, i) => newCustomer(`owner-${i}`)),
    );
    const accounts = await race(10, (tx, i) =>
      tx.accounts.insert(
        T,
        newAccount(`race-acc-${i}`, owners[i]!.pk, i % 2 ? 'RACE@example.com' : 'race@EXAMPLE.com'),
      ),
    );
    expect(accounts.filter((account) => account !== undefined)).toHaveLength(1);
  });
});
