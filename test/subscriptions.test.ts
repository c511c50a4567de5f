/**
 * Subscription.customerEvents over GraphQL over SSE, on the real service: live events, `after` resuming with no gap
 * and no repeat while writers run, the reach (own scope, other tenants, no read scope), and a subscriber that stops
 * reading, which must not make the server buffer what it would have sent.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, startTestServer, type TestServer } from './helpers.js';
import { subscribe } from './support/sse.js';

const FOLLOW = `subscription Follow($after: String, $types: [String!]) {
  customerEvents(after: $after, types: $types) { id type cursor customerNumber customer { customerNumber lastName } }
}`;
const PULL = `query Pull($after: String) {
  customerEvents(first: 500, after: $after) { edges { node { id cursor customerNumber type } } }
}`;

interface Event {
  id: string;
  type: string;
  cursor: string;
  customerNumber: string;
  customer?: { customerNumber: string; lastName: string | null } | null;
}

let server: TestServer;
const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const created = (number: string, extra = '') =>
  server.gql(`mutation { createCustomer(input: { id: "${number}" ${extra} }) { customerNumber } }`);
const pulled = async (after?: string) =>
  ok<{ edges: { node: Event }[] }>(await server.gql(PULL, { after })).edges.map((edge) => edge.node);

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

describe('Subscription.customerEvents', () => {
  it('streams each event as it commits, with the id the log and webhooks give it', async () => {
    const sub = subscribe<{ customerEvents: Event }>(server.url, FOLLOW, {}, auth(await server.token()));
    try {
      // Subscribed from the present on, once the server has read where the log ends: write until it hears.
      let written = 0;
      await expect
        .poll(
          async () => {
            ok(await created(`LIVE${++written}`, 'lastName: "Live"'));
            return sub.received.length;
          },
          { interval: 200, timeout: 20_000 },
        )
        .toBeGreaterThan(0);
      const [event] = sub.received.map((payload) => payload.data!.customerEvents);
      expect(event).toMatchObject({ type: 'customer.created', customer: { lastName: 'Live' } });
      expect(event!.customerNumber).toMatch(/^LIVE\d+$/);
      expect(event!.customer).toEqual({ customerNumber: event!.customerNumber, lastName: 'Live' });
      const logged = (await pulled()).find((e) => e.customerNumber === event!.customerNumber);
      expect(logged?.id).toBe(event!.id);
    } finally {
      sub.close();
    }
  });

  it('with after, replays the log and goes live with no gap and no repeat while writers run', async () => {
    const start = (await pulled()).at(-1)?.cursor;
    let writing = true;
    const written: string[] = [];
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; writing && i < 15; i++) {
        const number = `GAP${w}-${i}`;
        ok(await created(number));
        written.push(number);
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const sub = subscribe<{ customerEvents: Event }>(server.url, FOLLOW, { after: start }, auth(await server.token()));
    try {
      await Promise.all(writers);
      writing = false;
      await sub.waitFor(60);
      const streamed = sub.received.map((payload) => payload.data!.customerEvents);
      expect(streamed.map((e) => e.customerNumber).sort()).toEqual([...written].sort());
      expect(streamed.map((e) => e.id)).toEqual((await pulled(start)).map((e) => e.id));
    } finally {
      sub.close();
    }
  });

  it("shows an own-scope customer its company's events only, another tenant nothing, and refuses without a read scope", async () => {
    ok(
      await server.gql(
        `mutation { createCustomer(input: { id: "OWN-ME", b2b: { companyRegistrationId: "REG-OWN" } }) { customerNumber } }`,
      ),
    );
    const start = (await pulled()).at(-1)?.cursor;
    const own = await server.token({ scope: 'customer.customer_read_own', customer_id: 'OWN-ME' });
    const mine = subscribe<{ customerEvents: Event }>(server.url, FOLLOW, { after: start }, auth(own));
    const globex = subscribe<{ customerEvents: Event }>(
      server.url,
      FOLLOW,
      { after: start },
      auth(await server.token({ tenant: 'globex' })),
    );
    const refused = subscribe(server.url, FOLLOW, {}, auth(await server.token({ scope: 'customer.customer_create' })));
    try {
      ok(
        await created(
          'OWN-COLLEAGUE',
          'contactEmail: "colleague@example.com", b2b: { companyRegistrationId: "REG-OWN" }',
        ),
      );
      ok(await created('OWN-STRANGER'));
      ok(
        await server.gql(
          `mutation { patchCustomer(customerNumber: "OWN-COLLEAGUE", input: { lastName: "C" }) { customerNumber } }`,
        ),
      );
      await mine.waitFor(2);
      // The colleague's creation and change; not its password reset, nor the stranger.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(mine.received.map((p) => [p.data!.customerEvents.type, p.data!.customerEvents.customerNumber])).toEqual([
        ['customer.created', 'OWN-COLLEAGUE'],
        ['customer.updated', 'OWN-COLLEAGUE'],
      ]);
      expect(globex.received).toEqual([]);
      await refused.waitFor(1);
      expect(refused.received[0]!.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    } finally {
      mine.close();
      globex.close();
      refused.close();
    }
  });

  it('ends when the token expires, and resumes with a fresh one from the last cursor', async () => {
    const short = await server.token({}, { ttlSeconds: 2 });
    const start = (await pulled()).at(-1)?.cursor;
    const sub = subscribe<{ customerEvents: Event }>(server.url, FOLLOW, { after: start }, auth(short));
    ok(await created('EXP1'));
    await sub.waitFor(1);
    await sub.completed;
    ok(await created('EXP2'));
    const resumed = subscribe<{ customerEvents: Event }>(
      server.url,
      FOLLOW,
      { after: sub.received.at(-1)!.data!.customerEvents.cursor },
      auth(await server.token()),
    );
    try {
      await resumed.waitFor(1);
      expect(resumed.received.map((p) => p.data!.customerEvents.customerNumber)).toEqual(['EXP2']);
    } finally {
      resumed.close();
    }
  });

  it('ends its subscriptions when the service shuts down, so that they do not hold it open', async () => {
    const closing = await startTestServer();
    const sub = subscribe(closing.url, FOLLOW, {}, auth(await closing.token()));
    await new Promise((resolve) => setTimeout(resolve, 300));
    let completed = false;
    void sub.completed.then(() => {
      completed = true;
    });
    // A grace period far longer than the test: only an ended subscription lets close() return in time.
    await closing.service.close(60_000);
    await sub.completed;
    expect(completed).toBe(true);
  });

  it('does not buffer for a subscriber that stops reading', async () => {
    const sockets = new Set<Socket>();
    const track = (socket: Socket) => sockets.add(socket);
    server.service.server.on('connection', track);
    const token = await server.token();
    ok(await created('BIG1'));
    // A raw client that reads the headers, then nothing more.
    const request = http.request(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...auth(token) },
    });
    const responded = new Promise<http.IncomingMessage>((resolve) => request.on('response', resolve));
    request.end(JSON.stringify({ query: `subscription { customerEvents { id customer { mixins } } }` }));
    const response = await responded;
    response.pause();
    try {
      // About 10 MB of events, each carrying 16 KB of mixins.
      const filler = 'x'.repeat(15_000);
      for (let i = 0; i < 600; i++) {
        ok(
          await server.gql(
            `mutation($m: JSON) { patchCustomer(customerNumber: "BIG1", input: { mixins: $m }) { customerNumber } }`,
            {
              m: { i, filler },
            },
          ),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      // What the server holds for the stalled subscriber: its sockets' unsent bytes stay near one event.
      const buffered = Math.max(...[...sockets].map((socket) => socket.writableLength));
      expect(buffered).toBeLessThan(1_000_000);
    } finally {
      server.service.server.off('connection', track);
      request.destroy();
    }
  });
});
