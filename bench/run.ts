/**
 * `npm run bench`: for each data size and each store (SQLite, PostgreSQL), seeds a fresh database (`npm run seed`:
 * an SQLite file, or a new database of one embedded PostgreSQL server for the whole run), starts the real service in
 * production mode and the baseline (baseline.ts) on it as processes of their own, checks that both answer Q1 and Q2
 * with the same JSON, and drives both with autocannon: a warm-up run, then a measured run per scenario, the stores
 * taking turns scenario by scenario. Prints and saves (bench/results/) requests/s, latency, SQL statements per
 * request, peak RSS and the service ÷ baseline ratio per store, the stores side by side, and issue 5's targets
 * judged on SQLite. N1 (bench/noisy.ts) measures the small tenant's read by key beside the large tenant's expensive
 * lists on each store. E1–E3 (bench/events.ts) measure the change events on each store: M1 with and without a
 * webhook endpoint, the latency to the receiver and to an SSE subscriber, and the relay's delivery rate. Never fails
 * on timing; fails only when something does not work.
 *
 *   npm run bench                                   sizes 10k and 100k, both stores
 *   npm run bench -- --sizes 10000,100000,1000000   with 1M
 *   npm run bench -- --stores sqlite                one store only
 *   npm run bench -- --quick                        2k customers, short runs: to try it out
 *   npm run bench -- --peer postgraphile            PostGraphile v5 over the same PostgreSQL, for Q1 and Q2
 *   npm run bench -- --help                         every option
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon, { type Request } from 'autocannon';
import Database from 'better-sqlite3';
import pg from 'pg';
import { ALL_SCOPES } from '../src/auth/scopes.js';
import { signToken } from '../src/auth/tokens.js';
import { MMAP_BYTES } from '../src/store/sqlite/db.js';
import { buildService, serviceArgs } from '../test/support/built-service.js';
import { E3_EVENTS, E3_EVENTS_QUICK, EVENTS_SERVICE_ENV, measureChangeEvents, type Replica } from './events.js';
import { measureNoisyNeighbour } from './noisy.js';
import { checkPeerRows, installPeer, PEERS, startPeer, type PeerInstall, type PeerName } from './peer.js';
import { type BenchPostgres, startBenchPostgres } from './postgres.js';
import {
  changeEventsTable,
  compareStores,
  describeMachine,
  JUDGED_ON,
  judgeTargets,
  noisyNeighbourTable,
  not200,
  readyAll200,
  searchIndexFigures,
  machineLine,
  seedingLine,
  sideBySideTable,
  sizeTable,
  STORE_NAMES,
  TARGETS_HEADING,
  toMarkdown,
  type BenchReport,
  type Measurement,
  type SearchIndexProbe,
  type Settings,
  type SizeResult,
  type StoreKind,
} from './report.js';
import {
  installCleanup,
  memoryOf,
  freePort,
  ROOT,
  runNode,
  sampleRss,
  startNode,
  stop,
  stopAll,
  waitUntilReady,
  type NodeProcess,
} from './processes.js';
import {
  body,
  f0Body,
  M1,
  M2_ADDRESS,
  M2_CREATE,
  q1Body,
  q2Body,
  Q3,
  peerRequestsFor,
  requestsFor,
  type ScenarioId,
  type Workload,
} from './scenarios.js';

const log = (line: string) => process.stdout.write(`${line}\n`);

const USAGE = `Usage: npm run bench -- [--sizes 10000,100000] [--stores sqlite,postgres] [--quick] [--duration 10] [--warmup 3]
  [--connections 16] [--pool-size N] [--rounds 3] [--scenarios Q1,F0,Q2,Q3,Q4,Q5,Q6,M1,M2,N1,E1,E2,E3]
  [--keep] [--service-dir DIR] [--cpu-prof] [--peer postgraphile]
  --stores         the stores to run on, each with the same scenarios (default both; one only: not saved as latest)
  --quick          2,000 customers, 1 s warm-up and 3 s runs, 1 round: to try it out (not saved as latest)
  --pool-size      PostgreSQL connections of the service and of the baseline (DATABASE_POOL_SIZE; default --connections)
  --rounds         service and baseline runs, alternating, for the scenarios both serve (the median ratio counts);
                   E1's runs without and with a webhook endpoint, alternating (the medians count)
  --scenarios      some scenarios only (not saved as latest); F0 (\`{ __typename }\` with a token, the framework's
                   floor) runs whenever Q1 does, right after it; N1 (the noisy neighbour) has connections of its
                   own: 4 for the small tenant, 40 for the large one; E1 (M1 with a webhook endpoint and an SSE
                   subscriber vs M1 without, --rounds rounds alternately) measures E2 (commit → receiver and
                   → subscriber latency) in the same runs, so either id runs both; E3 (a backlog of 5,000
                   deliveries to one endpoint drained: events/s; on PostgreSQL also with a second replica)
  --peer           postgraphile: PostGraphile v5 (amber preset) over the PostgreSQL run's database, installed with
                   Node 22 into bench/.peer/ at bench time; it serves Q1 and Q2 in the same rounds
  --keep           keep the seeded SQLite files (bench/results/bench-<size>-<pid>.db); PostgreSQL's server
                   and its databases go at the end regardless
  --service-dir    run DIR's service instead of this checkout's, to compare a change (not saved as latest)
  --cpu-prof       write the service's CPU profiles to bench/results/profiles/service-<size>/
                   (service-postgres-<size>/ on PostgreSQL)`;
const TENANT = 'bench';
/** A small tenant beside the large one, for Q5 and Q6: its searches must cost what its own data costs. */
const SMALL_TENANT = 'benchsmall';
const SMALL_CUSTOMERS = 100;
/** A response slower than this counts as a timeout (autocannon's error), not as a latency. */
const TIMEOUT_SECONDS = 30;
const RESULTS = join(ROOT, 'bench/results');
const ALL_SCENARIOS: ScenarioId[] = ['Q1', 'F0', 'Q2', 'Q3', 'Q4', 'Q5', 'Q6', 'M1', 'M2', 'N1', 'E1', 'E2', 'E3'];
/** The change events' scenarios (bench/events.ts): E2 is measured in E1's runs. */
const EVENT_SCENARIOS = new Set<ScenarioId>(['E1', 'E2', 'E3']);
const ALL_STORES: StoreKind[] = ['sqlite', 'postgres'];
/** The scenarios that the baseline serves too. */
const WITH_BASELINE = new Set<ScenarioId>(['Q1', 'Q2']);

