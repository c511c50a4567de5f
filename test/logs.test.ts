/**
 * Logs never carry customer data: an error of PostgreSQL's, as the service logs it (src/logger.ts), keeps its code
 * and the statement's shape, never the values that PostgreSQL quotes in its message, `detail` or `where`. Real
 * errors of a real PostgreSQL, through the service's own logger.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { errorForLog } from '../src/logger.js';
import { createDatabase } from './support/postgres.js';

const SECRET = 'Jane.Doe+secret@example.com';
let client: pg.Client;

beforeAll(async () => {
  client = new pg.Client(await createDatabase(inject('postgresAdminUrl')));
  await client.connect();
  await client.query('CREATE TABLE people (tenant text, email text, UNIQUE (tenant, email))');
  await client.query('INSERT INTO people VALUES ($1, $2)', ['acme', SECRET]);
});
afterAll(async () => {
  await client?.end();
});

/** The line the service's logger writes for `err`. */
function logged(err: unknown): string {
  let line = '';
  const logger = pino(
    { serializers: { err: errorForLog } },
    new Writable({
      write(chunk, _encoding, done) {
        line += String(chunk);
        done();
      },
    }),
  );
  logger.error({ err, requestId: 'r-1' }, 'Unexpected error');
  return line;
}

const failure = (run: () => Promise<unknown>) =>
  run().then(
    () => {
      throw new Error('the statement succeeded');
    },
    (error: unknown) => error as Error & Record<string, unknown>,
  );

describe("PostgreSQL's errors in the log", () => {
  it.each([
    ['a parameter of the wrong type', () => client.query('SELECT $1::int', [SECRET])],
    ['a unique key taken', () => client.query('INSERT INTO people VALUES ($1, $2)', ['acme', SECRET])],
    ['JSON it cannot decode', () => client.query(`SELECT ($1::json ->> 'a')`, [`{"a":"${SECRET}\\u0000"}`])],
  ])('%s: the code and the statement, never the value', async (_name, run) => {
    const error = await failure(run);
    // PostgreSQL does quote the value somewhere in its error.
    expect(JSON.stringify({ ...error, message: error.message })).toContain('Jane.Doe');
    Object.assign(error, { statement: 'people.insert' });
    const line = logged(new Error('Wrapped', { cause: error }));
    expect(line).not.toContain('Jane.Doe');
    expect(JSON.parse(line)).toMatchObject({
      requestId: 'r-1',
      err: { type: 'Error', message: 'Wrapped', cause: { code: error.code, statement: 'people.insert' } },
    });
  });
});
