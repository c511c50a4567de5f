/**
 * Change events (EVENTS.md) through the real service: what each mutation of both doors appends to the log, the pull
 * query over it, and the webhooks a receiver on 127.0.0.1 gets, verified with the npm `standardwebhooks` package (an
 * implementation independent of ours), with the faults a relay must survive: 500s, timeouts, Retry-After, 410.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, ok, startTestServer, type TestServer } from './helpers.js';
import { ROOT } from './support/built-service.js';
import { startReceiver, type Receiver } from './support/webhook-receiver.js';

const EVENT_FIELDS = `id type timestamp cursor customerNumber customer { customerNumber firstName metadata { version } }`;
const EVENTS = `query Events($first: Int, $after: String, $types: [String!]) {
  customerEvents(first: $first, after: $after, types: $types) {
    edges { cursor node { ${EVENT_FIELDS} } } pageInfo { hasNextPage endCursor }
  }
}`;
const CREATE_ENDPOINT = `mutation Create($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret endpoint { id url eventTypes active disabledReason } }
}`;
const DELIVERIES = `query Deliveries($id: ID!) {
  webhookEndpoint(id: $id) { active disabledReason deliveries(first: 50) {
    edges { node { id status nextAttemptAt attempts { statusCode durationMs error } event { id type } } }
  } }
}`;

interface EventNode {
  id: string;
  type: string;
  cursor: string;
  customerNumber: string;
  customer: { customerNumber: string; firstName: string | null; metadata: { version: number } } | null;
}

let server: TestServer;
let restToken: string;

/** Every event of the tenant after the cursor, page by page. */
async function eventsAfter(after?: string, token?: string): Promise<EventNode[]> {
  const all: EventNode[] = [];
  let cursor = after;
  for (;;) {
    const page = ok<{ edges: { node: EventNode }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }>(
      await server.gql(EVENTS, { first: 100, after: cursor }, token === undefined ? {} : { token }),
    );
    all.push(...page.edges.map((edge) => edge.node));
    if (!page.pageInfo.hasNextPage) return all;
    cursor = page.pageInfo.endCursor!;
  }
}

async function lastCursor(): Promise<string | undefined> {
  return (await eventsAfter()).at(-1)?.cursor;
}

