/** The configuration from the environment (src/config.ts): defaults, and empty values counting as unset. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig, redactPassword } from '../src/config.js';

/** Every variable the service reads: each has a default or may be left out. */
const VARIABLES = CONFIG_VARIABLES;

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

  it("is documented: the README's Configuration table has a row for every variable", () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(VARIABLES.filter((name) => !readme.includes(`| \`${name}\` |`))).toEqual([]);
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
    expect(config.database).toMatchObject({
      label: 'postgres://customer_graph:***@db.internal:5432/customers?sslmode=require',
      poolSize: 25,
      statementTimeoutMs: 2000,
    });
    expect(loadConfig({}).database).toEqual({
      label: 'data/customers.db',
      poolSize: 10,
      statementTimeoutMs: 5000,
      readWorkers: 2,
      admission: { perTenant: 2, total: undefined, queueMs: 1000, queueLength: 20 },
    });
    expect(() => loadConfig({ DATABASE_POOL_SIZE: '0' })).toThrow(/DATABASE_POOL_SIZE/);
  });

  describe('the database label: DATABASE_URL without any password, the rest as written', () => {
    it.each([
      [
        'in the authority',
        'postgres://app:s3cr%40t@db.example:5432/customers?sslmode=require',
        'postgres://app:***@db.example:5432/customers?sslmode=require',
      ],
      [
        'as a query parameter',
        'postgres://db/customers?user=app&password=s3cret',
        'postgres://db/customers?user=app&password=***',
      ],
      [
        'as sslpassword',
        'postgres://app@db/c?sslmode=verify-full&sslpassword=s3cret',
        'postgres://app@db/c?sslmode=verify-full&sslpassword=***',
      ],
      [
        'in both places',
        'postgresql://app:s3cret@db/c?password=s3cret&application_name=a+b',
        'postgresql://app:***@db/c?password=***&application_name=a+b',
      ],
      ['under a name node-postgres decodes', 'postgres://db/c?pass%77ord=s3cret', 'postgres://db/c?pass%77ord=***'],
      ['with an @ of its own, unescaped', 'postgres://app:s3@cret@db/c', 'postgres://app:***@db/c'],
      ['with a / that keeps the URL from parsing', 'postgres://app:s3/cret@db/c', 'postgres://app:***@db/c'],
      [
        'in a libpq keyword/value string',
        'host=db user=app password=s3cret dbname=customers',
        'host=db user=app password=*** dbname=customers',
      ],
      [
        'quoted, in a libpq keyword/value string',
        "host=db password = 's3 c\\'ret' sslpassword=s3cret",
        'host=db password = *** sslpassword=***',
      ],
      [
        'in a keyword/value string inside a parameter',
        'postgres://db/c?options=-c%20password%3Ds3cret&sslmode=require',
        'postgres://db/c?options=***&sslmode=require',
      ],
      ['after an unescaped #', 'postgres://db/c?password=s3#cret', 'postgres://db/c?password=***#***'],
    ])('%s', (_, url, label) => {
      expect(redactPassword(url)).toBe(label);
      expect(loadConfig({ DATABASE_URL: url }).database.label).toBe(label);
      expect(label).not.toMatch(/s3|cret/);
    });

    it('leaves what holds no password as it is', () => {
      for (const url of [
        'postgres://app@db:5432/customers?sslmode=require&application_name=a+b%20c',
        'postgres://db/c?password',
        'data/customers.db',
        ':memory:',
        'C:\\data\\customers.db',
      ]) {
        expect(redactPassword(url)).toBe(url);
      }
      expect(loadConfig({ DATABASE_URL: 'file:data/other.db' }).database.label).toBe('data/other.db');
    });
  });
});
