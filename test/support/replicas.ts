/**
 * Replicas of the compiled service as real processes (`node <flags> dist/main.js`, as `npm start` runs it; see
 * built-service.ts), each on a port of its own, with real HS256 tokens and plain HTTP clients for them.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ALL_SCOPES } from '../../src/auth/scopes.js';
import { signToken } from '../../src/auth/tokens.js';
import { TEST_SECRET } from '../helpers.js';
import { ROOT, serviceArgs } from './built-service.js';
import { type Exit, startWatched } from './processes.js';

/** Compiles the sources into dist/ as buildService() does, without blocking the event loop meanwhile. */
export async function buildServiceAsync(): Promise<void> {
  const tsc = createRequire(join(ROOT, 'package.json')).resolve('typescript/bin/tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** A signed token of `tenant` with every scope. */
export const tokenFor = (tenant: string): Promise<string> =>
  signToken(TEST_SECRET, { tenant, scope: ALL_SCOPES.join(' '), sub: 'replicas-test' }, { ttlSeconds: 3600 });

export interface Replica {
  readonly name: string;
  readonly child: ChildProcess;
  /** http://127.0.0.1:PORT */
  readonly base: string;
  readonly exited: Promise<Exit>;
  /** Whether the process has exited. */
  hasExited(): boolean;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout matches (rejects when the process exits first). */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
}

const started = new Set<{ child: ChildProcess; dir: string }>();

/** SIGKILLs every replica still running and deletes their folders: for afterAll, whatever happened before. */
export async function stopAllReplicas(): Promise<void> {
  const waits: Promise<unknown>[] = [];
  for (const entry of started) {
    const { child, dir } = entry;
    if (child.exitCode === null && child.signalCode === null) {
      waits.push(new Promise((resolve) => child.once('exit', resolve)));
      child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
    started.delete(entry);
  }
  await Promise.all(waits);
}

/**
 * Starts the compiled service in production mode on DATABASE_URL `databaseUrl`, on a port the system picks on
 * 127.0.0.1 (PORT=0; the "listening" log line says which), and waits until it listens and `/ready` answers 200.
 */
export async function startReplica(
  name: string,
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<Replica> {
  const dir = mkdtempSync(join(tmpdir(), `customer-graph-replica-${name}-`));
  const { child, stdout, stderr, exited, waitFor } = startWatched(
    process.execPath,
    serviceArgs(),
    dir,
    {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: databaseUrl,
      DATA_DIR: dir,
      AUTH_JWT_SECRET: TEST_SECRET,
      LOG_LEVEL: 'info',
      ...env,
    },
    `replica ${name}`,
  );
  started.add({ child, dir });
  const [line] = await waitFor(/^\{.*"customer-graph is listening".*\}$/m);
  const base = String((JSON.parse(line) as { url: string }).url).replace(/\/graphql$/, '');
  const replica: Replica = {
    name,
    child,
    base,
    exited,
    hasExited: () => child.exitCode !== null || child.signalCode !== null,
    stdout,
    stderr,
    waitFor,
  };
  await until(`replica ${name} is ready`, 20_000, async () => (await status(`${base}/ready`)) === 200);
  return replica;
}

/** The HTTP status of a GET, or undefined when no answer came (refused, reset, timed out). */
export async function status(url: string, timeoutMs = 5000): Promise<number | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return undefined;
  }
}

/** Polls `condition` until it holds; fails naming `what` when `timeoutMs` passes first. */
export async function until<T>(
  what: string,
  timeoutMs: number,
  condition: () => Promise<T | undefined | false> | T | undefined | false,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`Not within ${timeoutMs} ms: ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export interface GraphQLAnswer {
  status: number;
  data?: Record<string, any> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

/**
 * Posts a GraphQL operation to `url` (a replica's /graphql, or a gateway's). Rejects when no HTTP answer comes:
 * a connection that was refused or lost, or none within `timeoutMs`.
 */
export async function postGraphQL(
  url: string,
  /** The bearer token; null sends no Authorization header. */
  token: string | null,
  query: string,
  variables: Record<string, unknown> = {},
  timeoutMs = 15_000,
): Promise<GraphQLAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let body: Omit<GraphQLAnswer, 'status'>;
  try {
    body = JSON.parse(text) as Omit<GraphQLAnswer, 'status'>;
  } catch {
    throw new Error(`HTTP ${response.status} from ${url} is not JSON: ${text.slice(0, 500)}`);
  }
  return { status: response.status, ...body };
}

/** Whether a rejected fetch failed at the connection level (no HTTP answer at all), and how. */
export function connectionFailure(error: unknown): string | undefined {
  if (!(error instanceof TypeError) || error.message !== 'fetch failed') return undefined;
  const cause = error.cause as { code?: unknown } | undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  return code && CONNECTION_CODES.has(code) ? code : undefined;
}

/** Socket errors (and undici's) of a connection that could not be made or was lost mid-request. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/**
 * A POST of a GraphQL operation whose body is held back: it resolves `accepted` once the server has read the
 * request's headers (it answers `Expect: 100-continue` only then, so the request is in flight there), and sends the
 * body when `send()` is called. `response` is the answer: status, Connection header and parsed body.
 */
export function heldRequest(base: string, token: string, query: string, variables: Record<string, unknown> = {}) {
  const body = JSON.stringify({ query, variables });
  const url = new URL(`${base}/graphql`);
  let accept: () => void = () => {};
  const accepted = new Promise<void>((resolve) => {
    accept = resolve;
  });
  const request = http.request({
    host: url.hostname,
    port: url.port,
    path: url.pathname,
    method: 'POST',
    agent: false,
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      authorization: `Bearer ${token}`,
      'content-length': Buffer.byteLength(body),
      expect: '100-continue',
    },
  });
  request.on('continue', () => accept());
  const response = new Promise<{ status: number; connection: string | undefined; body: GraphQLAnswer }>(
    (resolve, reject) => {
      request.on('error', reject);
      request.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('error', reject);
        res.on('end', () => {
          try {
            resolve({
              status: res.statusCode ?? 0,
              connection: res.headers.connection,
              body: { status: res.statusCode ?? 0, ...(JSON.parse(text) as object) },
            });
          } catch (error) {
            reject(new Error(`not JSON (HTTP ${res.statusCode}): ${text.slice(0, 500)}`, { cause: error }));
          }
        });
      });
    },
  );
  // Awaited by the test; this only keeps a failure seen before then from counting as unhandled.
  response.catch(() => {});
  request.flushHeaders();
  return { accepted, response, send: () => request.end(body) };
}