const rest = (method: string, path: string, body?: unknown) =>
  fetch(`${server.url}/customer/acme${path}`, {
    method,
    headers: {
      authorization: `Bearer ${restToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

beforeAll(async () => {
  server = await startTestServer({
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    WEBHOOK_RETRY_DELAYS: '200ms,200ms,200ms',
    WEBHOOK_TIMEOUT_MS: '500',
  });
  restToken = await server.token();
});
afterAll(async () => {
  await server?.close();
});

describe('the event log', () => {
  it('appends one event per change, in order, from both doors; nothing for failures and no-ops', async () => {
    const start = await lastCursor();
    const created = ok(
      await server.gql(
        `mutation { createCustomer(input: { id: "EV1", firstName: "Eve", contactEmail: "eve@example.com" }) { customerNumber } }`,
      ),
    );
    expect(created).toEqual({ customerNumber: 'EV1' });
    // A no-op patch, a refused one and a failed operation append nothing.
    ok(
      await server.gql(
        `mutation { patchCustomer(customerNumber: "EV1", input: { firstName: "Eve" }) { customerNumber } }`,
      ),
    );
    expectError(
      await server.gql(
        `mutation { patchCustomer(customerNumber: "EV1", input: { contactEmail: "no" }) { customerNumber } }`,
      ),
      'BAD_USER_INPUT',
    );
    const failed = await server.gql(`mutation {
      a: patchCustomer(customerNumber: "EV1", input: { firstName: "Lost" }) { customerNumber }
      b: patchCustomer(customerNumber: "NOPE", input: { firstName: "X" }) { customerNumber }
    }`);
    expect(failed.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    // Two changes in one operation: two events.
    ok(
      await server.gql(`mutation {
        a: patchCustomer(customerNumber: "EV1", input: { firstName: "Eva" }) { customerNumber }
        b: patchCustomer(customerNumber: "EV1", input: { lastName: "Lu" }) { customerNumber }
      }`),
    );
    // REST: an address, its tags, an account, a delete.
    const address = await rest('POST', '/customers/EV1/addresses', { contactName: 'Eva Lu', country: 'DE' });
    expect(address.status).toBe(201);
    const { id: addressId } = (await address.json()) as { id: string };
    expect((await rest('POST', `/customers/EV1/addresses/${addressId}/tags?tags=HOME`)).status).toBeLessThan(300);
    expect(
      (
        await rest('POST', '/customers/EV1/accounts/internal?sendPasswordResetNotifications=false', {
          email: 'eva2@example.com',
        })
      ).status,
    ).toBe(201);
    expect((await rest('DELETE', '/customers/EV1')).status).toBe(202);

    const events = await eventsAfter(start);
    expect(events.map((e) => [e.type, e.customerNumber, e.customer?.metadata.version ?? null])).toEqual([
      ['customer.created', 'EV1', 2],
      ['customer.password-reset', 'EV1', null],
      ['customer.updated', 'EV1', 3],
      ['customer.updated', 'EV1', 4],
      ['customer.updated', 'EV1', 5],
      ['customer.updated', 'EV1', 6],
      ['customer.updated', 'EV1', 7],
      ['customer.deleted', 'EV1', null],
    ]);
    // The customer as each change left it.
    expect(events[2]!.customer?.firstName).toBe('Eva');
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  it('pages without repeats, filters by type, and refuses what is not a cursor or a type', async () => {
    for (let i = 0; i < 5; i++) {
      ok(await server.gql(`mutation { createCustomer(input: { id: "PG${i}" }) { customerNumber } }`));
    }
    const all = await eventsAfter();
    const paged: EventNode[] = [];
    let after: string | undefined;
    for (;;) {
      const page = ok<{ edges: { node: EventNode }[]; pageInfo: { hasNextPage: boolean; endCursor: string } }>(
        await server.gql(EVENTS, { first: 2, after }),
      );
      paged.push(...page.edges.map((e) => e.node));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(paged.map((e) => e.id)).toEqual(all.map((e) => e.id));
    const created = ok<{ edges: { node: EventNode }[] }>(
      await server.gql(EVENTS, { first: 500, types: ['customer.created'] }),
    );
    expect(created.edges.every((e) => e.node.type === 'customer.created')).toBe(true);
    expect(created.edges.length).toBe(all.filter((e) => e.type === 'customer.created').length);
    expectError(await server.gql(EVENTS, { after: 'nope' }), 'BAD_USER_INPUT', ['after']);
    expectError(await server.gql(EVENTS, { types: ['customer.exploded'] }), 'BAD_USER_INPUT', ['types']);
    expectError(await server.gql(EVENTS, { first: 501 }), 'BAD_USER_INPUT', ['first']);
  });

  it('keeps tenants apart and asks for a read scope', async () => {
    const other = await server.token({ tenant: 'globex' });
    ok(await server.gql(`mutation { createCustomer(input: { id: "GX1" }) { customerNumber } }`, {}, { token: other }));
    const globex = await eventsAfter(undefined, other);
    expect(globex.map((e) => e.customerNumber)).toEqual(['GX1']);
    expect((await eventsAfter()).some((e) => e.customerNumber === 'GX1')).toBe(false);
    const webhooksOnly = await server.token({ scope: 'webhook.subscription_manage' });
    expectError(await server.gql(EVENTS, {}, { token: webhooksOnly }), 'FORBIDDEN');
  });
});

describe('every write of both doors', () => {
  let receiver: Receiver;
  let endpointId: string;
  let n = 0;
  beforeAll(async () => {
    receiver = await startReceiver();
    ({
      endpoint: { id: endpointId },
    } = ok<{ endpoint: { id: string } }>(await server.gql(CREATE_ENDPOINT, { input: { url: receiver.url } })));
  });
  afterAll(async () => {
    ok(await server.gql(`mutation { deleteWebhookEndpoint(id: "${endpointId}") }`));
    await receiver?.close();
  });

  /** A customer of its own (no account), with the address A-<number> tagged BILLING: its events not counted. */
  async function fresh(): Promise<string> {
    const number = `MX${++n}`;
    ok(await server.gql(`mutation { createCustomer(input: { id: "${number}" }) { id } }`));
    expect(
      (
        await rest('POST', `/customers/${number}/addresses`, {
          id: `A-${number}`,
          contactName: 'A',
          country: 'DE',
          tags: ['BILLING'],
        })
      ).status,
    ).toBe(201);
    return number;
  }

  /** The events `write` appends about `number` (type and version), and the webhook data of the last one. */
  async function eventsOf(number: string, write: () => Promise<unknown>) {
    const before = await lastCursor();
    await write();
    const events = (await eventsAfter(before)).filter((e) => e.customerNumber === number);
    const ids = events.map((e) => e.id);
    await expect
      .poll(() => ids.every((id) => receiver.received.some((r) => r.json.id === id)), { timeout: 10_000 })
      .toBe(true);
    const last = receiver.received.find((r) => r.json.id === ids.at(-1));
    const lastChange = receiver.received.find((r) => r.json.id === events.findLast((e) => e.customer)?.id);
    return {
      events: events.map((e) => [e.type, e.customer?.metadata.version ?? null]),
      last: last?.json,
      lastChange: lastChange?.json,
    };
  }

  /** What GET …?expand=addresses,accounts,mixin:* shows, as a webhook's data has it. */
  async function shown(number: string) {
    const answer = await rest('GET', `/customers/${number}?expand=addresses,accounts,mixin:*`);
    return { ...((await answer.json()) as object), tenant: 'acme' };
  }

  const gql = (document: string) => async () => ok(await server.gql(document));
  const restCall = (method: string, path: string, body?: unknown, status?: number) => async () => {
    const answer = await rest(method, path, body);
    if (status) expect(answer.status).toBe(status);
  };

  const CASES: [string, (n: string) => () => Promise<unknown>, [string, number | null][]][] = [
    [
      'GraphQL upsertCustomer',
      (c) => gql(`mutation { upsertCustomer(customerNumber: "${c}", input: { lastName: "U" }) { created } }`),
      [['customer.updated', 3]],
    ],
    [
      'GraphQL patchCustomer',
      (c) => gql(`mutation { patchCustomer(customerNumber: "${c}", input: { mixins: { a: 1 } }) { id } }`),
      [['customer.updated', 3]],
    ],
    [
      'GraphQL patchCustomer, no change',
      (c) => gql(`mutation { patchCustomer(customerNumber: "${c}", input: {}) { id } }`),
      [],
    ],
    [
      'GraphQL assignCustomerAccount',
      (c) => gql(`mutation { assignCustomerAccount(customerNumber: "${c}", email: "${c}@example.com") { id } }`),
      [
        ['customer.updated', 3],
        ['customer.password-reset', null],
      ],
    ],
    [
      'GraphQL assignCustomerAccount without reset',
      (c) =>
        gql(
          `mutation { assignCustomerAccount(customerNumber: "${c}", email: "${c}@example.com", sendPasswordResetNotifications: false) { id } }`,
        ),
      [['customer.updated', 3]],
    ],
    [
      'GraphQL addCustomerAddress',
      (c) =>
        gql(
          `mutation { addCustomerAddress(customerNumber: "${c}", input: { contactName: "B", country: "FR" }) { id } }`,
        ),
      [['customer.updated', 3]],
    ],
    [
      'GraphQL updateCustomerAddress',
      (c) =>
        gql(
          `mutation { updateCustomerAddress(customerNumber: "${c}", addressId: "A-${c}", input: { contactName: "B", country: "FR" }) { id } }`,
        ),
      [['customer.updated', 3]],
    ],
    [
      'GraphQL patchCustomerAddress',
      (c) =>
        gql(
          `mutation { patchCustomerAddress(customerNumber: "${c}", addressId: "A-${c}", input: { city: "Paris" }) { id } }`,
        ),
      [['customer.updated', 3]],
    ],
    [
      'GraphQL addCustomerAddressTags',
      (c) =>
        gql(`mutation { addCustomerAddressTags(customerNumber: "${c}", addressId: "A-${c}", tags: ["HOME"]) { id } }`),
      [['customer.updated', 3]],
    ],
    [
      'GraphQL removeCustomerAddressTags',
      (c) =>
        gql(
          `mutation { removeCustomerAddressTags(customerNumber: "${c}", addressId: "A-${c}", tags: ["BILLING"]) { id } }`,
        ),
      [['customer.updated', 3]],
    ],
    [
      'GraphQL deleteCustomerAddress',
      (c) => gql(`mutation { deleteCustomerAddress(customerNumber: "${c}", addressId: "A-${c}") { addressId } }`),
      [['customer.updated', 3]],
    ],
    [
      'GraphQL deleteCustomer',
      (c) => gql(`mutation { deleteCustomer(customerNumber: "${c}") { customerNumber } }`),
      [['customer.deleted', null]],
    ],
    ['REST PUT customer', (c) => restCall('PUT', `/customers/${c}`, { lastName: 'U' }, 204), [['customer.updated', 3]]],
    [
      'REST PATCH customer',
      (c) => restCall('PATCH', `/customers/${c}`, { company: 'Co' }, 200),
      [['customer.updated', 3]],
    ],
    ['REST PATCH customer, no change', (c) => restCall('PATCH', `/customers/${c}`, {}, 200), []],
    [
      'REST assign account',
      (c) => restCall('POST', `/customers/${c}/accounts/internal`, { email: `${c}@example.com` }, 201),
      [
        ['customer.updated', 3],
        ['customer.password-reset', null],
      ],
    ],
    [
      'REST POST address',
      (c) => restCall('POST', `/customers/${c}/addresses`, { contactName: 'B', country: 'FR' }, 201),
      [['customer.updated', 3]],
    ],
    [
      'REST PUT address',
      (c) => restCall('PUT', `/customers/${c}/addresses/A-${c}`, { contactName: 'B', country: 'FR' }),
      [['customer.updated', 3]],
    ],
    [
      'REST PATCH address',
      (c) => restCall('PATCH', `/customers/${c}/addresses/A-${c}`, { city: 'Rome' }),
      [['customer.updated', 3]],
    ],
    [
      'REST POST tags',
      (c) => restCall('POST', `/customers/${c}/addresses/A-${c}/tags?tags=HOME`),
      [['customer.updated', 3]],
    ],
    [
      'REST DELETE tags',
      (c) => restCall('DELETE', `/customers/${c}/addresses/A-${c}/tags?tags=BILLING`),
      [['customer.updated', 3]],
    ],
    ['REST DELETE address', (c) => restCall('DELETE', `/customers/${c}/addresses/A-${c}`), [['customer.updated', 3]]],
    [
      'REST DELETE customer',
      (c) => restCall('DELETE', `/customers/${c}`, undefined, 202),
      [['customer.deleted', null]],
    ],
  ];

  it.each(CASES)(
    '%s: exactly these events, and data as GET shows the customer after it',
    async (_name, write, expected) => {
      const number = await fresh();
      const { events, last } = await eventsOf(number, write(number));
      expect(events).toEqual(expected);
      if (expected.length === 0) return;
      const [type] = expected[0]!;
      if (type === 'customer.updated') {
        const updated = receiver.received.findLast(
          (r) => r.json.type === 'customer.updated' && r.json.data.customerNumber === number,
        );
        expect(updated!.json.data).toEqual(await shown(number));
      } else {
        expect(last!.data).toEqual({ tenant: 'acme', customerNumber: number, id: number });
      }
    },
  );

  it.each([
    [
      'GraphQL createCustomer',
      (c: string) => gql(`mutation { createCustomer(input: { id: "${c}", contactEmail: "${c}@example.com" }) { id } }`),
      [
        ['customer.created', 2],
        ['customer.password-reset', null],
      ],
    ],
    [
      'GraphQL upsertCustomer that creates',
      (c: string) =>
        gql(`mutation { upsertCustomer(customerNumber: "${c}", input: { firstName: "New" }) { created } }`),
      [['customer.created', 1]],
    ],
    [
      'REST POST customer',
      (c: string) =>
        restCall(
          'POST',
          '/customers?sendPasswordResetNotifications=false',
          { id: c, contactEmail: `${c}@example.com` },
          201,
        ),
      [['customer.created', 2]],
    ],
    [
      'REST PUT customer that creates',
      (c: string) => restCall('PUT', `/customers/${c}`, { firstName: 'New' }, 201),
      [['customer.created', 1]],
    ],
  ] as const)('%s: exactly these events, and data as GET shows the new customer', async (_name, write, expected) => {
    const number = `NEW${++n}`;
    const { events } = await eventsOf(number, write(number));
    expect(events).toEqual(expected);
    const created = receiver.received.findLast(
      (r) => r.json.type === 'customer.created' && r.json.data.customerNumber === number,
    );
    expect(created!.json.data).toEqual(await shown(number));
  });
});

describe('webhooks', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it('sends every event, signed, with the REST representation as data', async () => {
    const { secret, endpoint } = ok<{
      secret: string;
      endpoint: { id: string; eventTypes: string[]; active: boolean };
    }>(await server.gql(CREATE_ENDPOINT, { input: { url: receiver.url, description: 'all' } }));
    expect(secret).toMatch(/^whsec_/);
    expect(endpoint).toMatchObject({ eventTypes: [], active: true });
    ok(
      await server.gql(
        `mutation { createCustomer(input: { id: "WH1", firstName: "Wanda", contactEmail: "wanda@example.com" }) { customerNumber } }`,
      ),
    );
    ok(
      await server.gql(
        `mutation { patchCustomer(customerNumber: "WH1", input: { lastName: "Hook" }) { customerNumber } }`,
      ),
    );
    await receiver.waitFor(3);
    const verifier = new Webhook(secret);
    const bodies = receiver.received.map(
      (request) => verifier.verify(request.body, request.headers) as Received['json'],
    );
    expect(bodies.map((b) => b.type)).toEqual(['customer.created', 'customer.password-reset', 'customer.updated']);
    const [created, reset, updated] = bodies as [Received['json'], Received['json'], Received['json']];
    expect(created.data).toMatchObject({
      tenant: 'acme',
      id: 'WH1',
      customerNumber: 'WH1',
      firstName: 'Wanda',
      accounts: [{ id: 'wanda@example.com' }],
      addresses: [],
      metadata: { version: 2 },
    });
    expect(reset.data).toEqual({
      tenant: 'acme',
      customerNumber: 'WH1',
      accountId: expect.any(String),
      email: 'wanda@example.com',
      site: 'main',
    });
    expect(updated.data).toMatchObject({ lastName: 'Hook', metadata: { version: 3 } });
    // One id everywhere: the webhook's is the log's.
    const logged = await eventsAfter();
    expect(logged.map((e) => e.id)).toEqual(expect.arrayContaining(bodies.map((b) => b.id)));
    for (const request of receiver.received) expect(request.headers['webhook-id']).toBe(request.json.id);
    // A tampered body, a wrong secret and a stale timestamp are refused by the verifier.
    const first = receiver.received[0]!;
    expect(() => verifier.verify(first.body.replace('Wanda', 'Wendy'), first.headers)).toThrow();
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(first.body, first.headers),
    ).toThrow();
    const stale = String(Math.floor(Date.now() / 1000) - 600);
    expect(() => verifier.verify(first.body, { ...first.headers, 'webhook-timestamp': stale })).toThrow();

    // The deliveries, each with its attempt (recorded just after the receiver answered).
    type Listed = { deliveries: { edges: { node: { status: string; attempts: { statusCode: number }[] } }[] } };
    const list = async () => ok<Listed>(await server.gql(DELIVERIES, { id: endpoint.id }));
    await expect
      .poll(async () => (await list()).deliveries.edges.map((e) => e.node.status))
      .toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    const listed = await list();
    expect(listed.deliveries.edges[0]!.node.attempts).toEqual([expect.objectContaining({ statusCode: 204 })]);
    ok(await server.gql(`mutation { deleteWebhookEndpoint(id: "${endpoint.id}") }`));

    // /metrics: events appended, attempts by result, the backlog, and the relay's statements apart.
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const value = (line: RegExp) => Number(line.exec(metrics)?.[1] ?? Number.NaN);
    expect(value(/^events_appended_total (\d+)/m)).toBeGreaterThanOrEqual(3);
    expect(value(/^webhook_delivery_attempts_total\{result="succeeded"\} (\d+)/m)).toBeGreaterThanOrEqual(3);
    expect(value(/^webhook_deliveries_waiting (\d+)/m)).toBeGreaterThanOrEqual(0);
    expect(value(/^webhook_oldest_undelivered_event_age_seconds ([\d.]+)/m)).toBeGreaterThanOrEqual(0);
    expect(value(/^db_background_statements_total (\d+)/m)).toBeGreaterThan(0);
  });

  it('signs with both secrets during a rotation', async () => {
    const rotating = await startReceiver();
    try {
      const { secret, endpoint } = ok<{ secret: string; endpoint: { id: string } }>(
        await server.gql(CREATE_ENDPOINT, { input: { url: rotating.url, eventTypes: ['customer.created'] } }),
      );
      const rotated = ok<{ secret: string }>(
        await server.gql(`mutation { rotateWebhookSecret(id: "${endpoint.id}") { secret endpoint { id } } }`),
      );
      expect(rotated.secret).not.toBe(secret);
      ok(await server.gql(`mutation { createCustomer(input: { id: "ROT1" }) { customerNumber } }`));
      ok(
        await server.gql(
          `mutation { patchCustomer(customerNumber: "ROT1", input: { firstName: "Not sent" }) { customerNumber } }`,
        ),
      );
      await rotating.waitFor(1);
      const [request] = rotating.received;
      expect(request!.headers['webhook-signature']!.split(' ')).toHaveLength(2);
      expect(new Webhook(secret).verify(request!.body, request!.headers)).toMatchObject({ type: 'customer.created' });
      expect(new Webhook(rotated.secret).verify(request!.body, request!.headers)).toMatchObject({
        type: 'customer.created',
      });
      ok(await server.gql(`mutation { deleteWebhookEndpoint(id: "${endpoint.id}") }`));
    } finally {
      await rotating.close();
    }
  });

  it('retries a 500 and a timeout, waits as Retry-After says, and stops for good at 410', async () => {
    const answers = [500, 'hang', 503, 200] as const;
    let call = 0;
    const faulty = await startReceiver((_request, res) => {
      const answer = answers[Math.min(call++, answers.length - 1)]!;
      if (answer === 'hang') return; // never answers: the relay's timeout ends the attempt
      if (answer === 503) return void res.writeHead(503, { 'retry-after': '1' }).end();
      res.writeHead(answer).end();
    });
    try {
      const { endpoint } = ok<{ endpoint: { id: string } }>(
        await server.gql(CREATE_ENDPOINT, { input: { url: faulty.url, eventTypes: ['customer.created'] } }),
      );
      ok(await server.gql(`mutation { createCustomer(input: { id: "FLT1" }) { customerNumber } }`));
      await faulty.waitFor(4);
      const ids = new Set(faulty.received.map((r) => r.headers['webhook-id']));
      expect(ids.size).toBe(1);
      const timestamps = faulty.received.map((r) => Number(r.headers['webhook-timestamp']));
      // Retry-After: 1 (seconds) was honoured between the third and the fourth attempt.
      expect(timestamps[3]! - timestamps[2]!).toBeGreaterThanOrEqual(1);
      const listed = ok<{
        deliveries: {
          edges: { node: { status: string; attempts: { statusCode: number | null; error: string | null }[] } }[];
        };
      }>(await server.gql(DELIVERIES, { id: endpoint.id }));
      await expect
        .poll(async () => ok<any>(await server.gql(DELIVERIES, { id: endpoint.id })).deliveries.edges[0].node.status)
        .toBe('SUCCEEDED');
      const attempts = ok<any>(await server.gql(DELIVERIES, { id: endpoint.id })).deliveries.edges[0].node.attempts;
      expect(attempts.map((a: { statusCode: number | null }) => a.statusCode)).toEqual([500, null, 503, 200]);
      expect(attempts[1].error).toMatch(/timed out/);
      expect(listed).toBeDefined();

      // 410 Gone: given up, and the endpoint is disabled with the reason.
      faulty.respondWith((_request, res) => res.writeHead(410).end());
      ok(await server.gql(`mutation { createCustomer(input: { id: "FLT2" }) { customerNumber } }`));
      await expect
        .poll(async () => ok<any>(await server.gql(DELIVERIES, { id: endpoint.id })).active, { timeout: 10_000 })
        .toBe(false);
      const gone = ok<any>(await server.gql(DELIVERIES, { id: endpoint.id }));
      expect(gone.disabledReason).toMatch(/410/);
      expect(gone.deliveries.edges[0].node.status).toBe('GAVE_UP');
      const count = faulty.received.length;
      ok(await server.gql(`mutation { createCustomer(input: { id: "FLT3" }) { customerNumber } }`));
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(faulty.received.length).toBe(count);
    } finally {
      await faulty.close();
    }
  });

  it('gives up after the schedule, and sends an event again by hand', async () => {
    const failing = await startReceiver((_request, res) => res.writeHead(500).end());
    try {
      const { endpoint } = ok<{ endpoint: { id: string } }>(
        await server.gql(CREATE_ENDPOINT, { input: { url: failing.url, eventTypes: ['customer.created'] } }),
      );
      ok(await server.gql(`mutation { createCustomer(input: { id: "GIV1" }) { customerNumber } }`));
      // The first attempt and one per wait of the schedule (three).
      await failing.waitFor(4);
      await expect
        .poll(async () => ok<any>(await server.gql(DELIVERIES, { id: endpoint.id })).deliveries.edges[0].node.status)
        .toBe('GAVE_UP');
      failing.respondWith((_request, res) => res.writeHead(200).end());
      const eventId = failing.received[0]!.json.id;
      const again = ok<{ status: string; event: { id: string } }>(
        await server.gql(
          `mutation { redeliverWebhookEvent(endpointId: "${endpoint.id}", eventId: "${eventId}") { status event { id } } }`,
        ),
      );
      expect(again).toEqual({ status: 'PENDING', event: { id: eventId } });
      await failing.waitFor(5);
      expect(failing.received[4]!.headers['webhook-id']).toBe(eventId);
      await expect
        .poll(
          async () =>
            ok<any>(await server.gql(DELIVERIES, { id: endpoint.id })).deliveries.edges[0].node.attempts.length,
        )
        .toBe(5);
    } finally {
      await failing.close();
    }
  });

  it("the README's receiver, run as printed, verifies what the service sends", async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Change events'));
    const code = /```js\n([\s\S]*?)```/.exec(section)![1]!;
    // Beside node_modules, so that its import of standardwebhooks resolves as in a user's project.
    const file = join(ROOT, `.readme-receiver-${process.pid}-${Date.now()}.mjs`);
    writeFileSync(file, code);
    const port = await new Promise<number>((resolve) => {
      const probe = createNetServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const { secret, endpoint } = ok<{ secret: string; endpoint: { id: string } }>(
      await server.gql(CREATE_ENDPOINT, {
        input: { url: `http://127.0.0.1:${port}/`, eventTypes: ['customer.created'] },
      }),
    );
    const child = spawn(process.execPath, [file], {
      env: { ...process.env, WEBHOOK_SECRET: secret, PORT: String(port) },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await expect
        .poll(async () => (await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' })).status)
        .toBe(400);
      ok(await server.gql(`mutation { createCustomer(input: { id: "README1" }) { customerNumber } }`));
      await expect.poll(() => output, { timeout: 10_000 }).toContain('customer.created README1');
    } finally {
      child.kill();
      rmSync(file, { force: true });
      ok(await server.gql(`mutation { deleteWebhookEndpoint(id: "${endpoint.id}") }`));
    }
  });

  it('refuses endpoints on non-public addresses without WEBHOOK_ALLOW_PRIVATE_NETWORKS', async () => {
    const guarded = await startTestServer();
    try {
      for (const url of [
        'https://127.0.0.1/hook',
        'https://10.1.2.3/hook',
        'https://169.254.169.254/latest/meta-data',
        'https://[::1]/hook',
        'https://localhost/hook',
      ]) {
        const refused = await guarded.gql(CREATE_ENDPOINT, { input: { url } });
        expectError(refused, 'BAD_USER_INPUT', ['input.url']);
        expect(refused.errors![0]!.extensions!.details[0].message).toMatch(/WEBHOOK_ALLOW_PRIVATE_NETWORKS/);
      }
      expect(ok<unknown[]>(await guarded.gql('{ webhookEndpoints { id } }'))).toEqual([]);
    } finally {
      await guarded.close();
    }
  });

  it('refuses endpoints the caller may not manage, and unknown event types', async () => {
    const readOnly = await server.token({ scope: 'webhook.subscription_read' });
    expectError(await server.gql(CREATE_ENDPOINT, { input: { url: receiver.url } }, { token: readOnly }), 'FORBIDDEN');
    const customerOnly = await server.token({ scope: 'customer.customer_manage' });
    expectError(await server.gql(`{ webhookEndpoints { id } }`, {}, { token: customerOnly }), 'FORBIDDEN');
    expectError(
      await server.gql(CREATE_ENDPOINT, { input: { url: receiver.url, eventTypes: ['customer.nope'] } }),
      'BAD_USER_INPUT',
      ['input.eventTypes[0]'],
    );
    // Another tenant's endpoints are not there.
    const { endpoint } = ok<{ endpoint: { id: string } }>(
      await server.gql(CREATE_ENDPOINT, { input: { url: receiver.url } }),
    );
    const other = await server.token({ tenant: 'globex' });
    expect(ok(await server.gql(`{ webhookEndpoint(id: "${endpoint.id}") { id } }`, {}, { token: other }))).toBeNull();
    expectError(
      await server.gql(`mutation { deleteWebhookEndpoint(id: "${endpoint.id}") }`, {}, { token: other }),
      'NOT_FOUND',
    );
    ok(await server.gql(`mutation { deleteWebhookEndpoint(id: "${endpoint.id}") }`));
  });
});

type Received = import('./support/webhook-receiver.js').Received;
