/**
 * Process entry: configuration, the service, the entry points and development token it prints, and a graceful stop
 * on SIGTERM/SIGINT.
 */
import { ALL_SCOPES } from './auth/scopes.js';
import { resolveSecret, signToken } from './auth/tokens.js';
import { ConfigError, loadConfig } from './config.js';
import { isLocalHost } from './http/browser-files.js';
import { createLogger } from './logger.js';
import { createService } from './server.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const jwtSecret = resolveSecret(config.auth.jwtSecret, config.dataDir, config.production);
  const developmentToken =
    !config.production && jwtSecret
      ? await signToken(
          jwtSecret,
          { tenant: 'demo', scope: ALL_SCOPES.join(' '), sub: 'developer' },
          { ttlSeconds: 7 * 24 * 3600, issuer: config.auth.issuer, audience: config.auth.audience },
        )
      : undefined;
  const service = await createService({ config, jwtSecret, logger, developmentToken });

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    // close() stops listening before its first await, so once this line is out new connections are refused (logged
    // before it, a connection could land in the listen backlog meanwhile and be reset).
    const closed = service.close();
    logger.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down');
    closed.then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  const url = await service.listen();
  const metricsUrl = `${service.metricsUrl() ?? url}/metrics`;
  // The tests read the address from this line (PORT=0 picks a free port); it names every entry point served.
  logger.info(
    {
      url: `${url}/graphql`,
      ...(config.graphql.introspection
        ? { docs: `${url}/customer/docs`, openapi: `${url}/customer/openapi.json` }
        : {}),
      metrics: metricsUrl,
      health: `${url}/health`,
      ready: `${url}/ready`,
      mode: config.mode,
      database: config.database.label,
    },
    'customer-graph is listening',
  );
  if (developmentToken) {
    process.stdout.write(
      `\n${entryPoints(url, metricsUrl, config.graphql.introspection, config.metrics.token !== undefined)}` +
        `Development token (tenant demo, every scope, valid 7 days):\n${developmentToken}\n\n`,
    );
  }
}

/**
 * What a developer opens, one line each. The pages carry the token only when opened by a name of this machine
 * (src/graphiql.ts, src/rest/docs.ts), so a wildcard address is shown as the loopback one, which reaches it.
 */
function entryPoints(listening: string, metrics: string, introspection: boolean, metricsToken: boolean): string {
  const origin = reachable(listening);
  const local = isLocalHost(new URL(origin).host);
  const pages = introspection
    ? [
        local
          ? `GraphiQL: ${origin}/graphql (the token below is already in its headers)`
          : `GraphiQL: ${origin}/graphql (paste the token below into its headers: it is filled in only when opened on localhost)`,
        local
          ? `REST API docs: ${origin}/customer/docs (Swagger UI, authorized with the token below)`
          : `REST API docs: ${origin}/customer/docs (Swagger UI: paste the token below into Authorize)`,
        `OpenAPI document: ${origin}/customer/openapi.json`,
      ]
    : [`GraphQL API: POST ${origin}/graphql`];
  return [
    ...pages,
    `REST API: ${origin}/customer/demo/customers (tenant demo: send the token below)`,
    `Metrics: ${reachable(metrics)}${metricsToken ? ' (with Authorization: Bearer <METRICS_TOKEN>)' : ''}`,
    `Health: ${origin}/health, readiness: ${origin}/ready`,
    '',
  ].join('\n');
}

/** The URL with a wildcard host replaced by the loopback one of its family. */
function reachable(listening: string): string {
  const url = new URL(listening);
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  if (url.hostname === '[::]') url.hostname = '[::1]';
  return url.pathname === '/' ? url.origin : url.href;
}

main().catch((error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  const message =
    error instanceof ConfigError
      ? error.message
      : code === 'EADDRINUSE' || code === 'EACCES'
        ? `Cannot listen: ${(error as Error).message}. Set PORT (and HOST) to a free address.`
        : (error as Error).stack;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
