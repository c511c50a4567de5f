/**
 * N1, the noisy neighbour: the small tenant's cheap REST read by key, alone, then while the large tenant keeps
 * expensive lists in flight (a second autocannon, started a moment before the quiet run and stopped after it), with
 * GET /ready polled throughout the noise. The service may refuse the noisy tenant with 429; the quiet tenant and
 * /ready must get 200 throughout.
 */
import autocannon from 'autocannon';
import type { LoadFigures, NoisyNeighbour } from './report.js';
import { NOISY_PAGE_NUMBER, NOISY_PAGE_SIZE, noisyPath, quietPath } from './scenarios.js';

export const QUIET_CONNECTIONS = 4;
export const NOISY_CONNECTIONS = 40;
/** The noise starts this long before the quiet run, and stops this long after it. */
const NOISE_MARGIN_MS = 1000;
const READY_EVERY_MS = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface NoisyNeighbourRun {
  url: string;
  quiet: { tenant: string; token: string; customerNumber: string };
  noisy: { tenant: string; token: string; customers: number };
  warmupSeconds: number;
  durationSeconds: number;
  timeoutSeconds: number;
}

/** A GET load of `seconds` at most that can be stopped early: every status counted, the latency of each 200 kept. */
function load(url: string, token: string, connections: number, seconds: number, timeoutSeconds: number) {
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  let instance: autocannon.Instance | undefined;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url,
        connections,
        pipelining: 1,
        duration: seconds,
        timeout: timeoutSeconds,
        headers: { accept: 'application/json', authorization: `Bearer ${token}` },
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      if (statusCode === 200) latencies.push(responseTime);
    });
  });
  return {
    stop: () => instance?.stop(),
    async figures(): Promise<LoadFigures> {
      const result = await finished;
      latencies.sort((a, b) => a - b);
      const percentile = (p: number) =>
        latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
      const answered = Object.values(statuses).reduce((sum, n) => sum + n, 0);
      return {
        connections,
        requests: answered,
        requestsPerSecond: answered / (result.duration || seconds),
        p50Ms: percentile(50),
        p99Ms: percentile(99),
        statuses,
        errors: result.errors,
        timeouts: result.timeouts,
      };
    },
  };
}

/** Polls GET /ready every 100 ms until stopped: the slowest answer and every status (0: no answer in time). */
function pollReady(url: string, timeoutSeconds: number) {
  const statuses: Record<string, number> = {};
  let polls = 0;
  let maxMs = 0;
  let stopped = false;
  const polling = (async () => {
    while (!stopped) {
      const started = performance.now();
      let status = 0;
      try {
        const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(timeoutSeconds * 1000) });
        await response.arrayBuffer();
        status = response.status;
      } catch {
        // no answer in time, or none at all
      }
      const ms = performance.now() - started;
      polls += 1;
      maxMs = Math.max(maxMs, ms);
      statuses[status] = (statuses[status] ?? 0) + 1;
      await sleep(Math.max(0, READY_EVERY_MS - ms));
    }
  })();
  return {
    async stop(): Promise<NoisyNeighbour['ready']> {
      stopped = true;
      await polling;
      return { polls, maxMs, statuses };
    },
  };
}

async function statusOf(url: string, token: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { headers: { accept: 'application/json', authorization: `Bearer ${token}` } });
  return { status: response.status, text: await response.text() };
}

/**
 * The noisy list's path: page 50 of 200, or, where the service refuses that page with 400, the deepest page the
 * seeded count allows. Must answer 200.
 */
async function noisyListPath(url: string, run: NoisyNeighbourRun): Promise<string> {
  const { tenant, token, customers } = run.noisy;
  let path = noisyPath(tenant, NOISY_PAGE_NUMBER);
  let answer = await statusOf(`${url}${path}`, token);
  const deepest = Math.max(1, Math.ceil(customers / NOISY_PAGE_SIZE));
  if (answer.status === 400 && deepest < NOISY_PAGE_NUMBER) {
    path = noisyPath(tenant, deepest);
    answer = await statusOf(`${url}${path}`, token);
  }
  if (answer.status !== 200) throw new Error(`N1: GET ${path} answered ${answer.status}: ${answer.text.slice(0, 500)}`);
  return path;
}

export async function measureNoisyNeighbour(run: NoisyNeighbourRun): Promise<NoisyNeighbour> {
  const { url, quiet, timeoutSeconds } = run;
  const quietUrlPath = quietPath(quiet.tenant, quiet.customerNumber);
  const first = await statusOf(`${url}${quietUrlPath}`, quiet.token);
  if (first.status !== 200) {
    throw new Error(`N1: GET ${quietUrlPath} answered ${first.status}: ${first.text.slice(0, 500)}`);
  }
  const noisyUrlPath = await noisyListPath(url, run);
  const quietLoad = (seconds: number) =>
    load(`${url}${quietUrlPath}`, quiet.token, QUIET_CONNECTIONS, seconds, timeoutSeconds);

  await quietLoad(run.warmupSeconds).figures();
  await sleep(200);
  const alone = await quietLoad(run.durationSeconds).figures();

  // The noise runs until stopped: its duration is only a bound.
  const noiseBound = run.durationSeconds + (4 * NOISE_MARGIN_MS) / 1000 + timeoutSeconds;
  const noise = load(`${url}${noisyUrlPath}`, run.noisy.token, NOISY_CONNECTIONS, noiseBound, timeoutSeconds);
  const ready = pollReady(url, timeoutSeconds);
  await sleep(NOISE_MARGIN_MS);
  const underNoise = await quietLoad(run.durationSeconds).figures();
  await sleep(NOISE_MARGIN_MS);
  noise.stop();
  const [noiseFigures, readyFigures] = await Promise.all([noise.figures(), ready.stop()]);
  return {
    quietTenant: quiet.tenant,
    quietPath: quietUrlPath,
    noisyTenant: run.noisy.tenant,
    noisyPath: noisyUrlPath,
    alone,
    underNoise,
    noise: noiseFigures,
    ready: readyFigures,
  };
}
