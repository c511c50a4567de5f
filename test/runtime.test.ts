/**
 * How the service runs (contract/RUNTIME.md): the real process started as `npm start` starts it, with its development
 * defaults, endpoints, production guard and graceful stop; and, in-process, readiness and the masking of
 * unexpected errors.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createSchema, createYoga } from 'graphql-yoga';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { ALL_SCOPES } from '../src/auth/scopes.js';
import { signToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';
import { createMetrics } from '../src/http/metrics.js';
import { createService, type Service } from '../src/server.js';
import type { SqliteStore } from '../src/store/sqlite/db.js';
import { startTestServer, TEST_SECRET } from './helpers.js';
import { buildService, ROOT, serviceArgs } from './support/built-service.js';
import { startWatched, type Watched } from './support/processes.js';
import { createDatabase } from './support/postgres.js';

/** Generous, as a busy machine can be slow (npm start also compiles the sources). */
const SPAWN_TIMEOUT = 120_000;

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'customer-graph-runtime-'));
  tempDirs.push(dir);
  return dir;
}

const running = new Set<ChildProcess>();

function run(command: string, args: string[], cwd: string, env: Record<string, string>): Watched {
  const started = startWatched(command, args, cwd, env);
  running.add(started.child);
  void started.exited.then(() => running.delete(started.child));
  return started;
}

/** The compiled service, as `npm start` runs it (support/built-service.ts), in the given working directory. */
function startMain(cwd: string, env: Record<string, string>): Watched {
  return run(process.execPath, serviceArgs(), cwd, env);
}

/** The address from the "listening" log line. */
async function listening(main: Watched): Promise<{ base: string; log: Record<string, any> }> {
  const [line] = await main.waitFor(/^\{.*"customer-graph is listening".*\}$/m);
  const log = JSON.parse(line) as Record<string, any>;
  return { base: String(log.url).replace(/\/graphql$/, ''), log };
}

/** The lines `npm start` prints before the development token: one entry point each. */
function printedEntryPoints(stdout: string): string[] {
  // The block follows a blank line; the JSON log lines may be flushed before or after it.
  const block = /(?:^|\n)\n((?:[^{\n][^\n]*\n)+)Development token/.exec(stdout);
  return block ? block[1]!.trimEnd().split('\n') : [];
}

async function developmentToken(main: Watched): Promise<string> {
  return (await main.waitFor(/Development token[^\n]*\n(\S+)\n/))[1]!;
}

async function gql(base: string, token: string, query: string, variables?: Record<string, unknown>) {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as { data?: any; errors?: any[] }) };
}

