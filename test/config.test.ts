/** The configuration from the environment (src/config.ts): defaults, and empty values counting as unset. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

/** Every variable the README's Configuration table lists that has a default or may be left out. */
const VARIABLES = [
  'NODE_ENV',
  'PORT',
  'HOST',
  'DATABASE_URL',
  'DATA_DIR',
  'AUTH_JWT_SECRET',
  'AUTH_JWKS_URL',
  'AUTH_ISSUER',
  'AUTH_AUDIENCE',
  'LOG_LEVEL',
  'SHUTDOWN_GRACE_MS',
  'CORS_ORIGINS',
  'METRICS_PORT',
  'METRICS_TOKEN',
  'GRAPHQL_MAX_DEPTH',
  'GRAPHQL_MAX_COST',
  'GRAPHQL_MAX_ALIASES',
  'GRAPHQL_MAX_TOKENS',
  'GRAPHQL_MAX_DIRECTIVES',
  'GRAPHQL_MAX_DOCUMENT_BYTES',
  'GRAPHQL_MAX_BODY_BYTES',
  'GRAPHQL_INTROSPECTION',
  'GRAPHQL_PERSISTED_OPERATIONS_FILE',
  'GRAPHQL_PERSISTED_OPERATIONS_ONLY',
  'GRAPHQL_JIT',
];

describe('configuration', () => {
  it('with nothing set: development on port 4000 with data/customers.db', () => {
    expect(loadConfig({})).toMatchObject({
      mode: 'development',
      production: false,
      port: 4000,
      host: '127.0.0.1',
      databasePath: 'data/customers.db',
      logLevel: 'info',
    });
  });

  it.each(['', '  '])('counts a variable set to %j as unset, each one and all at once', (empty) => {
    const defaults = loadConfig({});
    for (const name of VARIABLES) expect(loadConfig({ [name]: empty }), name).toEqual(defaults);
    expect(loadConfig(Object.fromEntries(VARIABLES.map((name) => [name, empty])))).toEqual(defaults);
  });

  it('still refuses a value that is set but invalid, naming the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'staging' })).toThrow(/NODE_ENV/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });
});
