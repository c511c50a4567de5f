/**
 * The service: the store, the domain, the token verifier, and the two doors on them (GraphQL on /graphql, the REST
 * API under /customer/), with the browser pages, /health, /ready and /metrics, behind one listener (and /metrics on a
 * listener of its own with METRICS_PORT). Everything a request needs is wired here once; main.ts and the tests both
 * start it.
 */
import { createTokenVerifier } from './auth/tokens.js';
import type { Config } from './config.js';
import { createDomain } from './domain/index.js';
import { createRelay, REQUESTS_PER_ENDPOINT } from './events/relay.js';
import { newWebhookSecret } from './events/signature.js';
import { checkEndpointUrl, webhookAgents } from './events/ssrf.js';
import type { Context } from './graphql/context.js';
import { createGraphQLServer } from './graphql/server.js';
import { createGraphiQL } from './http/graphiql.js';
import { createListener } from './http/lifecycle.js';
import { createMetrics, metricsEndpoint } from './http/metrics.js';
import { requestLogPlugin } from './http/request-log.js';
import { createRouter, metricsOnly } from './http/router.js';
import { createLogger, type Logger } from './logger.js';
import { createRestApi } from './rest/http.js';
import { isRestPath } from './rest/routes.js';
import { openStore } from './store/index.js';

export interface ServiceOptions {
  config: Config;
  /** The HS256 secret in force (AUTH_JWT_SECRET, or the development secret). */
  jwtSecret: string | undefined;
  logger?: Logger;
  /** Shown in GraphiQL's headers in development, to pages opened on this machine (src/http/graphiql.ts). */
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
    // The relay's statements, apart from those that requests run (db_statements_total).
    onBackgroundStatement: metrics.countBackgroundStatement,
    onEventsCommitted: metrics.countEvents,
    poolSize: config.database.poolSize,
    statementTimeoutMs: config.database.statementTimeoutMs,
    readWorkers: config.database.readWorkers,
    admission: config.database.admission,
  });
  metrics.observeAdmission(() => store.admission());
  metrics.observeWebhookBacklog(() => store.relay.backlog());
  const { allowPrivateNetworks, allowHttp } = config.events;
  const domain = createDomain({
    webhooks: {
      checkUrl: async (url) => {
        const checked = await checkEndpointUrl(url, { allowPrivateNetworks, allowHttp });
        return checked.ok ? undefined : checked.message;
      },
      newSecret: newWebhookSecret,
    },
  });
  const relay = createRelay({
    store,
    // A socket for each request the relay may have in flight to one endpoint.
    agents: webhookAgents(allowPrivateNetworks, REQUESTS_PER_ENDPOINT),
    retryDelaysMs: config.events.retryDelaysMs,
    timeoutMs: config.events.timeoutMs,
    retentionMs: config.events.retentionMs,
    logger,
    onAttempt: metrics.countDeliveryAttempt,
  });
  const verifyToken = createTokenVerifier({ ...config.auth, secret: jwtSecret });
  let shutDown!: () => void;
  const closing = new Promise<void>((resolve) => {
    shutDown = resolve;
  });
  const yoga = createGraphQLServer({
    closing,
    config,
    store,
    domain,
    verifyToken,
    logger,
    observers: [metrics.plugin<Context>(), requestLogPlugin<Context>()],
  });
  // The pages follow introspection: GraphiQL and the REST API's documentation.
  const docs = { enabled: config.graphql.introspection, developmentToken };
  const maxBodyBytes = config.graphql.maxBodyBytes;
  const serveMetrics = metricsEndpoint(metrics, config.metrics.token);
  const ownMetricsPort = config.metrics.port !== undefined;

  const api = createListener(
    createRouter(
      {
        ready: () => store.isReady(),
        metrics: ownMetricsPort ? undefined : serveMetrics,
        isRest: isRestPath,
        rest: createRestApi({ store, domain, verifyToken, logger, metrics, maxBodyBytes, docs }),
        browser: createGraphiQL({ ...docs, endpoint: '/graphql' }),
        graphql: (req, res) => yoga.handle(req, res),
      },
      { logger, maxBodyBytes, variesByOrigin: config.corsOrigins !== undefined },
    ),
    logger,
  );
  const metricsListener = ownMetricsPort ? createListener(metricsOnly(serveMetrics), logger) : undefined;
  let metricsUrl: string | undefined;

  return {
    server: api.server,
    yoga,
    store,
    domain,
    metrics,
    logger,
    /**
     * Listens on the configured host and port (0 picks a free one), and the metrics listener on METRICS_PORT when
     * set (same host), and starts the webhook relay; resolves to the base URL.
     */
    async listen(port = config.port, host = config.host): Promise<string> {
      if (metricsListener) metricsUrl = await metricsListener.listen(config.metrics.port ?? 0, host);
      const url = await api.listen(port, host);
      relay.start();
      return url;
    },
    /** The metrics listener's base URL, once listening; undefined when /metrics is served on the API's port. */
    metricsUrl: () => metricsUrl,
    /**
     * Stops accepting connections, lets requests and webhook sends in flight finish (up to the grace period; unsent
     * deliveries go back to the queue), closes the database.
     */
    async close(graceMs = config.shutdownGraceMs): Promise<void> {
      shutDown();
      await Promise.all([api.close(graceMs), relay.stop(graceMs)]);
      await metricsListener?.close(0);
      await store.close();
    },
  };
}

export type Service = Awaited<ReturnType<typeof createService>>;