interface Options extends Settings {
  keep: boolean;
  /** Another checkout whose service to run (--service-dir); this one's when undefined. */
  serviceDir: string | undefined;
  /** node's arguments for the service, from its start script (flags, then the compiled entry). */
  serviceArgs: string[];
  cpuProf: boolean;
  /** --peer: which peer to run beside the PostgreSQL service. */
  peerName: PeerName | undefined;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string' },
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string', default: '16' },
      stores: { type: 'string', default: ALL_STORES.join(',') },
      'pool-size': { type: 'string' },
      rounds: { type: 'string' },
      scenarios: { type: 'string', default: ALL_SCENARIOS.join(',') },
      keep: { type: 'boolean', default: false },
      'service-dir': { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      peer: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    log(USAGE);
    process.exit(0);
  }
  const positive = (name: string, value: string) => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive number, not "${value}"`);
    return parsed;
  };
  const quick = values.quick;
  const sizes = (values.sizes ?? (quick ? '2000' : '10000,100000'))
    .split(',')
    .map((size) => Math.round(positive('sizes', size)));
  const asked = values.scenarios.split(',').map((s) => s.trim().toUpperCase());
  for (const scenario of asked) {
    if (!ALL_SCENARIOS.includes(scenario as ScenarioId))
      throw new Error(`unknown scenario ${scenario} (${ALL_SCENARIOS.join(', ')})`);
  }
  // The framework's floor is reported beside Q1 in every run that has Q1: right after it. E2 is measured in E1's
  // runs: either id runs both.
  const scenarios = [
    ...new Set(asked.flatMap((s) => (s === 'Q1' ? ['Q1', 'F0'] : s === 'E1' || s === 'E2' ? ['E1', 'E2'] : [s]))),
  ];
  const named = new Set(values.stores.split(',').map((s) => s.trim().toLowerCase()));
  for (const store of named) {
    if (!ALL_STORES.includes(store as StoreKind)) throw new Error(`unknown store ${store} (${ALL_STORES.join(', ')})`);
  }
  // Always in the same order, SQLite first, whatever the order given.
  const stores = ALL_STORES.filter((store) => named.has(store));
  const connections = Math.round(positive('connections', values.connections));
  const peerName = values.peer?.trim().toLowerCase();
  if (peerName !== undefined) {
    if (!PEERS.includes(peerName as PeerName)) throw new Error(`unknown peer ${peerName} (${PEERS.join(', ')})`);
    if (!stores.includes('postgres'))
      throw new Error('--peer serves the PostgreSQL database: it needs --stores postgres');
  }
  return {
    sizes,
    stores,
    quick,
    connections,
    postgresPoolSize: Math.round(positive('pool-size', values['pool-size'] ?? String(connections))),
    pipelining: 1,
    warmupSeconds: positive('warmup', values.warmup ?? (quick ? '1' : '3')),
    durationSeconds: positive('duration', values.duration ?? (quick ? '3' : '10')),
    rounds: Math.max(1, Math.round(positive('rounds', values.rounds ?? (quick ? '1' : '3')))),
    scenarios: scenarios as ScenarioId[],
    keep: values.keep,
    serviceDir: values['service-dir'] === undefined ? undefined : resolve(values['service-dir']),
    service: values['service-dir'] === undefined ? 'this checkout' : resolve(values['service-dir']),
    serviceArgs: [],
    serviceCommand: '',
    cpuProf: values['cpu-prof'],
    peerName: peerName as PeerName | undefined,
    peer: null,
  };
}

function removeDatabase(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
}

function commitOf(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

/**
 * How long the FTS5 index alone takes to find the rows that match each term in a tenant (the service's MATCH in the
 * tenant's rowid range, as src/store/customers.ts asks it, without fetching or ordering them): the best of three
 * passes over the terms, so that a cold cache does not count.
 */
function probeSearchIndex(db: Database.Database, tenant: string, kind: string, terms: string[]): SearchIndexProbe {
  const find = db
    .prepare(
      `SELECT customers_search.rowid FROM search_tenants CROSS JOIN customers_search
        WHERE search_tenants.tenant = @tenant AND customers_search MATCH @phrase
          AND customers_search.rowid BETWEEN (search_tenants.no << 40) AND ((search_tenants.no << 40) | 0xFFFFFFFFFF)`,
    )
    .pluck();
  const phrases = terms.map((term) => `"${term.replaceAll('"', '""')}"`);
  let best = Infinity;
  let found = 0;
  for (let pass = 0; pass < 3; pass++) {
    const started = performance.now();
    found = phrases.reduce((sum, phrase) => sum + find.all({ phrase, tenant }).length, 0);
    best = Math.min(best, performance.now() - started);
  }
  return { kind, terms: terms.length, averageMatches: found / terms.length, averageMs: best / terms.length };
}

/** The few reads the benchmark makes of a seeded database, in either store: `?` placeholders, first columns only. */
interface Reader {
  column(statement: string, params: readonly unknown[]): Promise<unknown[]>;
  /** `column IN <the list given as this parameter>`, in the store's own way. */
  inList(column: string): string;
  close(): Promise<void>;
}

function sqliteReader(path: string): Reader {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  return {
    async column(statement, params) {
      const values = params.map((value) => (Array.isArray(value) ? JSON.stringify(value) : value));
      return db
        .prepare(statement)
        .pluck()
        .all(...values);
    },
    inList: (column) => `${column} IN (SELECT value FROM json_each(?))`,
    async close() {
      db.close();
    },
  };
}

async function postgresReader(url: string): Promise<Reader> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    async column(statement, params) {
      let n = 0;
      const text = statement.replace(/\?/g, () => `$${++n}`);
      const { rows } = await client.query<unknown[]>({ text, values: [...params], rowMode: 'array' });
      return rows.map((row) => row[0]);
    },
    inList: (column) => `${column} = ANY(?::bigint[])`,
    close: () => client.end(),
  };
}

