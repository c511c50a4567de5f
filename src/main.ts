/** Process entry: configuration, the service, the development token, and a graceful stop on SIGTERM/SIGINT. */
import { ALL_SCOPES } from './auth/scopes.js';
import { resolveSecret, signToken } from './auth/tokens.js';
import { ConfigError, loadConfig } from './config.js';
import { isLocalHost } from './browser-files.js';
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
  // The tests read the address from this line (PORT=0 picks a free port).
  const metricsUrl = `${service.metricsUrl() ?? url}/metrics`;
  logger.info(
    { url: `${url}/graphql`, metrics: metricsUrl, mode: config.mode, database: config.database.label },
    'customer-graph is listening',
  );
  if (developmentToken) {
    process.stdout.write(
      `\n${config.graphql.introspection ? graphiqlLine(url) : ''}` +
        `Development token (tenant demo, every customer scope, valid 7 days):\n${developmentToken}\n\n`,
    );
  }
}

/**
 * Where to open GraphiQL. Its page carries the token only when opened by a name of this machine (src/graphiql.ts),
 * so a wildcard address is shown as the loopback one, which reaches it.
 */
function graphiqlLine(listening: string): string {
  const url = new URL(listening);
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  if (url.hostname === '[::]') url.hostname = '[::1]';
  return isLocalHost(url.host)
    ? `GraphiQL: ${url.origin}/graphql (the token below is already in its headers)\n`
    : `GraphiQL: ${url.origin}/graphql (paste the token below into its headers: it is filled in only when opened on localhost)\n`;
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
