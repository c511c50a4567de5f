/**
 * Change events across replicas of the compiled service (real processes, production mode) over one PostgreSQL: a
 * subscriber on one replica gets what another commits; two relays share one endpoint's deliveries, each event
 * delivered once; and a replica killed (-9) in the middle of its deliveries loses none: its claims come back when
 * their lease ends, and one customer's events still arrive in order.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase } from './support/postgres.js';
import {
  buildServiceAsync,
  postGraphQL,
  type Replica,
  startReplica,
  stopAllReplicas,
  tokenFor,
  until,
} from './support/replicas.js';
import { subscribe } from './support/sse.js';
import { startReceiver } from './support/webhook-receiver.js';

const ADMIN_URL = inject('postgresAdminUrl');
const SETUP_TIMEOUT = 180_000;
const EVENTS_ENV = {
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  WEBHOOK_RETRY_DELAYS: '200ms,200ms,200ms,200ms,200ms',
  // A lease is five attempt timeouts: a killed replica's claims come back within seconds.
  WEBHOOK_TIMEOUT_MS: '1000',
};
const CREATE = `mutation($input: CustomerCreateInput!) { createCustomer(input: $input) { customerNumber } }`;
const PATCH = `mutation($n: String!, $last: String!) { patchCustomer(customerNumber: $n, input: { lastName: $last }) { customerNumber } }`;
const ENDPOINT = `mutation($url: String!) { createWebhookEndpoint(input: { url: $url }) { endpoint { id } } }`;

/** Each customer's versions in the order they arrived, repeats of the same delivery folded. */
function versionsByCustomer(bodies: { data: { customerNumber: string; metadata?: { version: number } } }[]) {
  const seen = new Map<string, number[]>();
  for (const body of bodies) {
    const versions = seen.get(body.data.customerNumber) ?? [];
    const version = body.data.metadata!.version;
    if (versions.at(-1) !== version) versions.push(version);
    seen.set(body.data.customerNumber, versions);
  }
  return seen;
}

beforeAll(async () => {
  await buildServiceAsync();
}, SETUP_TIMEOUT);
afterAll(async () => {
  await stopAllReplicas();
});

