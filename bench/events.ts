/**
 * E1–E3, the change events (docs/events.md) under load, on one store:
 *
 * - E1: M1 (the patch load) without a webhook endpoint, then with one whose receiver is a node:http server in this
 *   process answering 204 at once; alternately, for the configured rounds. Each "with" run has its own endpoint,
 *   deleted once every event of the run has arrived, so that the "without" runs after it make no deliveries.
 * - E2: during those "with" runs, receipt time − the event's `timestamp` (the time of its append, in the
 *   transaction) at the receiver, and in one more such run with an SSE subscriber open, at the subscriber too, for
 *   every event committed in the measured part of a run.
 * - E3: how fast the relays drain a backlog to one endpoint that answers at once. While the events are written the
 *   receiver holds its answers, so each relay has its requests to the endpoint in flight and the rest of its claims
 *   waiting (it claims no more: its in-flight limit is reached), and every other delivery stays due in the log; no
 *   attempt fails, nothing is paused. Then the receiver answers the held requests and every later one at once:
 *   deliveries made after that moment ÷ the time to the last one. On PostgreSQL also with a second replica.
 *
 * Fails only when something does not work (a mutation refused, an event that never arrives, a bad signature), never
 * on timing: an event still on its way fails the benchmark only when nothing at all arrived for STALL_MS.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { cpus } from 'node:os';
import autocannon from 'autocannon';
import type { ChangeEvents, DeliveryRun, EventLatency, Measurement } from './report.js';
import { body, M1 } from './scenarios.js';

export const EVENTS_SERVICE_ENV: Record<string, string> = {
  // The receiver is http on 127.0.0.1: refused unless private networks are allowed.
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  // E3 holds the relays' first requests while it writes (a minute or more on a busy machine): they must not time out.
  WEBHOOK_TIMEOUT_MS: String(10 * 60_000),
};
/** E3's events (one patch each), over as many customers as the data has up to this. */
export const E3_EVENTS = 5000;
export const E3_EVENTS_QUICK = 1000;
/** E3 writes with as many connections as the benchmark's other loads (its default). */
const E3_CONNECTIONS = 16;
/** Waiting for events fails only after this long without a single one arriving. */
const STALL_MS = 30_000;

const SUBSCRIPTION = 'subscription E2 { customerEvents { id type customerNumber timestamp } }';
const CREATE_ENDPOINT = `mutation CreateEndpoint($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret endpoint { id } }
}`;
const DELETE_ENDPOINT = 'mutation DeleteEndpoint($id: ID!) { deleteWebhookEndpoint(id: $id) }';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A replica of the service started for E3, over the same database. */
export interface Replica {
  url: string;
  stop(): Promise<void>;
}

export interface ChangeEventsRun {
  url: string;
  token: string;
  rounds: number;
  /** Run E1 (and with it E2), and E3. */
  load: boolean;
  delivery: boolean;
  /** One M1 run as the benchmark measures it; `beforeMeasured` is called as its measured part starts. */
  measureM1(beforeMeasured: () => void): Promise<Measurement>;
  /** How a measurement is printed. */
  describe(m: Measurement): string;
  /** E3's customers (one patch each, cycling when there are fewer than `deliveryEvents`). */
  customers: string[];
  deliveryEvents: number;
  /** PostgreSQL: another replica of the service on the same database (E3 with two replicas); absent on SQLite. */
  startReplica: (() => Promise<Replica>) | undefined;
  log(line: string): void;
}

/** When an event arrived (Date.now()) and its own `timestamp`, the first time it arrived. */
interface Arrival {
  at: number;
  timestamp: number;
}

/** First arrivals by event id, and how many came again. */
class Arrivals {
  readonly first = new Map<string, Arrival>();
  duplicates = 0;
  /** When the last new event arrived (for the stall check). */
  lastNewAt = Date.now();

  add(id: string, at: number, timestamp: number): void {
    if (this.first.has(id)) {
      this.duplicates += 1;
      return;
    }
    this.first.set(id, { at, timestamp });
    this.lastNewAt = at;
  }