/** Keys and terms for the scenarios, read from the seeded database (the same rows in either store). */
async function prepareWorkload(reader: Reader) {
  const one = async (statement: string, params: unknown[]) => Number((await reader.column(statement, params))[0]);
  const texts = async (statement: string, params: unknown[]) => (await reader.column(statement, params)) as string[];
  const count = await one('SELECT count(*) FROM customers WHERE tenant = ?', [TENANT]);
  const firstPk = await one('SELECT min(pk) FROM customers WHERE tenant = ?', [TENANT]);
  // A fresh database numbers its customers firstPk..firstPk+count-1: take 500 spread evenly over them.
  const picks = Array.from(
    { length: Math.min(500, count) },
    (_, i) => firstPk + Math.floor((i * count) / Math.min(500, count)),
  );
  const customerNumbers = await texts(
    `SELECT customer_number FROM customers WHERE tenant = ? AND ${reader.inList('pk')} ORDER BY pk`,
    [TENANT, picks],
  );
  const b2bNumbers = await texts(
    `SELECT c.customer_number FROM customers c JOIN customer_legal_entities m ON m.customer_pk = c.pk
     WHERE c.tenant = ? ORDER BY c.pk LIMIT 10`,
    [TENANT],
  );
  // The seed is deterministic, so the first customers, and so these terms, are the same at every size.
  const lastNames = await texts('SELECT last_name FROM customers WHERE tenant = ? ORDER BY pk LIMIT 400', [TENANT]);
  const searches = [
    ...new Set(lastNames.map((name) => name.toLowerCase()).filter((name) => [...name].length >= 3)),
  ].slice(0, 50);
  // Q6's terms: the small tenant's own last names (the same seed gives them to the large tenant's first customers).
  const smallLastNames = await texts('SELECT last_name FROM customers WHERE tenant = ? ORDER BY pk', [SMALL_TENANT]);
  const smallSearches = [
    ...new Set(smallLastNames.map((name) => name.toLowerCase()).filter((name) => [...name].length >= 3)),
  ];
  const smallNumbers = new Set(
    await texts('SELECT customer_number FROM customers WHERE tenant = ? ORDER BY pk', [SMALL_TENANT]),
  );
  const work: Workload = { customerNumbers, searches, smallSearches, cursorAt90: '', runId: '0' };
  return { count, work, b2bNumbers, smallNumbers };
}

/**
 * SQLite only: the FTS5 index's own share of Q3 (and its matches), and of searches for one customer (an email, a
 * number), in the large tenant and in the small one.
 */
function probeSearchIndexes(path: string, work: Workload) {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma(`mmap_size = ${MMAP_BYTES}`); // as the service reads
  try {
    const sample = db
      .prepare('SELECT contact_email, customer_number FROM customers WHERE tenant = ? ORDER BY pk LIMIT 50')
      .raw()
      .all(TENANT) as [string, string][];
    const byLastName = probeSearchIndex(db, TENANT, 'last names', work.searches);
    const searchIndex = [
      byLastName,
      probeSearchIndex(
        db,
        TENANT,
        'emails',
        sample.map(([email]) => email.toLowerCase()),
      ),
      probeSearchIndex(
        db,
        TENANT,
        'customer numbers',
        sample.map(([, number]) => number),
      ),
    ];
    const smallIndex = [
      probeSearchIndex(db, SMALL_TENANT, '".com"', ['.com']),
      probeSearchIndex(db, SMALL_TENANT, 'its last names', work.smallSearches),
    ];
    return { averageMatches: byLastName.averageMatches, searchIndex, smallIndex };
  } finally {
    db.close();
  }
}

interface Endpoint {
  url: string;
  proc: NodeProcess;
  /** RssFile once ready, before any load (the program's own file pages): see sampleRss. */
  fileAtStart?: number | undefined;
}

function headersFor(token: string) {
  return {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json',
    authorization: `Bearer ${token}`,
  };
}

async function post(url: string, token: string, requestBody: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: headersFor(token), body: requestBody });
  return { status: response.status, text: await response.text() };
}

async function statementsTotal(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('db_statements_total '));
  if (!line) throw new Error('db_statements_total is missing from /metrics');
  return Number(line.split(' ')[1]);
}

/** The service's memory as its /metrics reports it (prom-client's default process and heap metrics). */
async function memoryMetrics(url: string): Promise<SizeResult['serviceMemory']> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  const memory = {
    rss: value('process_resident_memory_bytes'),
    heapTotal: value('nodejs_heap_size_total_bytes'),
    heapUsed: value('nodejs_heap_size_used_bytes'),
    external: value('nodejs_external_memory_bytes'),
  };
  return Object.values(memory).every(Number.isFinite) ? memory : null;
}

/** db_statements_total once the service has finished what it was given (two equal readings in a row). */
async function settledStatementsTotal(url: string): Promise<number> {
  let previous = await statementsTotal(url);
  for (let i = 0; i < 30; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const current = await statementsTotal(url);
    if (current === previous) return current;
    previous = current;
  }
  return previous;
}

/** The statements one request costs, and its response (which must carry no errors). */
async function exactStatements(
  url: string,
  token: string,
  requestBody: string,
): Promise<{ statements: number; text: string }> {
  const before = await statementsTotal(url);
  const { status, text } = await post(url, token, requestBody);
  const after = await statementsTotal(url);
  if (status !== 200 || text.includes('"errors"')) {
    throw new Error(`request failed (${status}): ${text.slice(0, 500)}\n${requestBody.slice(0, 300)}`);
  }
  return { statements: after - before, text };
}

/** Service and baseline answer the same request with the same JSON: identical bytes, or at least equal values. */
async function sameAnswer(
  service: string,
  baseline: string,
  token: string,
  requestBody: string,
): Promise<'bytes' | 'values'> {
  const [a, b] = await Promise.all([post(service, token, requestBody), post(baseline, token, requestBody)]);
  if (a.status !== 200 || b.status !== 200) {
    throw new Error(`status ${a.status} (service) / ${b.status} (baseline) for ${requestBody.slice(0, 200)}`);
  }
  if (a.text === b.text) return 'bytes';
  const equal = JSON.stringify(canonical(JSON.parse(a.text))) === JSON.stringify(canonical(JSON.parse(b.text)));
  if (equal) return 'values';
  throw new Error(
    `the service and the baseline answer differently, so they cannot be compared:\n  request ${requestBody.slice(0, 200)}\n` +
      `  service  ${a.text.slice(0, 600)}\n  baseline ${b.text.slice(0, 600)}`,
  );
}

/** Object keys sorted, for a comparison that ignores key order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

interface WalkPage {
  edges: { node: { customerNumber: string } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string };
}

const WALK = `query Walk($first: Int!, $after: String) {
  customers(first: $first, after: $after) { edges { node { customerNumber } } pageInfo { hasNextPage endCursor } }
}`;

/**
 * The cursor after which the page 90% of the way through the list starts, got by walking the service's own pages
 * (so it is whatever the service's cursors are); every customer passed must be a new one.
 */
async function walkTo(
  url: string,
  token: string,
  position: number,
): Promise<{ cursor: string; pages: number; seconds: number }> {
  const started = performance.now();
  const seen = new Set<string>();
  let cursor: string | undefined;
  let pages = 0;
  while (seen.size < position) {
    const first = Math.min(200, position - seen.size);
    const { status, text } = await post(url, token, body(WALK, 'Walk', cursor ? { first, after: cursor } : { first }));
    if (status !== 200 || text.includes('"errors"'))
      throw new Error(`walking the list failed (${status}): ${text.slice(0, 500)}`);
    const page = (JSON.parse(text) as { data: { customers: WalkPage } }).data.customers;
    for (const { node } of page.edges) {
      if (seen.has(node.customerNumber)) throw new Error(`walking the list met customer ${node.customerNumber} twice`);
      seen.add(node.customerNumber);
    }
    pages += 1;
    cursor = page.pageInfo.endCursor;
    if (!page.pageInfo.hasNextPage || page.edges.length < first) break;
  }
  if (seen.size !== position || !cursor)
    throw new Error(`walking the list passed ${seen.size} customers, not ${position}`);
  return { cursor, pages, seconds: (performance.now() - started) / 1000 };
}

