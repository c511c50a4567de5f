/** Process entry: configuration, the service, the development token, and a graceful stop on SIGTERM/SIGINT. */
import { ALL_SCOPES } from './auth/scopes.js';
import { resolveSecret, signToken } from './auth/tokens.js';
import { ConfigError, loadConfig } from './config.js';
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
  const service = createService({ config, jwtSecret, logger, developmentToken });

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down');
    service.close().then(
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
  logger.info({ url: `${url}/graphql`, mode: config.mode, database: config.databasePath }, 'customer-graph is listening');
  if (developmentToken) {
    process.stdout.write(
      `\nGraphiQL: ${url}/graphql (the token below is already in its headers)\n` +
        `Development token (tenant demo, every customer scope, valid 7 days):\n${developmentToken}\n\n`,
    );
  }
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