  /** Events whose timestamp is at or after `since`. */
  since(since: number): Arrival[] {
    return [...this.first.values()].filter((a) => a.timestamp >= since);
  }
}

async function graphql<T>(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  const answer = JSON.parse(text) as { data?: T; errors?: unknown[] };
  if (response.status !== 200 || answer.errors || !answer.data) {
    throw new Error(`${query.split('(')[0]} failed (${response.status}): ${text.slice(0, 500)}`);
  }
  return answer.data;
}

/** A counter of the service's /metrics (0 when it has not counted yet); `labels` as /metrics writes them. */
async function metric(url: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

/** events_appended_total once it has stopped moving (the last writes of a load may still be committing). */
async function settledAppended(url: string): Promise<number> {
  let previous = await metric(url, 'events_appended_total');
  for (let i = 0; i < 30; i++) {
    await sleep(100);
    const current = await metric(url, 'events_appended_total');
    if (current === previous) return current;
    previous = current;
  }
  return previous;
}

/** The service's CPU time so far (prom-client's process_cpu_seconds_total), in ms. */
const cpuMs = async (url: string) => 1000 * (await metric(url, 'process_cpu_seconds_total'));

/** One M1 run, and the service's CPU time per request over its measured part (the relay's and SSE's included). */
async function measureM1(run: ChangeEventsRun, beforeMeasured: () => void = () => {}) {
  let before: Promise<number> | undefined;
  const measured = await run.measureM1(() => {
    beforeMeasured();
    before = cpuMs(run.url);
  });
  const cpuMsPerRequest = ((await cpuMs(run.url)) - (await before!)) / measured.requests;
  return { measured, cpuMsPerRequest };
}

/** Standard Webhooks v1: one of the signatures (space-separated) is HMAC-SHA256 of `{id}.{timestamp}.{body}`. */
function signedBy(secret: string, headers: Record<string, string | string[] | undefined>, raw: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key)
    .update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${raw}`)
    .digest();
  return String(headers['webhook-signature'] ?? '')
    .split(' ')
    .some((signature) => {
      const [version, value] = signature.split(',');
      const given = Buffer.from(value ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
}

/**
 * The webhook receiver: node:http on 127.0.0.1, answering 204 as soon as a request's body is in, recording the
 * first arrival of each webhook-id and checking every signature against the current endpoint's secret.
 */
async function startReceiver() {
  let arrivals = new Arrivals();
  let secret = '';
  let badSignatures = 0;
  /** While held (E3), requests wait here unanswered; released, each is answered and recorded. */
  let held: ((at: number) => void)[] | undefined;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const answer = (at: number) => {
        res.writeHead(204).end();
        const raw = Buffer.concat(chunks).toString('utf8');
        if (!signedBy(secret, req.headers, raw)) badSignatures += 1;
        const event = JSON.parse(raw) as { timestamp: string };
        arrivals.add(String(req.headers['webhook-id']), at, Date.parse(event.timestamp));
      };
      if (held) held.push(answer);
      else answer(Date.now());
    });
  });
  // The relay keeps its connections: they must not be closed under it between deliveries.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('the webhook receiver has no port');
  return {
    url: `http://127.0.0.1:${address.port}/hook`,
    get arrivals() {
      return arrivals;
    },
    get badSignatures() {
      return badSignatures;
    },
    /** From now on, requests get no answer until release(). */
    hold(): void {
      held = [];
    },
    /** Answers the held requests (recorded as arriving now) and every later one at once. */
    release(): { releasedAt: number; held: number } {
      const releasedAt = Date.now();
      const waiting = held ?? [];
      held = undefined;
      for (const answer of waiting) answer(releasedAt);
      return { releasedAt, held: waiting.length };
    },
    /** A new endpoint: its secret, and a fresh record of arrivals. */
    expect(endpointSecret: string): void {
      secret = endpointSecret;
      arrivals = new Arrivals();
      badSignatures = 0;
    },
    close(): Promise<void> {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/**
 * One SSE subscriber: a plain fetch of the subscription (graphql-sse's distinct connections: `event: next` messages
 * with the payload as data), recording the first arrival of each event. Fails (on the next wait) if the stream
 * carries errors or ends.
 */
function subscribe(url: string, token: string) {
  const arrivals = new Arrivals();
  const controller = new AbortController();
  let failure: Error | undefined;
  void (async () => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: SUBSCRIPTION }),
      signal: controller.signal,
    });
    if (response.status !== 200 || !response.body) {
      throw new Error(`the subscription answered ${response.status}: ${(await response.text()).slice(0, 500)}`);
    }
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      const at = Date.now();
      buffer += decoder.decode(chunk, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
        const lines = buffer.slice(0, end).split('\n');
        buffer = buffer.slice(end + 2);
        const event = lines
          .find((line) => line.startsWith('event:'))
          ?.slice(6)
          .trim();
        const data = lines
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trim())
          .join('\n');
        if (event === 'complete') throw new Error('the server completed the subscription');
        // Anything else (a keep-alive comment) carries no event.
        if (event !== 'next' || !data) continue;
        const payload = JSON.parse(data) as {
          data?: { customerEvents: { id: string; timestamp: string } };
          errors?: unknown[];
        };
        if (payload.errors || !payload.data) throw new Error(`the subscription sent ${data.slice(0, 500)}`);
        const { id, timestamp } = payload.data.customerEvents;
        arrivals.add(id, at, Date.parse(timestamp));
      }
    }
    throw new Error('the subscription ended');
  })().catch((error: unknown) => {
    if (!controller.signal.aborted) failure = error as Error;
  });
  return {
    arrivals,
    failure: () => failure,
    close: () => controller.abort(),
  };
}