/** One autocannon run; resolves to autocannon's result and the exact latency of every 2xx response (ms). */
async function cannon(url: string, token: string, requests: Request[], settings: Settings, seconds: number) {
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: settings.connections,
        pipelining: 1,
        duration: seconds,
        timeout: TIMEOUT_SECONDS,
        headers: headersFor(token),
        requests,
        // A 200 that carries GraphQL errors is a failure too (counted as a mismatch).
        verifyBody: (responseBody) => !String(responseBody).includes('"errors"'),
      },
      (error, finished) => (error ? reject(error) : resolve(finished)),
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  return { result, p50: percentile(50), p99: percentile(99) };
}

let runSerial = 0;

async function measure(
  scenario: ScenarioId,
  server: Measurement['server'],
  endpoint: Endpoint,
  token: string,
  work: Workload,
  settings: Settings,
  beforeMeasured: () => void = () => {},
): Promise<Measurement> {
  // Each run gets its own id, so that mutations never repeat the emails or phone numbers of an earlier run.
  const requests = () =>
    server === 'peer'
      ? peerRequestsFor(scenario, TENANT, work)
      : requestsFor(scenario, { ...work, runId: `${Date.now()}${++runSerial}` });
  await cannon(`${endpoint.url}/graphql`, token, requests(), settings, settings.warmupSeconds);
  await new Promise((resolve) => setTimeout(resolve, 200));
  // The warm-up's last requests may still be running: wait for them before counting.
  const before = server === 'service' ? await settledStatementsTotal(endpoint.url) : null;
  const rss = sampleRss(endpoint.proc.pid, endpoint.fileAtStart);
  beforeMeasured();
  const { result, p50, p99 } = await cannon(
    `${endpoint.url}/graphql`,
    token,
    requests(),
    settings,
    settings.durationSeconds,
  );
  const peaks = rss.stop();
  const after = server === 'service' ? await settledStatementsTotal(endpoint.url) : null;
  const responses = result.requests.total;
  // Requests still in flight when the run stopped are executed all the same: count every request sent.
  const sent = result.requests.sent;
  return {
    scenario,
    server,
    requests: responses,
    requestsPerSecond: result.requests.average,
    p50Ms: p50,
    p99Ms: p99,
    statementsPerRequest: before !== null && after !== null && sent > 0 ? (after - before) / sent : null,
    peakRssBytes: peaks?.peak ?? null,
    peakRssWithoutMappedDataBytes: peaks?.peakWithoutMappedData ?? null,
    failures: {
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      graphqlErrors: result.mismatches,
    },
    loadAverage: loadavg()[0]!,
  };
}

/** One store's database at one size, with its service and baseline running on it. */
interface StoreRun {
  store: StoreKind;
  result: SizeResult;
  service: Endpoint;
  baseline: Endpoint;
  /** PostGraphile on this store's database (--peer, PostgreSQL only). */
  peer: Endpoint | undefined;
  work: Workload;
  b2bNumbers: string[];
  /** A customer of the small tenant, for N1's quiet reads. */
  quietCustomerNumber: string;
  /** E3's customers, one patch each (empty unless E3 runs). */
  eventCustomers: string[];
  /** Another replica of the service over the same database (PostgreSQL only; E3). */
  startReplica: (() => Promise<Replica>) | undefined;
}

/**
 * Service and baseline runs in alternation, `rounds` of each, every store's in turn within a round: a slow spell
 * of a shared machine then falls on both rather than on one. Per store, the round with the median ratio (the lower
 * middle one for an even count) stands for the scenario; every round's ratio and rate are kept. A store with a
 * peer runs the peer too in each round, after its baseline: the peer's row is its run of the round that stands
 * for the scenario, and service ÷ peer is the median of the rounds' ratios (as PostgreSQL ÷ SQLite is).
 */
async function compareWithBaseline(
  scenario: ScenarioId,
  runs: StoreRun[],
  token: string,
  settings: Settings,
): Promise<void> {
  const rounds = new Map<StoreRun, [Measurement, Measurement][]>(runs.map((run) => [run, []]));
  const peerRounds = new Map<StoreRun, { peer: Measurement; ratio: number }[]>(runs.map((run) => [run, []]));
  for (let round = 1; round <= settings.rounds; round++) {
    for (const run of runs) {
      const measured = await measure(scenario, 'service', run.service, token, run.work, settings);
      const reference = await measure(scenario, 'baseline', run.baseline, token, run.work, settings);
      measured.ratioToBaseline = measured.requestsPerSecond / reference.requestsPerSecond;
      const label = settings.rounds > 1 ? ` (round ${round} of ${settings.rounds})` : '';
      log(`  ${describe(measured, run.store, settings)}${label}`);
      log(`  ${describe(reference, run.store, settings)}${label}`);
      rounds.get(run)!.push([measured, reference]);
      if (run.peer) {
        const peer = await measure(scenario, 'peer', run.peer, token, run.work, settings);
        const ratio = measured.requestsPerSecond / peer.requestsPerSecond;
        log(`  ${describe(peer, run.store, settings)}${label}  service ÷ peer ${ratio.toFixed(2)}×`);
        peerRounds.get(run)!.push({ peer, ratio });
      }
    }
  }
  for (const run of runs) {
    const all = rounds.get(run)!;
    const byRatio = [...all].sort(([a], [b]) => a.ratioToBaseline! - b.ratioToBaseline!);
    const chosen = byRatio[Math.floor((byRatio.length - 1) / 2)]!;
    const [measured, reference] = chosen;
    if (all.length > 1) {
      measured.ratioRounds = all.map(([m]) => m.ratioToBaseline!);
      measured.requestsPerSecondRounds = all.map(([m]) => m.requestsPerSecond);
      reference.requestsPerSecondRounds = all.map(([, r]) => r.requestsPerSecond);
    }
    run.result.measurements.push(measured, reference);
    // The peer's row is its run of the same round as the service's row; service ÷ peer is the median of the rounds' ratios.
    const peerRuns = peerRounds.get(run)!;
    const peerOfRound = peerRuns[all.indexOf(chosen)];
    if (peerOfRound) {
      const ratios = peerRuns.map(({ ratio }) => ratio);
      measured.ratioToPeer = [...ratios].sort((a, b) => a - b)[Math.floor((ratios.length - 1) / 2)]!;
      if (peerRuns.length > 1) {
        measured.ratioToPeerRounds = ratios;
        peerOfRound.peer.requestsPerSecondRounds = peerRuns.map(({ peer }) => peer.requestsPerSecond);
      }
      run.result.measurements.push(peerOfRound.peer);
    }
  }
}

