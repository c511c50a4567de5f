/**
 * `npm run token -- --tenant T --scope "S1 S2" [--customer-id C] [--legal-entity-id L] [--ttl SECONDS] [--sub S]`
 *
 * Prints (only) a token that the configured server accepts: signed with the same HS256 secret (AUTH_JWT_SECRET, or
 * in development the secret kept in the data directory) and carrying AUTH_ISSUER / AUTH_AUDIENCE when they are set.
 */
import { parseArgs } from 'node:util';
import { ALL_SCOPES } from '../auth/scopes.js';
import { resolveSecret, signToken, TENANT_PATTERN } from '../auth/tokens.js';
import { ConfigError, loadConfig } from '../config.js';

const USAGE = `Usage: npm run token -- --tenant T --scope "S1 S2" [options]

  --tenant T             the tenant (^[a-z][a-z0-9]{2,15}$)
  --scope "S1 S2"        space-separated scopes; "" for none, "all" for every scope of the service
  --customer-id C        makes a customer token: the customer acting (for *_own scopes and \`me\`)
  --legal-entity-id L    narrows a customer token's own company to this legal entity
  --ttl SECONDS          lifetime, default 3600
  --sub S                the subject, default the customer id or "cli"

Scopes: ${ALL_SCOPES.join(' ')}`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      tenant: { type: 'string' },
      scope: { type: 'string' },
      'customer-id': { type: 'string' },
      'legal-entity-id': { type: 'string' },
      ttl: { type: 'string', default: '3600' },
      sub: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) throw new UsageError('');
  const tenant = values.tenant;
  if (!tenant || !TENANT_PATTERN.test(tenant)) throw new UsageError('--tenant must match ^[a-z][a-z0-9]{2,15}$.');
  if (values.scope === undefined) throw new UsageError('--scope is required ("" for a token without scopes).');
  const scope =
    values.scope.trim() === 'all' ? ALL_SCOPES.join(' ') : values.scope.split(/\s+/).filter(Boolean).join(' ');
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl < 1) throw new UsageError('--ttl must be a whole number of seconds, at least 1.');
  if (values['legal-entity-id'] && !values['customer-id']) {
    throw new UsageError('--legal-entity-id narrows a customer token: give --customer-id too.');
  }
  const unknown = scope.split(' ').filter((s) => s && !ALL_SCOPES.includes(s));
  if (unknown.length > 0) process.stderr.write(`warning: not a customer scope: ${unknown.join(', ')}\n`);

  const config = loadConfig();
  const secret = resolveSecret(config.auth.jwtSecret, config.dataDir, config.production);
  if (!secret) {
    throw new ConfigError(
      'Cannot sign: in production the server accepts HS256 tokens only with AUTH_JWT_SECRET, which is not set ' +
        '(tokens come from the identity provider at AUTH_JWKS_URL).',
    );
  }
  return signToken(
    secret,
    {
      tenant,
      scope,
      sub: values.sub ?? values['customer-id'] ?? 'cli',
      customer_id: values['customer-id'],
      legal_entity_id: values['legal-entity-id'],
    },
    { ttlSeconds: ttl, issuer: config.auth.issuer, audience: config.auth.audience },
  );
}

main(process.argv.slice(2)).then(
  (token) => process.stdout.write(`${token}\n`),
  (error: unknown) => {
    if (error instanceof UsageError && !error.message) {
      process.stdout.write(`${USAGE}\n`);
    } else if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
      process.exitCode = 2;
    } else if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`${(error as Error).stack}\n`);
      process.exitCode = 1;
    }
  },
);