/**
 * Waits until `count()` reaches `expected`; fails only if nothing new arrived for STALL_MS (or `failure` says the
 * source broke), never because it is slow.
 */
async function waitForAll(
  what: string,
  arrivals: () => Arrivals,
  count: () => number,
  expected: number,
  failure: () => Error | undefined = () => undefined,
): Promise<void> {
  const started = Date.now();
  while (count() < expected) {
    const broken = failure();
    if (broken) throw new Error(`${what}: ${broken.message}`);
    if (Date.now() - Math.max(started, arrivals().lastNewAt) > STALL_MS) {
      throw new Error(`${what}: ${count()} of ${expected} events arrived, and none for ${STALL_MS / 1000} s`);
    }
    await sleep(50);
  }
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

function latencyOf(arrivals: Arrival[], duplicates: number): EventLatency {
  const latencies = arrivals.map((a) => a.at - a.timestamp).sort((a, b) => a - b);
  return {
    events: latencies.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.at(-1) ?? Number.NaN,
    duplicates,
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;

async function createEndpoint(run: ChangeEventsRun, url: string): Promise<{ id: string; secret: string }> {
  const created = await graphql<{ createWebhookEndpoint: { secret: string; endpoint: { id: string } } }>(
    run.url,
    run.token,
    CREATE_ENDPOINT,
    { input: { url, description: 'bench' } },
  );
  return { id: created.createWebhookEndpoint.endpoint.id, secret: created.createWebhookEndpoint.secret };
}

const deleteEndpoint = (run: ChangeEventsRun, id: string) => graphql(run.url, run.token, DELETE_ENDPOINT, { id });

let phoneSerial = 0;
/** A patch that changes the customer (a phone number never used before), so that it appends one event. */
const patch = (customerNumber: string) =>
  body(M1, 'M1', {
    customerNumber,
    input: { contactPhone: `+49 40 ${String(++phoneSerial).padStart(8, '0')}`, onHold: false },
  });

async function patchOnce(run: ChangeEventsRun, customerNumber: string): Promise<void> {
  const request = JSON.parse(patch(customerNumber)) as { query: string; variables: Record<string, unknown> };
  await graphql(run.url, run.token, request.query, request.variables);
}

/**
 * One "with" run: a new endpoint (E1) and, for E2, a subscriber, each shown to work (patches until each has an
 * event), then M1; then every event of the run must arrive at each before the endpoint goes. E1's runs have no
 * subscriber: E1 is M1 with an endpoint, as its target says.
 */
async function withEndpoint(run: ChangeEventsRun, receiver: Receiver, round: number, withSubscriber: boolean) {
  const endpoint = await createEndpoint(run, receiver.url);
  receiver.expect(endpoint.secret);
  const subscriber = withSubscriber ? subscribe(run.url, run.token) : undefined;
  try {
    // The subscription starts at the present once the server has read the log's head: patch until both see one.
    const customer = run.customers[round % run.customers.length]!;
    const readyBy = Date.now() + 60_000;
    while (receiver.arrivals.first.size === 0 || (subscriber && subscriber.arrivals.first.size === 0)) {
      const broken = subscriber?.failure();
      if (broken) throw new Error(`E2's subscriber: ${broken.message}`);
      if (Date.now() > readyBy) {
        throw new Error(
          `E1: within 60 s of patches, the receiver got ${receiver.arrivals.first.size} events and the ` +
            `subscriber ${subscriber?.arrivals.first.size ?? '(none)'}`,
        );
      }
      await patchOnce(run, customer);
      await sleep(300);
    }
    // Every event from here on must reach both; a millisecond apart from the last check's patch.
    await sleep(5);
    const since = Date.now();
    const before = await metric(run.url, 'events_appended_total');
    let measuredFrom = Number.POSITIVE_INFINITY;
    const { measured, cpuMsPerRequest } = await measureM1(run, () => {
      measuredFrom = Date.now();
    });
    const expected = (await settledAppended(run.url)) - before;
    const count = (arrivals: Arrivals) => () => arrivals.since(since).length;
    await waitForAll('E1 webhook receiver', () => receiver.arrivals, count(receiver.arrivals), expected);
    if (subscriber) {
      await waitForAll(
        "E2's subscriber",
        () => subscriber.arrivals,
        count(subscriber.arrivals),
        expected,
        subscriber.failure,
      );
    }
    if (receiver.badSignatures > 0) {
      throw new Error(`E1: ${receiver.badSignatures} deliveries did not verify with the endpoint's secret`);
    }
    return {
      measured,
      cpuMsPerRequest,
      webhook: receiver.arrivals.since(measuredFrom),
      webhookDuplicates: receiver.arrivals.duplicates,
      sse: subscriber?.arrivals.since(measuredFrom) ?? [],
      sseDuplicates: subscriber?.arrivals.duplicates ?? 0,
    };
  } finally {
    subscriber?.close();
    await deleteEndpoint(run, endpoint.id);
  }
}

/** E1: M1 without and with an endpoint, alternately; E2: the latencies, with a subscriber in one run more. */
async function measureLoad(run: ChangeEventsRun): Promise<NonNullable<ChangeEvents['load']>> {
  const receiver = await startReceiver();
  try {
    const rounds: NonNullable<ChangeEvents['load']>['rounds'] = [];
    const webhook: Arrival[] = [];
    const sse: Arrival[] = [];
    let [webhookDuplicates, sseDuplicates] = [0, 0];
    for (let round = 1; round <= run.rounds; round++) {
      const label = run.rounds > 1 ? ` (round ${round} of ${run.rounds})` : '';
      const without = await measureM1(run);
      run.log(
        `  E1 without endpoint  ${run.describe(without.measured)}  CPU ${without.cpuMsPerRequest.toFixed(2)} ms/req${label}`,
      );
      const withRun = await withEndpoint(run, receiver, round, false);
      webhook.push(...withRun.webhook);
      sse.push(...withRun.sse);
      webhookDuplicates += withRun.webhookDuplicates;
      sseDuplicates += withRun.sseDuplicates;
      const ratio = withRun.measured.requestsPerSecond / without.measured.requestsPerSecond;
      run.log(
        `  E1 with endpoint     ${run.describe(withRun.measured)}  CPU ${withRun.cpuMsPerRequest.toFixed(2)} ms/req` +
          `${label}  ${ratio.toFixed(2)}× without`,
      );
      rounds.push({
        without: without.measured,
        with: withRun.measured,
        withoutCpuMsPerRequest: without.cpuMsPerRequest,
        withCpuMsPerRequest: withRun.cpuMsPerRequest,
      });
    }
    // E2's subscriber: one more run with the endpoint, a subscriber beside it.
    const e2 = await withEndpoint(run, receiver, run.rounds + 1, true);
    webhook.push(...e2.webhook);
    sse.push(...e2.sse);
    webhookDuplicates += e2.webhookDuplicates;
    sseDuplicates += e2.sseDuplicates;
    run.log(
      `  E2 with endpoint and subscriber  ${run.describe(e2.measured)}  CPU ${e2.cpuMsPerRequest.toFixed(2)} ms/req`,
    );
    const withoutRequestsPerSecond = median(rounds.map((r) => r.without.requestsPerSecond));
    const withRequestsPerSecond = median(rounds.map((r) => r.with.requestsPerSecond));
    return {
      rounds,
      withoutRequestsPerSecond,
      withRequestsPerSecond,
      ratio: withRequestsPerSecond / withoutRequestsPerSecond,
      webhook: latencyOf(webhook, webhookDuplicates),
      sse: latencyOf(sse, sseDuplicates),
    };
  } finally {
    await receiver.close();
  }
}

/** Writes `count` patches as fast as 16 connections go (every one must succeed); returns the seconds it took. */
async function writePatches(run: ChangeEventsRun, count: number): Promise<number> {
  let n = 0;
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    autocannon(
      {
        url: `${run.url}/graphql`,
        connections: E3_CONNECTIONS,
        pipelining: 1,
        amount: count,
        timeout: 30,
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          authorization: `Bearer ${run.token}`,
        },
        requests: [
          {
            method: 'POST',
            path: '/graphql',
            setupRequest: (request) => ({ ...request, body: patch(run.customers[n++ % run.customers.length]!) }),
          },
        ],
        verifyBody: (responseBody) => !String(responseBody).includes('"errors"'),
      },
      (error, finished) => (error ? reject(error) : resolve(finished)),
    );
  });
  const failed = result.errors + result.non2xx + result.mismatches;
  if (failed > 0) {
    throw new Error(
      `E3: ${failed} of ${count} patches failed (errors ${result.errors}, non-2xx ${result.non2xx}, ` +
        `GraphQL errors ${result.mismatches})`,
    );
  }
  return (performance.now() - started) / 1000;
}