function describe(m: Measurement, store: StoreKind, settings: Settings): string {
  const failures = m.failures.errors + m.failures.non2xx + m.failures.graphqlErrors;
  return (
    (settings.stores.length > 1 ? `${STORE_NAMES[store].padEnd(10)} ` : '') +
    `${m.scenario} ${m.server.padEnd(8)} ${Math.round(m.requestsPerSecond).toString().padStart(6)} req/s  ` +
    `p50 ${m.p50Ms.toFixed(2)} ms  p99 ${m.p99Ms.toFixed(2)} ms` +
    (m.failures.timeouts > 0 ? `  ${m.failures.timeouts} timeouts (>${TIMEOUT_SECONDS} s)` : '') +
    (m.statementsPerRequest === null ? '' : `  ${m.statementsPerRequest.toFixed(2)} SQL/req`) +
    (m.peakRssBytes === null ? '' : `  RSS ${Math.round(m.peakRssBytes / 2 ** 20)} MB`) +
    (m.ratioToBaseline === undefined ? '' : `  ${m.ratioToBaseline.toFixed(2)}× baseline`) +
    (failures > 0 ? `  FAILURES: ${JSON.stringify(m.failures)}` : '')
  );
}

/**
 * N1 on one store: its figures go into the store's result and are printed; it fails only when the quiet tenant gets
 * anything but 200, or /ready does (the noisy tenant's 429s are expected).
 */
async function noisyNeighbour(run: StoreRun, token: string, smallToken: string, settings: Settings): Promise<void> {
  const n = await measureNoisyNeighbour({
    url: run.service.url,
    quiet: { tenant: SMALL_TENANT, token: smallToken, customerNumber: run.quietCustomerNumber },
    noisy: { tenant: TENANT, token, customers: run.result.customers },
    warmupSeconds: settings.warmupSeconds,
    durationSeconds: settings.durationSeconds,
    timeoutSeconds: TIMEOUT_SECONDS,
  });
  run.result.noisyNeighbour = n;
  // The noise's last requests may still be running: let them finish before anything else is measured.
  await settledStatementsTotal(run.service.url);
  const store = settings.stores.length > 1 ? `${STORE_NAMES[run.store].padEnd(10)} ` : '';
  const statuses = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([status, count]) => `${status}: ${count}`)
      .join(', ');
  const quiet = (load: typeof n.alone) =>
    `p50 ${load.p50Ms.toFixed(2)} ms  p99 ${load.p99Ms.toFixed(2)} ms  ${Math.round(load.requestsPerSecond)} req/s  ` +
    `{${statuses(load.statuses)}}${load.errors > 0 ? `  ${load.errors} errors` : ''}`;
  log(`  ${store}N1 quiet alone        ${quiet(n.alone)}`);
  log(`  ${store}N1 quiet under noise  ${quiet(n.underNoise)}`);
  log(
    `  ${store}N1 noisy               ${Math.round(n.noise.requestsPerSecond)} req/s  {${statuses(n.noise.statuses)}}` +
      `${n.noise.errors > 0 ? `  ${n.noise.errors} errors (${n.noise.timeouts} timeouts)` : ''}  ${n.noisyPath}`,
  );
  log(
    `  ${store}N1 /ready              max ${n.ready.maxMs.toFixed(1)} ms over ${n.ready.polls} polls  {${statuses(n.ready.statuses)}}`,
  );
  const quietFailures = not200(n.alone) + not200(n.underNoise);
  if (quietFailures > 0) {
    throw new Error(
      `N1 on ${STORE_NAMES[run.store]}: the quiet tenant got ${quietFailures} answers other than 200 ` +
        `(alone {${statuses(n.alone.statuses)}}, ${n.alone.errors} errors; under noise ` +
        `{${statuses(n.underNoise.statuses)}}, ${n.underNoise.errors} errors)`,
    );
  }
  if (!readyAll200(n)) {
    throw new Error(`N1 on ${STORE_NAMES[run.store]}: /ready answered {${statuses(n.ready.statuses)}} under noise`);
  }
}

/** E1–E3 on one store (bench/events.ts): its figures go into the store's result, and are printed as they come. */
async function changeEvents(run: StoreRun, token: string, settings: Settings): Promise<void> {
  const store = settings.stores.length > 1 ? `${STORE_NAMES[run.store].padEnd(10)} ` : '';
  run.result.changeEvents = await measureChangeEvents({
    url: run.service.url,
    token,
    rounds: settings.rounds,
    load: settings.scenarios.includes('E1') || settings.scenarios.includes('E2'),
    delivery: settings.scenarios.includes('E3'),
    measureM1: (beforeMeasured) => measure('M1', 'service', run.service, token, run.work, settings, beforeMeasured),
    // The store is printed first on the line already.
    describe: (m) => describe(m, run.store, { ...settings, stores: [run.store] }),
    customers: run.eventCustomers.length > 0 ? run.eventCustomers : run.work.customerNumbers,
    deliveryEvents: settings.quick ? E3_EVENTS_QUICK : E3_EVENTS,
    startReplica: run.startReplica,
    log: (line) => log(line.replace(/^ {2}/, `  ${store}`)),
  });
}

interface Seeded {
  seconds: number;
  addresses: number;
  accounts: number;
  legalEntities: number;
  b2bCustomers: number;
}

/** `npm run seed` into `location`; its JSON summary. A PostgreSQL URL's password stays out of error messages. */
async function seed(location: string, tenant: string, customers: number): Promise<Seeded> {
  const args = ['--database', location, '--tenant', tenant, '--customers', String(customers), '--json'];
  try {
    const output = await runNode('src/cli/seed.ts', args);
    return JSON.parse(output.trim().split('\n').at(-1)!) as Seeded;
  } catch (error) {
    const shown = location.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
    throw new Error((error as Error).message.replaceAll(location, shown), { cause: error });
  }
}

/**
 * Seeds one store's database for `customers` (and the small tenant beside them), reads the workload from it, starts
 * the service and the baseline on it and checks them. What must be undone (processes, the database) is pushed to
 * `cleanups`, in the order done.
 */
