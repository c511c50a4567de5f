/**
 * The HTTP service: Yoga on /graphql behind node:http, the REST API under /customer/ (src/rest/http.ts), with
 * /health, /ready and /metrics beside them (or /metrics on a listener of its own), the browser pages
 * (src/graphiql.ts), one log line per request, and a graceful close.
 * Everything a request needs is wired here once; main.ts and the tests both start it.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { createYoga, type Plugin } from 'graphql-yoga';
import { GraphQLError } from 'graphql';
import { createTokenVerifier } from './auth/tokens.js';
import type { Config } from './config.js';
import { createDomain } from './domain/index.js';
import { createGraphiQL } from './graphiql.js';
import { createContextFactory, type Context } from './graphql/context.js';
import { createErrorMasker, errorStatusPlugin } from './graphql/errors.js';
import { mutationScopesPlugin } from './graphql/mutation-scopes.js';
import { edgePlugins, loadTrustedDocuments } from './graphql/limits.js';
import { compiledExecution } from './graphql/jit.js';
import { buildSchema } from './graphql/schema.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { logRequest, requestLogPlugin } from './request-log.js';
import { operationTransactionPlugin } from './graphql/transaction.js';
import { openStore } from './store/index.js';
import { createRestApi } from './rest/http.js';
import { isRestPath } from './rest/routes.js';

export interface ServiceOptions {
  config: Config;
  /** The HS256 secret in force (AUTH_JWT_SECRET, or the development secret). */
  jwtSecret: string | undefined;
  logger?: Logger;
  /** Shown in GraphiQL's headers in development, to pages opened on this machine (src/graphiql.ts). */
  developmentToken?: string | undefined;
}