/** The CPU time of all the machine's cores so far, and how much of it idle (ms). */
function machineTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const { times } of cpus()) {
    idle += times.idle;
    total += times.user + times.nice + times.sys + times.idle + times.irq;
  }
  return { idle, total };
}

/** E3 with the service and `others` more replicas over the same database. */
async function drainBacklog(run: ChangeEventsRun, others: Replica[]): Promise<DeliveryRun> {
  const replicas = [run.url, ...others.map((r) => r.url)];
  const receiver = await startReceiver();
  // While the events are written, the relays' first requests get no answer: each replica has its requests to the
  // endpoint in flight and the rest of its claims waiting, and every other delivery stays due in the log.
  receiver.hold();
  const endpoint = await createEndpoint(run, receiver.url);
  receiver.expect(endpoint.secret);
  try {
    const before = await metric(run.url, 'events_appended_total');
    const writeSeconds = await writePatches(run, run.deliveryEvents);
    const expected = (await settledAppended(run.url)) - before;
    const succeeded = (replica: string) => metric(replica, 'webhook_delivery_attempts_total', '{result="succeeded"}');
    // What the drain costs: the replicas' CPU time and the relays' statements, summed.
    const costs = async () => {
      const each = await Promise.all(
        replicas.map(async (r) => [await cpuMs(r), await metric(r, 'db_background_statements_total')]),
      );
      return {
        cpu: each.reduce((sum, [cpu]) => sum + cpu!, 0),
        statements: each.reduce((sum, [, n]) => sum + n!, 0),
      };
    };
    const succeededBefore = await Promise.all(replicas.map(succeeded));
    const costsBefore = await costs();
    const machineBefore = machineTimes();
    const { releasedAt, held } = receiver.release();
    await waitForAll(
      'E3 webhook receiver',
      () => receiver.arrivals,
      () => receiver.arrivals.first.size,
      expected,
    );
    if (receiver.badSignatures > 0) {
      throw new Error(`E3: ${receiver.badSignatures} deliveries did not verify with the endpoint's secret`);
    }
    const machineAfter = machineTimes();
    const seconds = (Math.max(...[...receiver.arrivals.first.values()].map((a) => a.at)) - releasedAt) / 1000;
    const succeededAfter = await Promise.all(replicas.map(succeeded));
    const costsAfter = await costs();
    return {
      replicas: replicas.length,
      events: expected,
      held,
      seconds,
      // The held requests were sent before the release: only the deliveries made after it count.
      eventsPerSecond: (expected - held) / seconds,
      duplicates: receiver.arrivals.duplicates,
      badSignatures: receiver.badSignatures,
      writeSeconds,
      succeededByReplica: succeededAfter.map((n, i) => n - succeededBefore[i]!),
      cpuMsPerEvent: (costsAfter.cpu - costsBefore.cpu) / expected,
      relayStatementsPerEvent: (costsAfter.statements - costsBefore.statements) / expected,
      machineIdle: (machineAfter.idle - machineBefore.idle) / (machineAfter.total - machineBefore.total),
    };
  } finally {
    await receiver.close();
    await deleteEndpoint(run, endpoint.id);
  }
}

