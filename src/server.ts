/**
 * The HTTP service: Yoga on /graphql behind node:http, with /health, /ready and /metrics beside it, and a
 * graceful close. Everything a request needs is wired here once; main.ts and the tests both start it.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createYoga, type Plugin } from 'graphql-yoga';
import { createTokenVerifier } from './auth/tokens.js';
import type { Config } from './config.js';
import { createDomain } from './domain/index.js';
import { createContextFactory, type Context } from './graphql/context.js';
import { createErrorMasker, errorStatusPlugin } from './graphql/errors.js';
import { buildSchema } from './graphql/schema.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { openStore } from './store/db.js';
import { createRepositories } from './store/index.js';

export interface ServiceOptions {
  config: Config;
  /** The HS256 secret in force (AUTH_JWT_SECRET, or the development secret). */
  jwtSecret: string | undefined;
  logger?: Logger;
  /** Shown in GraphiQL's headers in development. */
  developmentToken?: string | undefined;
}

export function createService({ config, jwtSecret, logger = createLogger(config.logLevel), developmentToken }: ServiceOptions) {
  const metrics = createMetrics();
  const store = openStore(config.databasePath, { onStatement: metrics.countStatement });
  const repos = createRepositories(store);
  const domain = createDomain(repos);
  const verifyToken = createTokenVerifier({ ...config.auth, secret: jwtSecret });

  const plugins: Plugin<Context>[] = [metrics.plugin<Context>(), errorStatusPlugin()];
  const yoga = createYoga<Record<string, never>, Context>({
    schema: buildSchema(),
    context: createContextFactory({ domain, repos, verifyToken }),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: config.graphql.introspection
      ? {
          title: 'customer-graph',
          headers: developmentToken ? JSON.stringify({ Authorization: `Bearer ${developmentToken}` }) : undefined,
        }
      : false,
    maskedErrors: { maskError: createErrorMasker(logger), isDev: false },
    logging: {
      debug: (...args) => logger.debug(args.map(String).join(' ')),
      info: (...args) => logger.info(args.map(String).join(' ')),
      warn: (...args) => logger.warn(args.map(String).join(' ')),
      error: (...args) => logger.error(args.map(String).join(' ')),
    },
    plugins,
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = (req.headers['x-request-id'] as string | undefined)?.slice(0, 128) || randomUUID();
    req.headers['x-request-id'] = requestId;
    res.setHeader('x-request-id', requestId);
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/health') return send(res, 200, 'text/plain', 'ok\n');
    if (req.method === 'GET' && path === '/ready') {
      return store.isReady() ? send(res, 200, 'text/plain', 'ready\n') : send(res, 503, 'text/plain', 'database unavailable\n');
    }
    if (req.method === 'GET' && path === '/metrics') {
      return send(res, 200, metrics.registry.contentType, await metrics.registry.metrics());
    }
    return yoga.handle(req, res);
  }

  const server: Server = createServer((req, res) => {
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
    repos,
    domain,
    metrics,
    logger,
    /** Listens on the configured host and port (0 picks a free one); resolves to the base URL. */
    listen(port = config.port, host = config.host): Promise<string> {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const address = server.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`http://${shownHost}:${address.port}`);
        });
      });
    },
    /** Stops accepting connections, lets requests in flight finish (up to the grace period), closes the database. */
    async close(graceMs = config.shutdownGraceMs): Promise<void> {
      if (server.listening) {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        await closed;
        clearTimeout(timer);
      }
      store.close();
    },
  };
}

export type Service = ReturnType<typeof createService>;

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType });
  res.end(body);
}