async function prepareStore(
  store: StoreKind,
  customers: number,
  settings: Options,
  postgres: BenchPostgres | undefined,
  secret: string,
  token: string,
  smallToken: string,
  cleanups: (() => Promise<void>)[],
  peerInstall: PeerInstall | undefined,
): Promise<StoreRun> {
  if (settings.stores.length > 1) log(`-- ${STORE_NAMES[store]} --`);
  let location: string;
  let path: string | undefined;
  if (store === 'sqlite') {
    // The pid keeps two benchmarks running at once off each other's files.
    const file = join(RESULTS, `bench-${customers}-${process.pid}.db`);
    path = file;
    removeDatabase(file);
    location = file;
    cleanups.push(async () => {
      if (!settings.keep) removeDatabase(file);
    });
  } else {
    if (!postgres) throw new Error('PostgreSQL was not started');
    const url = await postgres.createDatabase();
    location = url;
    cleanups.push(() => postgres.dropDatabase(url));
  }

  const seedStarted = performance.now();
  const seeded = await seed(location, TENANT, customers);
  const wallSeconds = (performance.now() - seedStarted) / 1000;
  const result: SizeResult = {
    customers,
    store,
    seeding: {
      seconds: seeded.seconds,
      wallSeconds,
      addresses: seeded.addresses,
      accounts: seeded.accounts,
      legalEntities: seeded.legalEntities,
      b2bCustomers: seeded.b2bCustomers,
      databaseBytes: path ? statSync(path).size : await postgres!.databaseBytes(location),
    },
    checks: [],
    exactStatements: { Q1: NaN, Q2ByPageSize: {}, Q3: NaN, Q4: NaN },
    q3: { terms: 0, averageMatches: null, example: '', searchIndex: [] },
    smallTenant: null,
    serviceHighWaterBytes: null,
    serviceFileBytes: null,
    serviceMemory: null,
    measurements: [],
  };
  log(seedingLine(result));
  const smallSeeded = await seed(location, SMALL_TENANT, SMALL_CUSTOMERS);

  const reader = path ? sqliteReader(path) : await postgresReader(location);
  const { count, work, b2bNumbers, smallNumbers, eventCustomers } = await (async () => {
    const workload = await prepareWorkload(reader);
    // E3's patches go to as many customers as there are, up to one each (the same rows in either store).
    const deliveryEvents = settings.quick ? E3_EVENTS_QUICK : E3_EVENTS;
    const customers = settings.scenarios.includes('E3')
      ? ((await reader.column('SELECT customer_number FROM customers WHERE tenant = ? ORDER BY pk LIMIT ?', [
          TENANT,
          deliveryEvents,
        ])) as string[])
      : [];
    return { ...workload, eventCustomers: customers };
  })().finally(() => reader.close());
  result.q3 = { terms: work.searches.length, averageMatches: null, example: work.searches[0] ?? '', searchIndex: [] };
  result.smallTenant = {
    tenant: SMALL_TENANT,
    customers: smallNumbers.size,
    seconds: smallSeeded.seconds,
    searchIndex: [],
  };
  if (path) {
    // The search index's own figures: FTS5's, so SQLite's only.
    const probes = probeSearchIndexes(path, work);
    result.q3.averageMatches = probes.averageMatches;
    result.q3.searchIndex = probes.searchIndex;
    result.smallTenant.searchIndex = probes.smallIndex;
    for (const probe of probes.searchIndex) log(`  search index alone: ${searchIndexFigures(probe)}`);
    for (const probe of probes.smallIndex) {
      log(`  search index alone, tenant ${SMALL_TENANT}: ${searchIndexFigures(probe)}`);
    }
  }

  const [servicePort, baselinePort] = [await freePort(), await freePort()];
  const database: Record<string, string> = path
    ? { DATABASE_URL: `file:${path}` }
    : { DATABASE_URL: location, DATABASE_POOL_SIZE: String(settings.postgresPoolSize) };
  const profiles = join(
    RESULTS,
    'profiles',
    store === 'sqlite' ? `service-${customers}` : `service-${store}-${customers}`,
  );
  // E1–E3 register a webhook endpoint on 127.0.0.1 and want refused deliveries back soon (bench/events.ts).
  const withEvents = settings.scenarios.some((scenario) => EVENT_SCENARIOS.has(scenario));
  const startService = (port: number) =>
    startNode(settings.serviceArgs.at(-1)!, {
      cwd: settings.serviceDir ?? ROOT,
      typescript: false,
      // Profiles are written when the service exits; open them in Chrome DevTools or speedscope.
      nodeArgs: [
        ...(settings.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`] : []),
        ...settings.serviceArgs.slice(0, -1),
      ],
      env: {
        NODE_ENV: 'production',
        AUTH_JWT_SECRET: secret,
        ...database,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        ...(withEvents ? EVENTS_SERVICE_ENV : {}),
      },
    });
  const service: Endpoint = { url: `http://127.0.0.1:${servicePort}`, proc: startService(servicePort) };
  // E3's second replica: the same service over the same PostgreSQL database, stopped when E3 is done with it.
  const startReplica =
    store === 'postgres'
      ? async (): Promise<Replica> => {
          const port = await freePort();
          const proc = startService(port);
          const url = `http://127.0.0.1:${port}`;
          await waitUntilReady(proc, `${url}/ready`);
          return { url, stop: () => stop(proc.child) };
        }
      : undefined;
  const baseline: Endpoint = {
    url: `http://127.0.0.1:${baselinePort}`,
    proc: startNode('bench/baseline.ts', {
      env: { ...database, PORT: String(baselinePort), AUTH_JWT_SECRET: secret },
    }),
  };
  cleanups.push(async () => {
    await Promise.all([stop(service.proc.child), stop(baseline.proc.child)]);
  });
  await Promise.all([
    waitUntilReady(service.proc, `${service.url}/ready`),
    waitUntilReady(baseline.proc, `${baseline.url}/ready`),
  ]);
  service.fileAtStart = memoryOf(service.proc.pid)?.file;
  baseline.fileAtStart = memoryOf(baseline.proc.pid)?.file;

  const start = Math.floor(count * 0.9);
  const walk = await walkTo(service.url, token, start);
  work.cursorAt90 = walk.cursor;

  // The baseline is a fair yardstick only if it answers with what the service answers.
  const q1Samples = [...new Set([...work.customerNumbers.slice(0, 30), ...b2bNumbers])];
  // One at a time: a slow service must not have to answer them all at once.
  const q1Same: ('bytes' | 'values')[] = [];
  for (const n of q1Samples) q1Same.push(await sameAnswer(service.url, baseline.url, token, q1Body(n)));
  const q2Same = await sameAnswer(service.url, baseline.url, token, q2Body(50));
  const q4Same = await sameAnswer(service.url, baseline.url, token, q2Body(50, work.cursorAt90));
  const kind = (answers: string[]) =>
    answers.every((a) => a === 'bytes') ? 'identical bytes' : 'equal JSON values (key order differs)';
  result.checks.push(
    `Q1: service and baseline gave ${kind(q1Same)} for ${q1Samples.length} customers (${b2bNumbers.length} of them B2B).`,
    `Q2: ${kind([q2Same])} for the first page of 50, cursors included.`,
  );

  // Exact statement counts of single requests; each request must succeed.
  result.exactStatements.Q1 = (
    await exactStatements(service.url, token, q1Body(b2bNumbers[0] ?? work.customerNumbers[0]!))
  ).statements;
  for (const first of [10, 50, 200]) {
    result.exactStatements.Q2ByPageSize[first] = (await exactStatements(service.url, token, q2Body(first))).statements;
  }
  result.exactStatements.Q3 = (
    await exactStatements(service.url, token, body(Q3, 'Q3', { search: work.searches[0] }))
  ).statements;
  const q4 = await exactStatements(service.url, token, q2Body(50, work.cursorAt90));
  result.exactStatements.Q4 = q4.statements;
  result.checks.push(
    `Q4: its cursor comes from walking the service's pages (${walk.pages} requests, ${walk.seconds.toFixed(1)} s, ` +
      `${start.toLocaleString('en-US')} distinct customers passed); the page after it is ${kind([q4Same])} to the baseline's.`,
  );
  // One mutation of each kind goes through before the load does.
  const patch = { customerNumber: work.customerNumbers[1], input: { contactPhone: '+49 30 1234567' } };
  await exactStatements(service.url, token, body(M1, 'M1', patch));
  const created = await exactStatements(
    service.url,
    token,
    body(M2_CREATE, 'M2Create', { input: { firstName: 'Check', contactEmail: `check.${Date.now()}@example.com` } }),
  );
  const { customerNumber } = (JSON.parse(created.text) as { data: { createCustomer: { customerNumber: string } } }).data
    .createCustomer;
  const address = { customerNumber, input: { contactName: 'Check', country: 'DE' } };
  await exactStatements(service.url, token, body(M2_ADDRESS, 'M2Address', address));
  result.checks.push('M1 and M2: one request of each succeeded before the load.');
  // The small tenant's searches find its own customers, and only those.
  let smallFound = 0;
  for (const search of ['.com', ...work.smallSearches]) {
    const { text } = await exactStatements(service.url, smallToken, body(Q3, 'Q3', { search }));
    const edges = (JSON.parse(text) as { data: { customers: WalkPage } }).data.customers.edges;
    const stranger = edges.find(({ node }) => !smallNumbers.has(node.customerNumber));
    if (stranger) {
      throw new Error(`tenant ${SMALL_TENANT}'s search for "${search}" found ${stranger.node.customerNumber}`);
    }
    smallFound += edges.length;
  }
  const floor = await exactStatements(service.url, token, f0Body());
  if (floor.text !== '{"data":{"__typename":"Query"}}') throw new Error(`F0 answered ${floor.text.slice(0, 300)}`);
  result.checks.push(
    `F0: \`{ __typename }\` with the token answers ${floor.text} (${floor.statements} SQL statements).`,
  );
  // The peer serves this database too (PostgreSQL only); it must serve the same rows as the service.
  let peer: Endpoint | undefined;
  if (peerInstall && store === 'postgres') {
    const started = performance.now();
    peer = await startPeer(peerInstall, location, settings.postgresPoolSize);
    const running = peer;
    cleanups.push(() => stop(running.proc.child));
    const seconds = (performance.now() - started) / 1000;
    result.checks.push(
      `Peer: ${peerInstall.description} started over this database in ${seconds.toFixed(1)} s (its introspection included), pool ${settings.postgresPoolSize}.`,
      await checkPeerRows(service.url, peer.url, token, TENANT, q1Samples),
    );
  }
  result.checks.push(
    `Q5 and Q6: the searches of tenant ${SMALL_TENANT} (".com" and ${work.smallSearches.length} last names) found ` +
      `${smallFound} customers on their first pages, all of them its own.`,
  );
  for (const check of result.checks) log(`  check: ${check}`);
  const [quietCustomerNumber] = smallNumbers;
  if (quietCustomerNumber === undefined) throw new Error(`tenant ${SMALL_TENANT} has no customers`);
  return {
    store,
    result,
    service,
    baseline,
    peer,
    work,
    b2bNumbers,
    quietCustomerNumber,
    eventCustomers,
    startReplica,
  };
}

async function benchSize(
  customers: number,
  settings: Options,
  postgres: BenchPostgres | undefined,
  secret: string,
  token: string,
  smallToken: string,
  peerInstall: PeerInstall | undefined,
): Promise<SizeResult[]> {
  log(`\n== ${customers.toLocaleString('en-US')} customers ==`);
  const runs: StoreRun[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  try {
    for (const store of settings.stores) {
      runs.push(
        await prepareStore(store, customers, settings, postgres, secret, token, smallToken, cleanups, peerInstall),
      );
    }
    // The stores are compared on the same work: the seed is deterministic, so both must hold the same rows.
    const [first, ...others] = runs;
    for (const other of first ? others : []) {
      const keys = ({ work, b2bNumbers }: StoreRun) =>
        JSON.stringify([work.customerNumbers, work.searches, work.smallSearches, work.cursorAt90, b2bNumbers]);
      const same = keys(other) === keys(first!);
      const check =
        `Workload: ${same ? 'the same' : 'NOT the same'} as on ${STORE_NAMES[first!.store]} (its ` +
        `${other.work.customerNumbers.length} customer numbers, ${other.work.searches.length} + ` +
        `${other.work.smallSearches.length} search terms, B2B customers and Q4's cursor)` +
        (same ? ': the seed wrote the same rows.' : ': the stores do not run the same requests.');
      other.result.checks.push(check);
      log(`  check: ${check}`);
    }

    if (runs.length > 1) log(`-- measuring, the stores taking turns --`);
    for (const scenario of settings.scenarios) {
      if (WITH_BASELINE.has(scenario)) {
        await compareWithBaseline(scenario, runs, token, settings);
        continue;
      }
      if (scenario === 'N1') {
        for (const run of runs) await noisyNeighbour(run, token, smallToken, settings);
        continue;
      }
      if (EVENT_SCENARIOS.has(scenario)) {
        // All of E1–E3 that were asked for, store by store, at the first of them.
        if (scenario === settings.scenarios.find((s) => EVENT_SCENARIOS.has(s))) {
          for (const run of runs) await changeEvents(run, token, settings);
        }
        continue;
      }
      const as = scenario === 'Q5' || scenario === 'Q6' ? smallToken : token;
      for (const run of runs) {
        const measured = await measure(scenario, 'service', run.service, as, run.work, settings);
        run.result.measurements.push(measured);
        log(`  ${describe(measured, run.store, settings)}`);
      }
    }
    for (const run of runs) {
      const memory = memoryOf(run.service.proc.pid);
      run.result.serviceHighWaterBytes = memory?.hwm ?? null;
      run.result.serviceFileBytes = memory?.file ?? null;
      run.result.serviceMemory = await memoryMetrics(run.service.url);
    }
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => log(`  cleaning up failed: ${(error as Error).message}`));
    }
  }
  const results = runs.map((run) => run.result);
  for (const result of results) {
    const table = sizeTable(result);
    if (!table) continue; // N1 or E1–E3 alone: their own tables below
    log('');
    if (runs.length > 1) log(`${STORE_NAMES[result.store]}:\n`);
    log(table);
  }
  const n1 = noisyNeighbourTable(results);
  if (n1) log(`\n${n1}`);
  const events = changeEventsTable(results);
  if (events) log(`\n${events}`);
  const [comparison] = compareStores(results);
  if (comparison && comparison.stores.length > 1) {
    log(`\nThe stores side by side:\n`);
    log(sideBySideTable(comparison));
  }
  return results;
}

async function main(): Promise<void> {
  installCleanup();
  const settings = parseOptions();
  mkdirSync(RESULTS, { recursive: true });
  const sqlite = (() => {
    const db = new Database(':memory:');
    try {
      return db.prepare('SELECT sqlite_version()').pluck().get() as string;
    } finally {
      db.close();
    }
  })();
  // One PostgreSQL server for the whole run, a database of it per size; it goes when the benchmark ends.
  const postgres = settings.stores.includes('postgres') ? await startBenchPostgres() : undefined;
  const machine = describeMachine(sqlite, commitOf(), postgres?.info ?? null);
  const startedAt = new Date().toISOString();
  log(`customer-graph benchmark, ${startedAt}`);
  log(`Machine: ${machineLine(machine)}`);
  if (machine.loadAverageAtStart > 0.5 * machine.cores) {
    const load = machine.loadAverageAtStart.toFixed(2);
    log(`Warning: the machine is busy (load ${load} on ${machine.cores} cores); the figures will be low and noisy.`);
  }
  log(
    `Sizes ${settings.sizes.join(', ')}; stores ${settings.stores.map((s) => STORE_NAMES[s]).join(', ')}` +
      (postgres ? ` (PostgreSQL pool ${settings.postgresPoolSize} per process)` : '') +
      `; scenarios ${settings.scenarios.join(', ')}; ${settings.connections} connections, ` +
      `${settings.warmupSeconds} s warm-up + ${settings.durationSeconds} s per run; ${settings.rounds} round(s) against ` +
      `the baseline${settings.quick ? ' (quick mode)' : ''}.`,
  );

  // The service runs as `npm start` runs it: compiled first, then with its start script's node flags.
  const serviceDir = settings.serviceDir ?? ROOT;
  const compileStarted = performance.now();
  buildService(serviceDir);
  settings.serviceArgs = serviceArgs(serviceDir);
  settings.serviceCommand = [
    'node',
    ...settings.serviceArgs.slice(0, -1),
    relative(serviceDir, settings.serviceArgs.at(-1)!),
  ].join(' ');
  log(
    `Compiled the service in ${((performance.now() - compileStarted) / 1000).toFixed(1)} s; it runs as \`${settings.serviceCommand}\`.`,
  );

  const secret = randomBytes(32).toString('base64url');
  const token = await signToken(
    secret,
    { tenant: TENANT, scope: ALL_SCOPES.join(' '), sub: 'bench' },
    { ttlSeconds: 7 * 24 * 3600 },
  );
  const smallToken = await signToken(
    secret,
    { tenant: SMALL_TENANT, scope: ALL_SCOPES.join(' '), sub: 'bench' },
    { ttlSeconds: 7 * 24 * 3600 },
  );
  let peerInstall: PeerInstall | undefined;
  if (settings.peerName) {
    peerInstall = await installPeer(settings.peerName);
    settings.peer = peerInstall.description;
    log(
      `Peer: ${peerInstall.description}, ${peerInstall.installedNow ? 'installed' : 'found installed'} in ` +
        `bench/.peer/ (${peerInstall.seconds.toFixed(1)} s); it serves Q1 and Q2 on PostgreSQL, in the same rounds.`,
    );
  }
  const sizes: SizeResult[] = [];
  for (const customers of settings.sizes) {
    sizes.push(...(await benchSize(customers, settings, postgres, secret, token, smallToken, peerInstall)));
  }
  await postgres?.close();

  const {
    keep: _keep,
    serviceDir: _serviceDir,
    serviceArgs: _serviceArgs,
    cpuProf: _cpuProf,
    peerName: _peerName,
    ...reportSettings
  } = settings;
  const report: BenchReport = {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine,
    settings: reportSettings,
    sizes,
    comparisons: compareStores(sizes),
    targets: judgeTargets(sizes),
  };
  const markdown = toMarkdown(report);
  const partial = settings.scenarios.length < ALL_SCENARIOS.length;
  const oneStore = settings.stores.length < ALL_STORES.length;
  const stamp =
    startedAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z') +
    (settings.quick ? '-quick' : '') +
    (settings.serviceDir ? '-other' : '') +
    (oneStore ? `-${settings.stores.join('-')}` : '') +
    (partial ? '-partial' : '');
  // Each run's own files stay on this machine (ignored by git); only latest.md is checked in, its history in git.
  const files = [`${stamp}.md`, `${stamp}.json`];
  writeFileSync(join(RESULTS, `${stamp}.md`), markdown);
  writeFileSync(join(RESULTS, `${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  if (!settings.quick && !settings.serviceDir && !partial && !oneStore) {
    // Only a full run of this checkout's service replaces the latest figures: not a quick one (trying the
    // benchmark out), not one of some scenarios or of one store, not another checkout's.
    writeFileSync(join(RESULTS, 'latest.md'), markdown);
    files.push('latest.md');
  }
  log(`\n## ${TARGETS_HEADING}\n`);
  if (postgres) log(`${JUDGED_ON}\n`);
  for (const t of report.targets) log(`- [${t.status}] ${t.target}: ${t.measured}`);
  log(`\nSaved bench/results/{${files.join(',')}}`);
}

main()
  .catch(async (error: unknown) => {
    process.stderr.write(`\nbenchmark failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stopAll();
    // Explicitly, with the exitCode set above: a handle left open (a child's pipe) must not keep the benchmark alive.
    process.exit();
  });