/** E3: one replica, and on PostgreSQL two. */
async function measureDelivery(run: ChangeEventsRun): Promise<NonNullable<ChangeEvents['delivery']>> {
  const runs: DeliveryRun[] = [];
  const describe = (r: DeliveryRun) =>
    `  E3 ${r.replicas} replica${r.replicas > 1 ? 's' : ' '}  ${Math.round(r.eventsPerSecond)} events/s  ` +
    `(${r.events - r.held} in ${r.seconds.toFixed(2)} s after ${r.held} held; written in ${r.writeSeconds.toFixed(1)} s; ` +
    `service CPU ${r.cpuMsPerEvent.toFixed(2)} ms and ${r.relayStatementsPerEvent.toFixed(2)} relay statements per event` +
    (r.replicas > 1 ? `; ${r.succeededByReplica.join(' + ')} by replica` : '') +
    `; the machine ${Math.round(100 * r.machineIdle)}% idle` +
    (r.duplicates > 0 ? `; ${r.duplicates} again` : '') +
    ')';
  runs.push(await drainBacklog(run, []));
  run.log(describe(runs.at(-1)!));
  if (run.startReplica) {
    const second = await run.startReplica();
    try {
      runs.push(await drainBacklog(run, [second]));
      run.log(describe(runs.at(-1)!));
    } finally {
      await second.stop();
    }
  }
  return { customers: Math.min(run.customers.length, run.deliveryEvents), runs };
}

export async function measureChangeEvents(run: ChangeEventsRun): Promise<ChangeEvents> {
  const figures: ChangeEvents = {};
  if (run.load) {
    figures.load = await measureLoad(run);
    const { webhook, sse } = figures.load;
    const line = (l: EventLatency) =>
      `p50 ${l.p50Ms} ms  p99 ${l.p99Ms} ms  max ${l.maxMs} ms  (${l.events} events` +
      (l.duplicates > 0 ? `, ${l.duplicates} again` : '') +
      ')';
    run.log(`  E1 with ÷ without   ${figures.load.ratio.toFixed(2)}× (medians)`);
    run.log(`  E2 commit → webhook  ${line(webhook)}`);
    run.log(`  E2 commit → SSE      ${line(sse)}`);
  }
  if (run.delivery) figures.delivery = await measureDelivery(run);
  return figures;
}
