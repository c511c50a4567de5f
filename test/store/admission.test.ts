/**
 * The admission of expensive reads (src/store/core/admission.ts): a share per tenant and a total, tenants let in by
 * turns, a refusal (StoreBusyError) for a read that waits too long or finds its tenant's queue full. And the SQLite
 * store's read workers: an expensive read runs on one, so the main thread answers a read by key meanwhile.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedTenant } from '../../src/cli/seed-data.js';
import { StoreBusyError } from '../../src/domain/store.js';
import { createAdmission } from '../../src/store/core/admission.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/db.js';

/** A read that ends when the test says so. */
function heldRead(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    work: async () => {
      log.push(name);
      await done;
      return name;
    },
    finish,
  };
}

const LIMITS = { perTenant: 2, total: 3, queueMs: 60_000, queueLength: 10 };

describe('admission', () => {
  it('lets a tenant run its share at once, and the rest when its own reads end', async () => {
    const admission = createAdmission(LIMITS);
    const started: string[] = [];
    const reads = ['a1', 'a2', 'a3'].map((name) => heldRead(started, name));
    const results = reads.map((read) => admission.run('a', read.work));
    await Promise.resolve();
    expect(started).toEqual(['a1', 'a2']);
    expect(admission.state()).toEqual({ running: 2, waiting: 1, refused: 0 });
    reads[0]!.finish();
    await results[0];
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['a1', 'a2', 'a3']);
    for (const read of reads) read.finish();
    expect(await Promise.all(results)).toEqual(['a1', 'a2', 'a3']);
    expect(admission.state()).toEqual({ running: 0, waiting: 0, refused: 0 });
  });

  it('lets waiting tenants in by turns when the total is reached, not in the order they came', async () => {
    const admission = createAdmission({ ...LIMITS, total: 1 });
    const started: string[] = [];
    const reads = new Map(['a1', 'a2', 'a3', 'b1', 'b2', 'c1'].map((name) => [name, heldRead(started, name)]));
    const results = [...reads].map(([name, read]) => admission.run(name[0]!, read.work));
    for (let i = 0; i < reads.size; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      expect(started).toHaveLength(i + 1);
      reads.get(started.at(-1)!)!.finish();
    }
    await Promise.all(results);
    // First come, first served would run a1 a2 a3 b1 b2 c1: a's queue would keep b and c waiting. By turns, a (first
    // in line) runs one more, then b, c, and a again.
    expect(started).toEqual(['a1', 'a2', 'b1', 'c1', 'a3', 'b2']);
  });

  it('refuses a read whose tenant has a full queue at once, and one that waited too long when its time is up', async () => {
    const admission = createAdmission({ perTenant: 1, total: 4, queueMs: 50, queueLength: 1 });
    const started: string[] = [];
    const first = heldRead(started, 'a1');
    const running = admission.run('a', first.work);
    const waited = admission.run('a', heldRead(started, 'a2').work);
    await expect(admission.run('a', heldRead(started, 'a3').work)).rejects.toBeInstanceOf(StoreBusyError);
    const refusal = await waited.catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(StoreBusyError);
    expect(refusal).toMatchObject({ code: 'TOO_MANY_REQUESTS', retryAfterSeconds: 1 });
    // Another tenant is let in meanwhile: the refusals are a's alone.
    expect(await admission.run('b', async () => 'b1')).toBe('b1');
    first.finish();
    expect(await running).toBe('a1');
    expect(started).toEqual(['a1']);
    expect(admission.state()).toEqual({ running: 0, waiting: 0, refused: 2 });
    expect(await admission.run('a', async () => 'a4')).toBe('a4');
  });

  it('frees the place of a read that fails', async () => {
    const admission = createAdmission({ ...LIMITS, perTenant: 1 });
    await expect(admission.run('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await admission.run('a', async () => 'next')).toBe('next');
    expect(admission.state().running).toBe(0);
  });
});

describe('SQLite read workers', () => {
  let dir: string;
  let store: SqliteStore;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'customer-graph-read-workers-'));
    store = openSqliteStore(join(dir, 'customers.db'), {
      readWorkers: 2,
      admission: { perTenant: 2, queueMs: 10_000, queueLength: 10 },
    });
    await seedTenant(store, { tenant: 'big', customers: 20_000, addresses: 0, accounts: 0 });
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('run an expensive read off the main thread: a read by key started after it is answered first', async () => {
    const [someone] = await store.reads.customers.list({ tenant: 'big' }, { filter: {}, order: [], limit: 1 });
    const order: string[] = [];
    const search = store.reads.customers
      .count(
        { tenant: 'big' },
        { conditions: [{ kind: 'text', column: 'preferredSite', op: 'contains', value: 'zz' }] },
      )
      .then((count) => {
        order.push('count');
        return count;
      });
    const byKey = store.reads.customers.byNumbers({ tenant: 'big' }, [someone!.customerNumber]).then((rows) => {
      order.push('byKey');
      return rows;
    });
    expect(await search).toBe(0);
    expect((await byKey).map((c) => c.customerNumber)).toEqual([someone!.customerNumber]);
    expect(order).toEqual(['byKey', 'count']);
  });

  it('answer what the main thread answers', async () => {
    const reach = { tenant: 'big' };
    const filter = { conditions: [{ kind: 'text', column: 'lastName', op: 'contains', value: 'an' }] } as const;
    const admitted = await store.reads.customers.list(reach, { filter, order: [], limit: 5, offset: 1500 });
    const plain = openSqliteStore(join(dir, 'customers.db'));
    const onMain = await plain.reads.customers.list(reach, { filter, order: [], limit: 5, offset: 1500 });
    await plain.close();
    expect(admitted).toEqual(onMain);
    expect(admitted).toHaveLength(5);
    expect(store.admission()).toEqual({ running: 0, waiting: 0, refused: 0 });
  });
});