describe('change events over replicas on one PostgreSQL', () => {
  it('a subscriber on B gets what A commits, and two relays deliver each event once', async () => {
    const url = await createDatabase(ADMIN_URL);
    const [a, b] = await Promise.all([startReplica('ev-a', url, EVENTS_ENV), startReplica('ev-b', url, EVENTS_ENV)]);
    const receiver = await startReceiver();
    const token = await tokenFor('replicated');
    // From the start of the (new) log: every event, whenever the subscription began reading.
    const sub = subscribe<{ customerEvents: { id: string; customerNumber: string } }>(
      b!.base,
      'subscription($after: String) { customerEvents(after: $after) { id customerNumber } }',
      { after: '0.0' },
      { authorization: `Bearer ${token}` },
    );
    try {
      expect((await postGraphQL(`${a!.base}/graphql`, token, ENDPOINT, { url: receiver.url })).errors).toBeUndefined();
      // Ten customers, each created and changed four times, the writes spread over both replicas.
      const replicas: Replica[] = [a!, b!];
      await Promise.all(
        Array.from({ length: 10 }, async (_, c) => {
          const n = `R${c}`;
          const created = await postGraphQL(`${replicas[c % 2]!.base}/graphql`, token, CREATE, { input: { id: n } });
          expect(created.errors).toBeUndefined();
          for (let i = 0; i < 4; i++) {
            const answer = await postGraphQL(`${replicas[(c + i) % 2]!.base}/graphql`, token, PATCH, {
              n,
              last: `L${i}`,
            });
            expect(answer.errors).toBeUndefined();
          }
        }),
      );
      await sub.waitFor(50);
      expect(new Set(sub.received.map((p) => p.data!.customerEvents.id)).size).toBe(50);
      await receiver.waitFor(50);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const ids = receiver.received.map((r) => r.headers['webhook-id']);
      expect(ids.length).toBe(50);
      expect(new Set(ids).size).toBe(50);
      for (const versions of versionsByCustomer(receiver.received.map((r) => r.json as never)).values()) {
        expect(versions).toEqual([1, 2, 3, 4, 5]);
      }
      // Both relays took part.
      const logs = a!.stdout() + b!.stdout();
      expect(logs).toMatch(/"webhook attempt"/);
      expect(a!.stdout().includes('"webhook attempt"') && b!.stdout().includes('"webhook attempt"')).toBe(true);
    } finally {
      sub.close();
      await receiver.close();
    }
  }, 120_000);

  it('kill -9 of a replica during its deliveries loses no event and keeps each customer in order', async () => {
    const url = await createDatabase(ADMIN_URL);
    const a = await startReplica('ev-kill', url, EVENTS_ENV);
    // A slow receiver: the replica is killed with deliveries claimed and in flight.
    const receiver = await startReceiver((_request, res) => {
      setTimeout(() => res.writeHead(204).end(), 40);
    });
    const token = await tokenFor('crash');
    expect((await postGraphQL(`${a.base}/graphql`, token, ENDPOINT, { url: receiver.url })).errors).toBeUndefined();
    await Promise.all(
      Array.from({ length: 8 }, async (_, c) => {
        const n = `K${c}`;
        expect((await postGraphQL(`${a.base}/graphql`, token, CREATE, { input: { id: n } })).errors).toBeUndefined();
        for (let i = 0; i < 5; i++) {
          expect((await postGraphQL(`${a.base}/graphql`, token, PATCH, { n, last: `L${i}` })).errors).toBeUndefined();
        }
      }),
    );
    await until('some deliveries arrived', 20_000, () => receiver.received.length >= 5);
    a.child.kill('SIGKILL');
    await a.exited;
    const delivered = receiver.received.length;
    expect(delivered).toBeLessThan(48);
    const restarted = await startReplica('ev-kill-2', url, EVENTS_ENV);
    try {
      await until(
        'every event delivered at least once',
        30_000,
        () => new Set(receiver.received.map((r) => r.headers['webhook-id'])).size === 48,
        100,
      );
      for (const versions of versionsByCustomer(receiver.received.map((r) => r.json as never)).values()) {
        expect(versions).toEqual([1, 2, 3, 4, 5, 6]);
      }
    } finally {
      restarted.child.kill('SIGTERM');
      await receiver.close();
    }
  }, 120_000);

  it('SIGTERM lets the sends in flight finish and gives back the claims not yet sent', async () => {
    const url = await createDatabase(ADMIN_URL);
    const a = await startReplica('ev-term', url, EVENTS_ENV);
    // Each answer takes 600 ms: at SIGTERM some deliveries are being sent and more are claimed behind them.
    const receiver = await startReceiver((_request, res) => {
      setTimeout(() => res.writeHead(204).end(), 600);
    });
    const token = await tokenFor('term');
    expect((await postGraphQL(`${a.base}/graphql`, token, ENDPOINT, { url: receiver.url })).errors).toBeUndefined();
    for (let c = 0; c < 40; c++) {
      expect(
        (await postGraphQL(`${a.base}/graphql`, token, CREATE, { input: { id: `T${c}` } })).errors,
      ).toBeUndefined();
    }
    await until('a delivery is in flight', 20_000, () => receiver.received.length >= 1);
    a.child.kill('SIGTERM');
    expect((await a.exited).code).toBe(0);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ status: string; leased: boolean; count: string }>(
        `SELECT status, lease_until IS NOT NULL AS leased, count(*) FROM webhook_deliveries GROUP BY 1, 2`,
      );
      // No claim outlives the replica, and each request the receiver got was recorded as delivered.
      expect(rows.filter((row) => row.leased)).toEqual([]);
      const succeeded = Number(rows.find((row) => row.status === 'SUCCEEDED')?.count ?? 0);
      expect(succeeded).toBe(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size);
      expect(rows.reduce((sum, row) => sum + Number(row.count), 0)).toBe(40);
    } finally {
      await client.end();
      await receiver.close();
    }
  }, 120_000);
});