export async function createService({
  config,
  jwtSecret,
  logger = createLogger(config.logLevel),
  developmentToken,
}: ServiceOptions) {
  const metrics = createMetrics();
  const store = await openStore(config.databasePath, {
    onStatement: metrics.countStatement,
    poolSize: config.database.poolSize,
    statementTimeoutMs: config.database.statementTimeoutMs,
  });
  const domain = createDomain();
  const verifyToken = createTokenVerifier({ ...config.auth, secret: jwtSecret });

  const trustedDocuments = config.graphql.persistedOperationsFile
    ? loadTrustedDocuments(config.graphql.persistedOperationsFile)
    : undefined;
  // Yoga logs several debug lines per request: build a line only when its level is on.
  const log = (level: 'debug' | 'info' | 'warn' | 'error', args: unknown[]) => {
    if (logger.isLevelEnabled(level)) logger[level](args.map(String).join(' '));
  };
  const plugins: Plugin<Context>[] = [
    metrics.plugin<Context>(),
    requestLogPlugin<Context>(),
    errorStatusPlugin(),
    mutationScopesPlugin(),
    ...edgePlugins<Context>({ production: config.production, graphql: config.graphql, trustedDocuments }),
    ...(config.graphql.jit ? [compiledExecution<Context>()] : []),
    // Last: it wraps the execute function the plugins before it chose.
    operationTransactionPlugin(store),
  ];
  const yoga = createYoga<Record<string, never>, Context>({
    schema: buildSchema(),
    context: createContextFactory({ domain, reads: store.reads, verifyToken }),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // Served by src/graphiql.ts from local assets (Yoga's own loads them from unpkg), routed in handle().
    graphiql: false,
    // A subgraph behind a gateway needs no CORS; listed origins get it without credentials (tokens are headers, not
    // cookies). Any other origin gets no CORS header at all: Yoga's list would answer it `null`, which an opaque
    // origin (a sandboxed frame) matches.
    cors: config.corsOrigins
      ? (request) => {
          const origin = request.headers.get('origin');
          return origin && config.corsOrigins?.includes(origin) ? { origin, credentials: false } : false;
        }
      : false,
    maskedErrors: { maskError: createErrorMasker(logger), isDev: false },
    // Enforced in handle() before Yoga reads anything; here too for callers of yoga.fetch in the same process.
    maxRequestBodySize: config.graphql.maxBodyBytes,
    logging: {
      debug: (...args) => log('debug', args),
      info: (...args) => log('info', args),
      warn: (...args) => log('warn', args),
      // Yoga reports each error its masker replaced: the masker has logged the unexpected ones with their request id,
      // and the others are the caller's mistakes, so these are only worth a debug line.
      error: (...args) => log(args[0] instanceof GraphQLError ? 'debug' : 'error', args),
    },
    plugins,
  });

  const browser = createGraphiQL({ enabled: config.graphql.introspection, endpoint: '/graphql', developmentToken });
  // The REST API: the same domain, store, token verifier and body limit as GraphQL; its documentation follows
  // introspection, as GraphiQL does.
  const rest = createRestApi({
    store,
    domain,
    verifyToken,
    logger,
    metrics,
    maxBodyBytes: config.graphql.maxBodyBytes,
    readBody,
    docs: { enabled: config.graphql.introspection, developmentToken },
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = (req.headers['x-request-id'] as string | undefined)?.slice(0, 128) || randomUUID();
    req.headers['x-request-id'] = requestId;
    res.setHeader('x-request-id', requestId);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    logRequest(logger, req, res, requestId, path);
    if (req.method === 'GET' && path === '/health') return send(res, 200, 'text/plain', 'ok\n');
    if (req.method === 'GET' && path === '/ready') {
      return (await store.isReady())
        ? send(res, 200, 'text/plain', 'ready\n')
        : send(res, 503, 'text/plain', 'database unavailable\n');
    }
    if (path === '/metrics') {
      // With METRICS_PORT, /metrics lives on its own listener only.
      if (metricsServer) return send(res, 404, 'text/plain', 'not found\n');
      if (req.method === 'GET') return serveMetrics(req, res);
    }
    if (isRestPath(path)) return rest(req, res, path, requestId);
    // GraphiQL (or the page saying it is off), its assets and `GET /`: never with CORS headers, whatever the allow-list.
    if (await browser(req, res, path)) return;
    // The answer depends on the Origin once some origins are allowed, so caches must keep one per Origin.
    if (config.corsOrigins) res.setHeader('vary', 'Origin');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const body = await readBody(req, config.graphql.maxBodyBytes);
      if (body === 'aborted') return; // the client left mid-body: nobody to answer
      if (body === 'too large') return sendBodyTooLarge(res, config.graphql.maxBodyBytes);
      // Yoga takes a body that was already read from `req.body` (as after Express's body parsers). A parsed JSON
      // object skips its stream plumbing (a web stream piped through its size limit), which costs more than the
      // rest of a small request; anything else goes as a stream (not a Buffer: Yoga tells a parsed body from a raw
      // one with Object.keys(), a string per byte), and Yoga answers it as it would have.
      (req as IncomingMessage & { body?: unknown }).body =
        parsedJsonBody(req.headers['content-type'], body) ?? Readable.from([body], { objectMode: false });
    }
    return yoga.handle(req, res);
  }

  /**
   * Prometheus text. Operation names are chosen by callers of every tenant, so /metrics can be kept internal: on its
   * own listener (METRICS_PORT, never exposed publicly) and/or behind a bearer token (METRICS_TOKEN).
   */
  async function serveMetrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (config.metrics.token && !bearerIs(req.headers.authorization, config.metrics.token)) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="metrics"' });
      return void res.end('/metrics needs Authorization: Bearer <METRICS_TOKEN>\n');
    }
    return send(res, 200, metrics.registry.contentType, await metrics.registry.metrics());
  }
  const metricsServer =
    config.metrics.port === undefined
      ? undefined
      : createServer((req, res) => {
          const path = (req.url ?? '/').split('?')[0];
          const served =
            req.method === 'GET' && path === '/metrics'
              ? serveMetrics(req, res)
              : Promise.resolve(send(res, 404, 'text/plain', 'not found: this port serves GET /metrics only\n'));
          served.catch((error: unknown) => {
            logger.error({ err: error }, 'metrics request failed');
            if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
          });
        });
  let metricsUrl: string | undefined;

  // While closing, every response says `Connection: close`, so keep-alive clients leave once their request is done
  // instead of sending more requests or idling until the keep-alive timeout.
  let closing = false;
  const openResponses = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    openResponses.add(res);
    res.once('close', () => openResponses.delete(res));
    if (closing) res.setHeader('connection', 'close');
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'request failed');
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
      else res.destroy();
    });
  });

  return {
    server,
    yoga,
    store,
    domain,
    metrics,
    logger,
    /**
     * Listens on the configured host and port (0 picks a free one), and the metrics listener on METRICS_PORT when
     * set (same host); resolves to the base URL.
     */
    async listen(port = config.port, host = config.host): Promise<string> {
      if (metricsServer) metricsUrl = await listenOn(metricsServer, config.metrics.port ?? 0, host);
      return listenOn(server, port, host);
    },
    /** The metrics listener's base URL, once listening; undefined when /metrics is served on the API's port. */
    metricsUrl: () => metricsUrl,
    /** Stops accepting connections, lets requests in flight finish (up to the grace period), closes the database. */
    async close(graceMs = config.shutdownGraceMs): Promise<void> {
      closing = true;
      for (const res of openResponses) if (!res.headersSent) res.setHeader('connection', 'close');
      if (server.listening) {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        await closed;
        clearTimeout(timer);
      }
      if (metricsServer?.listening) {
        const closed = new Promise<void>((resolve) => metricsServer.close(() => resolve()));
        metricsServer.closeAllConnections();
        await closed;
      }
      await store.close();
    },
  };
}

