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
  const url = await service.listen();
  logger.info({ url: `${url}/graphql`, mode: config.mode, database: config.databasePath }, 'customer-graph is listening');
  if (developmentToken) {
    process.stdout.write(
      `\nGraphiQL: ${url}/graphql (the token below is already in its headers)\n` +
        `Development token (tenant demo, every customer scope, valid 7 days):\n${developmentToken}\n\n`,
    );
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : (error as Error).stack}\n`);
  process.exit(1);
});