/** A sample's value in Prometheus text: the line of `name` whose labels include every one given. */
function sample(metrics: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const line = metrics
    .split('\n')
    .find(
      (l) =>
        (l.startsWith(`${name} `) || l.startsWith(`${name}{`)) &&
        Object.entries(labels).every(([key, value]) => l.includes(`${key}="${value}"`)),
    );
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

beforeAll(() => buildService(), SPAWN_TIMEOUT);

afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('npm start with no configuration (development)', () => {
  let cwd: string;
  let main: Watched;
  let base: string;
  let token: string;
  let customerId: string;

  beforeAll(async () => {
    cwd = tempDir();
    // Only PORT is set, to a free port of the system's choosing: everything else is the defaults.
    main = startMain(cwd, { PORT: '0' });
    ({ base } = await listening(main));
    token = await developmentToken(main);
  }, SPAWN_TIMEOUT);

  it('listens on 127.0.0.1 and creates data/customers.db and the development secret in data/', async () => {
    const { log } = await listening(main);
    expect(new URL(base).hostname).toBe('127.0.0.1');
    expect(log).toMatchObject({ mode: 'development', database: 'data/customers.db' });
    expect(existsSync(join(cwd, 'data/customers.db'))).toBe(true);
    expect(readFileSync(join(cwd, 'data/dev-jwt-secret'), 'utf8').trim().length).toBeGreaterThanOrEqual(32);
    expect(main.stdout()).toContain(`GraphiQL: ${base}/graphql`);
  });

  it('prints every entry point, and each answers', async () => {
    expect(printedEntryPoints(main.stdout())).toEqual([
      `GraphiQL: ${base}/graphql (the token below is already in its headers)`,
      `REST API docs: ${base}/customer/docs (Swagger UI, authorized with the token below)`,
      `OpenAPI document: ${base}/customer/openapi.json`,
      `REST API: ${base}/customer/demo/customers (tenant demo: send the token below)`,
      `Metrics: ${base}/metrics`,
      `Health: ${base}/health, readiness: ${base}/ready`,
    ]);
    const { log } = await listening(main);
    expect(log).toMatchObject({
      url: `${base}/graphql`,
      docs: `${base}/customer/docs`,
      openapi: `${base}/customer/openapi.json`,
      metrics: `${base}/metrics`,
      health: `${base}/health`,
      ready: `${base}/ready`,
    });
    const docs = await fetch(`${base}/customer/docs`, { headers: { accept: 'text/html' } });
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain(token);
    const openapi = await fetch(`${base}/customer/openapi.json`);
    expect(((await openapi.json()) as { openapi: string }).openapi).toMatch(/^3\.1\./);
    const list = await fetch(`${base}/customer/demo/customers`, { headers: { authorization: `Bearer ${token}` } });
    expect(list.status).toBe(200);
    for (const path of ['/metrics', '/health', '/ready']) expect((await fetch(`${base}${path}`)).status).toBe(200);
  });

  it('prints a token of tenant demo with every customer scope that creates and reads a customer', async () => {
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, string>;
    expect(claims.tenant).toBe('demo');
    expect(claims.scope!.split(' ').sort()).toEqual([...ALL_SCOPES].sort());

    const created = await gql(base, token, `mutation { createCustomer(input: { firstName: "Grace" }) { id } }`);
    expect(created.errors).toBeUndefined();
    customerId = created.data.createCustomer.id;
    const read = await gql(base, token, `query($n: String!) { customer(customerNumber: $n) { id firstName } }`, {
      n: customerId,
    });
    expect(read.data).toEqual({ customer: { id: customerId, firstName: 'Grace' } });
  });

  it('answers /health and /ready with 200', async () => {
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
  });

  it('serves /metrics with db_statements_total and counts and times operations by name', async () => {
    const before = await (await fetch(`${base}/metrics`)).text();
    const statementsBefore = sample(before, 'db_statements_total');
    expect(statementsBefore).toBeGreaterThan(0);
    expect(sample(before, 'graphql_operations_total', { operation: 'RuntimeProbe' })).toBeUndefined();

    const probe = await gql(base, token, `query RuntimeProbe { customers(first: 5) { edges { node { id } } } }`);
    expect(probe.errors).toBeUndefined();

    const after = await (await fetch(`${base}/metrics`)).text();
    expect(sample(after, 'db_statements_total')).toBeGreaterThan(statementsBefore!);
    expect(sample(after, 'graphql_operations_total', { operation: 'RuntimeProbe', type: 'query', outcome: 'ok' })).toBe(
      1,
    );
    expect(
      sample(after, 'graphql_operation_duration_seconds_count', { operation: 'RuntimeProbe', type: 'query' }),
    ).toBe(1);
    expect(after).toContain('# TYPE graphql_operation_duration_seconds histogram');
  });

  it('opens GraphiQL for a browser with the development token in its headers', async () => {
    const page = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('GraphiQL');
    expect(html).toContain(`Bearer ${token}`);
  });

  it(
    'stops on SIGINT, and keeps the secret and the data across a restart: the old token still works',
    async () => {
      const secret = readFileSync(join(cwd, 'data/dev-jwt-secret'), 'utf8');
      main.child.kill('SIGINT'); // as Ctrl-C does
      expect(await main.exited).toEqual({ code: 0, signal: null });

      main = startMain(cwd, { PORT: '0' });
      ({ base } = await listening(main));
      expect(readFileSync(join(cwd, 'data/dev-jwt-secret'), 'utf8')).toBe(secret);
      const read = await gql(base, token, `query($n: String!) { customer(customerNumber: $n) { firstName } }`, {
        n: customerId,
      });
      expect(read.data).toEqual({ customer: { firstName: 'Grace' } });
    },
    SPAWN_TIMEOUT,
  );

  it(
    'on SIGTERM refuses new connections, finishes the request in flight, closes the database and exits 0',
    async () => {
      const url = new URL(base);
      const body = JSON.stringify({
        query: 'query InFlight { customers(first: 10) { totalCount edges { node { firstName } } } }',
      });
      // Expect: 100-continue holds the request open: the server has accepted it (and answered "continue") but waits
      // for its body, which is sent only once the process is shutting down.
      const request = http.request({
        host: url.hostname,
        port: url.port,
        path: '/graphql',
        method: 'POST',
        agent: new http.Agent({ keepAlive: true }),
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${token}`,
          expect: '100-continue',
        },
      });
      const accepted = new Promise<void>((resolve) => request.once('continue', () => resolve()));
      const response = new Promise<{ status?: number; connection?: string; body: string }>((resolve, reject) => {
        request.once('error', reject);
        request.once('response', (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode, connection: res.headers.connection, body: text }));
        });
      });
      response.catch(() => undefined); // awaited below; an early failure must not go unhandled meanwhile
      request.flushHeaders();
      await accepted;

      main.child.kill('SIGTERM');
      await main.waitFor(/"shutting down"/);
      // A new connection (not one of fetch's pooled ones, which the server closes as idle) finds nobody listening.
      const refused = await new Promise<string | undefined>((resolve) =>
        http
          .get({ host: url.hostname, port: url.port, path: '/health', agent: false }, () => resolve('accepted'))
          .once('error', (error: NodeJS.ErrnoException) => resolve(error.code)),
      );
      expect(refused).toBe('ECONNREFUSED');

      request.end(body);
      const answer = await response;
      expect(answer.status).toBe(200);
      // The keep-alive client is told to go, so it cannot send more requests to a stopping server.
      expect(answer.connection).toBe('close');
      expect(JSON.parse(answer.body)).toEqual({
        data: { customers: { totalCount: 1, edges: [{ node: { firstName: 'Grace' } }] } },
      });

      expect(await main.exited).toEqual({ code: 0, signal: null });
      expect(main.stdout()).toContain('"stopped"');
      // A cleanly closed SQLite database in WAL mode leaves no write-ahead log behind.
      expect(existsSync(join(cwd, 'data/customers.db-wal'))).toBe(false);
    },
    SPAWN_TIMEOUT,
  );
});

describe('the entry points printed at the start (development)', () => {
  it(
    'is left out when GraphiQL is off (GRAPHQL_INTROSPECTION=false); the token is still printed',
    async () => {
      const main = startMain(tempDir(), { PORT: '0', GRAPHQL_INTROSPECTION: 'false' });
      const { base, log } = await listening(main);
      await developmentToken(main);
      expect(main.stdout()).not.toContain('GraphiQL');
      // Neither the pages nor the document are served, so neither is named.
      expect(printedEntryPoints(main.stdout())).toEqual([
        `GraphQL API: POST ${base}/graphql`,
        `REST API: ${base}/customer/demo/customers (tenant demo: send the token below)`,
        `Metrics: ${base}/metrics`,
        `Health: ${base}/health, readiness: ${base}/ready`,
      ]);
      expect(log.docs).toBeUndefined();
      expect(log.openapi).toBeUndefined();
      const page = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
      expect(await page.text()).toContain('GraphiQL is off');
      main.child.kill('SIGTERM');
      expect(await main.exited).toEqual({ code: 0, signal: null });
    },
    SPAWN_TIMEOUT,
  );

  it(
    'names a loopback address when listening on all interfaces, as only a page opened there gets the token',
    async () => {
      const main = startMain(tempDir(), { PORT: '0', HOST: '0.0.0.0' });
      const { base } = await listening(main);
      const token = await developmentToken(main);
      const port = new URL(base).port;
      const graphiql = `http://127.0.0.1:${port}/graphql`;
      expect(main.stdout()).toContain(`GraphiQL: ${graphiql} (the token below is already in its headers)`);
      const printed = printedEntryPoints(main.stdout());
      expect(printed).toHaveLength(6);
      for (const line of printed) expect(line).not.toContain('0.0.0.0');
      expect(await (await fetch(graphiql, { headers: { accept: 'text/html' } })).text()).toContain(`Bearer ${token}`);
      main.child.kill('SIGTERM');
      expect(await main.exited).toEqual({ code: 0, signal: null });
    },
    SPAWN_TIMEOUT,
  );
});

describe('production', () => {
  it(
    'refuses to start without AUTH_JWT_SECRET or AUTH_JWKS_URL, and prints no token',
    async () => {
      const cwd = tempDir();
      const main = startMain(cwd, { NODE_ENV: 'production', PORT: '0' });
      const { code } = await main.exited;
      expect(code).not.toBe(0);
      expect(main.stderr()).toContain('In production, AUTH_JWT_SECRET or AUTH_JWKS_URL must be set.');
      expect(main.stdout()).not.toContain('token');
      expect(existsSync(join(cwd, 'data'))).toBe(false);
    },
    SPAWN_TIMEOUT,
  );

  it(
    'with a secret, started by npm start: listens on 0.0.0.0, prints no token, stops on SIGTERM with exit code 0',
    async () => {
      const dir = tempDir();
      // npm must hand SIGTERM on to the service (package.json's `exec`), as a container runtime or systemd sends it to npm.
      const npm = run('npm', ['start'], ROOT, {
        NODE_ENV: 'production',
        PORT: '0',
        AUTH_JWT_SECRET: TEST_SECRET,
        DATA_DIR: dir,
        DATABASE_URL: `file:${join(dir, 'customers.db')}`,
      });
      const { base, log } = await listening(npm);
      expect(new URL(base).hostname).toBe('0.0.0.0');
      expect(log.mode).toBe('production');
      const port = new URL(base).port;
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
      // No GraphiQL in production (introspection is off by default): a browser gets a page that says so.
      const page = await fetch(`http://127.0.0.1:${port}/graphql`, { headers: { accept: 'text/html' } });
      const html = await page.text();
      expect(html).toContain('GraphiQL is off');
      expect(html).not.toContain('<script');
      expect(npm.stdout()).not.toContain('GraphiQL:');
      // Only what is served, in the log line alone: no pages, no printed lines.
      expect(log).toMatchObject({ metrics: `${base}/metrics`, health: `${base}/health`, ready: `${base}/ready` });
      expect(log.docs).toBeUndefined();
      expect(log.openapi).toBeUndefined();
      expect(npm.stdout()).not.toMatch(/^(REST API|Metrics|Health)/m);

      npm.child.kill('SIGTERM');
      expect(await npm.exited).toEqual({ code: 0, signal: null });
      expect(npm.stdout()).toContain('"shutting down"');
      expect(npm.stdout()).not.toMatch(/token/i);
      expect(existsSync(join(dir, 'dev-jwt-secret'))).toBe(false);
      expect(existsSync(join(dir, 'customers.db-wal'))).toBe(false);
    },
    SPAWN_TIMEOUT,
  );
});

describe('the database password', () => {
  it(
    'given as a query parameter of DATABASE_URL, is in no line the process writes, from start to stop',
    async () => {
      // The run's PostgreSQL, its password moved from the authority to the query, as libpq and node-postgres take it.
      const url = new URL(await createDatabase(inject('postgresAdminUrl')));
      const password = decodeURIComponent(url.password);
      url.password = '';
      url.search = `?application_name=runtime-test&password=${encodeURIComponent(password)}`;
      const dir = tempDir();
      const main = startMain(dir, {
        NODE_ENV: 'production',
        PORT: '0',
        // Every line the service can write, Yoga's debug lines included.
        LOG_LEVEL: 'debug',
        AUTH_JWT_SECRET: TEST_SECRET,
        DATA_DIR: dir,
        DATABASE_URL: url.toString(),
      });
      const { base, log } = await listening(main);
      expect(log.database).toBe(url.toString().replace(`password=${encodeURIComponent(password)}`, 'password=***'));
      const port = new URL(base).port;
      const token = await signToken(TEST_SECRET, { tenant: 'acme', scope: ALL_SCOPES.join(' '), sub: 'runtime' });
      const created = await gql(`http://127.0.0.1:${port}`, token, `mutation { createCustomer(input: {}) { id } }`);
      expect(created.errors).toBeUndefined();
      const refused = await gql(`http://127.0.0.1:${port}`, 'not-a-token', '{ customers { totalCount } }');
      expect(refused.status).toBe(401);
      main.child.kill('SIGTERM');
      expect(await main.exited).toEqual({ code: 0, signal: null });
      expect(main.stdout()).toContain('"stopped"');
      expect(main.stdout()).not.toContain(password);
      expect(main.stderr()).not.toContain(password);
    },
    SPAWN_TIMEOUT,
  );
});

describe('readiness', () => {
  it('/ready answers 503 once the database is closed, while /health stays 200', async () => {
    const server = await startTestServer();
    try {
      expect((await fetch(`${server.url}/ready`)).status).toBe(200);
      server.service.store.close();
      const ready = await fetch(`${server.url}/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.text()).toContain('database unavailable');
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

/** An in-process service on a fresh database whose log lines (pino, at `level`) are collected, with a token. */
async function loggedService(level: string) {
  const dir = tempDir();
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: `file:${join(dir, 'customers.db')}`,
    DATA_DIR: dir,
    AUTH_JWT_SECRET: TEST_SECRET,
  });
  const logLines: Record<string, any>[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
  });
  const service = await createService({ config, jwtSecret: TEST_SECRET, logger: pino({ level }, stream) });
  const base = await service.listen(0, '127.0.0.1');
  const token = await signToken(TEST_SECRET, { tenant: 'acme', scope: ALL_SCOPES.join(' '), sub: 'test' });
  return { service, base, token, logLines };
}

describe('unexpected errors', () => {
  let service: Service;
  let base: string;
  let token: string;
  let logLines: Record<string, any>[];

  beforeAll(async () => {
    ({ service, base, token, logLines } = await loggedService('info'));
  });
  afterAll(() => service.close(1000));

  const errorLines = () => logLines.filter((line) => line.level >= 50);

  it("does not log the caller's mistakes as errors", async () => {
    const invalid = await gql(
      base,
      token,
      `mutation { createCustomer(input: { contactEmail: "not-an-email" }) { id } }`,
    );
    expect(invalid.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    const missing = await gql(
      base,
      token,
      `mutation { patchCustomer(customerNumber: "nobody", input: { firstName: "X" }) { id } }`,
    );
    expect(missing.errors?.[0].extensions.code).toBe('NOT_FOUND');
    expect(errorLines()).toEqual([]);
  });

  it('masks a failure of the database as "Unexpected error." with a request id, and logs it with that id', async () => {
    // A real failure below the API: the SQLite handle is gone, so the store's next statement throws.
    for (const connection of (service.store as SqliteStore).connections) connection.close();
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: `query Broken { customers(first: 3) { edges { node { id } } } }` }),
    });
    const text = await response.text();
    const body = JSON.parse(text) as { errors: { message: string; extensions: Record<string, unknown> }[] };
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]).toMatchObject({
      message: 'Unexpected error.',
      path: ['customers'],
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
    });
    expect(Object.keys(body.errors[0]!.extensions).sort()).toEqual(['code', 'requestId']);
    expect(text).not.toMatch(/database|sqlite|not open|TypeError|\.ts:/i);

    const [logged, ...others] = errorLines();
    expect(others).toEqual([]);
    expect(logged).toMatchObject({
      requestId,
      path: ['customers'],
      err: { message: 'The database connection is not open' },
    });
  });
});

describe("Yoga's own log lines", () => {
  /** The log lines of one request through a service logging at `level`. */
  async function linesAt(level: string): Promise<Record<string, any>[]> {
    const { service, base, token, logLines } = await loggedService(level);
    expect((await gql(base, token, '{ __typename }')).data).toEqual({ __typename: 'Query' });
    await service.close(1000);
    return logLines;
  }

  it('reach the log at LOG_LEVEL=debug, and are left out above it', async () => {
    const debug = await linesAt('debug');
    expect(debug.filter((line) => line.level === 20).map((line) => line.msg)).toContain(
      'Processing GraphQL Parameters',
    );
    const info = await linesAt('info');
    expect(info.filter((line) => line.level < 30)).toEqual([]);
  });
});

describe('metrics', () => {
  it('labels operation names beyond the limit "other", so callers cannot grow the metrics without bound', async () => {
    const metrics = createMetrics({ maxOperationNames: 2 });
    const yoga = createYoga({
      schema: createSchema({ typeDefs: 'type Query { ok: Boolean }', resolvers: { Query: { ok: () => true } } }),
      plugins: [metrics.plugin()],
    });
    for (const name of ['First', 'Second', 'Third', 'Fourth', 'First']) {
      const response = await yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `query ${name} { ok }` }),
      });
      expect(await response.json()).toEqual({ data: { ok: true } });
    }
    const text = await metrics.registry.metrics();
    expect(sample(text, 'graphql_operations_total', { operation: 'First' })).toBe(2);
    expect(sample(text, 'graphql_operations_total', { operation: 'Second' })).toBe(1);
    expect(sample(text, 'graphql_operations_total', { operation: 'other' })).toBe(2);
    expect(text).not.toContain('Third');
  });
});

describe('request log: one line per request', () => {
  let logged: Awaited<ReturnType<typeof loggedService>>;
  beforeAll(async () => {
    logged = await loggedService('info');
  });
  afterAll(() => logged.service.close(1000));

  /** The request line of the response with this id, once the server has written it. */
  async function lineOf(response: Response): Promise<Record<string, any>> {
    const requestId = response.headers.get('x-request-id');
    await response.arrayBuffer();
    return vi.waitFor(() => {
      const line = logged.logLines.find((l) => l.msg === 'request' && l.requestId === requestId);
      if (!line) throw new Error(`no request line for ${requestId}`);
      return line;
    });
  }
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${logged.base}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        authorization: `Bearer ${logged.token}`,
        ...headers,
      },
      body: JSON.stringify(body),
    });

  it('logs a query with its id, operation, type, outcome, status and duration', async () => {
    const line = await lineOf(
      await post({ query: 'query ListSome { customers(first: 2) { totalCount } }' }, { 'x-request-id': 'req-1' }),
    );
    expect(line).toMatchObject({
      level: 30,
      requestId: 'req-1',
      method: 'POST',
      path: '/graphql',
      status: 200,
      operation: 'ListSome',
      operationType: 'query',
      outcome: 'ok',
    });
    expect(line.durationMs).toEqual(expect.any(Number));
    expect(line.errorCodes).toBeUndefined();
  });

  it("logs a failed mutation's error codes and status, and an anonymous operation as such", async () => {
    const line = await lineOf(
      await post({ query: 'mutation { patchCustomer(customerNumber: "NOPE", input: {}) { id } }' }),
    );
    expect(line).toMatchObject({
      status: 404,
      operation: 'anonymous',
      operationType: 'mutation',
      outcome: 'error',
      errorCodes: ['NOT_FOUND'],
    });
  });

  it('logs a refused document and a partial answer as errors, with their codes', async () => {
    const refused = await lineOf(await post({ query: 'query Typo { customerz }', operationName: 'Typo' }));
    expect(refused).toMatchObject({
      status: 400,
      operation: 'Typo',
      outcome: 'error',
      errorCodes: ['GRAPHQL_VALIDATION_FAILED'],
    });
    const reader = await signToken(TEST_SECRET, {
      tenant: 'acme',
      scope: 'customer.customer_read_own',
      sub: 'c',
      customer_id: 'c',
    });
    const partial = await lineOf(
      await post(
        { query: '{ __typename customerAddress(customerNumber: "x", addressId: "y") { id } }' },
        { authorization: `Bearer ${reader}` },
      ),
    );
    expect(partial).toMatchObject({ status: 200, outcome: 'error', errorCodes: ['FORBIDDEN'] });
  });

  it('logs the other endpoints too', async () => {
    const line = await lineOf(await fetch(`${logged.base}/health`));
    expect(line).toMatchObject({ method: 'GET', path: '/health', status: 200, outcome: 'ok' });
    expect(line.operation).toBeUndefined();
  });

  it('writes no request lines above LOG_LEVEL=info', async () => {
    const quiet = await loggedService('warn');
    expect((await fetch(`${quiet.base}/health`)).status).toBe(200);
    expect((await gql(quiet.base, quiet.token, '{ __typename }')).data).toEqual({ __typename: 'Query' });
    // Closing waits for every connection, so any line the requests would write has been written.
    await quiet.service.close(1000);
    expect(quiet.logLines.filter((line) => line.msg === 'request')).toEqual([]);
  });
});

describe('npm run dev', () => {
  it(
    'stops on SIGTERM to npm, server included (the script execs tsx, which hands the signal on)',
    async () => {
      const dir = tempDir();
      const dev = run('npm', ['run', '-s', 'dev'], ROOT, {
        PORT: '0',
        DATA_DIR: dir,
        DATABASE_URL: `file:${join(dir, 'customers.db')}`,
      });
      const { base } = await listening(dev);
      expect((await fetch(`${base}/health`)).status).toBe(200);
      dev.child.kill('SIGTERM');
      expect((await dev.exited).code).toBe(0);
      await expect(fetch(`${base}/health`)).rejects.toThrow();
      expect(dev.stdout()).toContain('"stopped"');
    },
    SPAWN_TIMEOUT,
  );
});