export type Service = Awaited<ReturnType<typeof createService>>;

function listenOn(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve(`http://${shownHost}:${address.port}`);
    });
  });
}

/** Whether an Authorization header carries this bearer token, compared in constant time. */
function bearerIs(header: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1] ?? '';
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/**
 * The request body, or 'too large' as soon as it is known to exceed `limit` bytes: at once when Content-Length
 * says so, else when the chunks read so far do. A refused body is drained, not kept, so that the 413 reaches the
 * client without a connection reset; server.requestTimeout bounds how long a client may keep sending.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too large' | 'aborted'> {
  if (Number(req.headers['content-length']) > limit) {
    req.resume();
    return Promise.resolve('too large');
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData).off('end', onEnd).resume();
      resolve('too large');
    };
    const onEnd = () => resolve(Buffer.concat(chunks, size));
    req
      .on('data', onData)
      .once('end', onEnd)
      .once('error', () => resolve('aborted'));
  });
}

/**
 * A JSON request's body as the object Yoga would parse from it; undefined for other content types and for bodies
 * that are not a JSON object with fields (Yoga then reports those in its own words).
 */
function parsedJsonBody(contentType: string | undefined, body: Buffer): object | undefined {
  if (!isJsonContentType(contentType)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  return Object.keys(parsed).length > 0 ? parsed : undefined;
}

/** The content types Yoga reads as a JSON body. */
const JSON_TYPES = ['application/json', 'application/graphql+json'];

/** Whether Yoga reads a body of this Content-Type as JSON, matched as Yoga matches it. */
function isJsonContentType(header: string | undefined): boolean {
  const type = header?.split(',')[0];
  return JSON_TYPES.some((json) => type === json || !!type?.startsWith(`${json};`));
}

function sendBodyTooLarge(res: ServerResponse, limit: number): void {
  const error = {
    message: `Request body too large: the limit is ${limit} bytes.`,
    extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' },
  };
  send(res, 413, 'application/json; charset=utf-8', JSON.stringify({ errors: [error] }));
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType });
  res.end(body);
}
