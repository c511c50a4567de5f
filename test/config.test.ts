/** The configuration from the environment (src/config.ts): defaults, and empty values counting as unset. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

/** Every variable the README's Configuration table lists that has a default or may be left out. */
const VARIABLES = [
  'NODE_ENV',
  'PORT',
  'HOST',
  'DATABASE_URL',
  'DATABASE_POOL_SIZE',
  'DATABASE_STATEMENT_TIMEOUT_MS',
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

  it('takes a PostgreSQL URL with its pool settings, and never shows its password', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://customer_graph:s3cr%40t-pw@db.internal:5432/customers?sslmode=require',
      DATABASE_POOL_SIZE: '25',
      DATABASE_STATEMENT_TIMEOUT_MS: '2000',
    });
    expect(config.databasePath).toBe(
      'postgres://customer_graph:s3cr%40t-pw@db.internal:5432/customers?sslmode=require',
    );
    expect(config.database).toEqual({
      label: 'postgres://customer_graph:***@db.internal:5432/customers?sslmode=require',
      poolSize: 25,
      statementTimeoutMs: 2000,
    });
    expect(loadConfig({}).database).toEqual({ label: 'data/customers.db', poolSize: 10, statementTimeoutMs: 5000 });
    expect(() => loadConfig({ DATABASE_POOL_SIZE: '0' })).toThrow(/DATABASE_POOL_SIZE/);
  });
});
