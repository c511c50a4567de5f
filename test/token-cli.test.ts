/**
 * `npm run token` (src/cli/token.ts), run as a child process the way a developer runs it: it prints only a token,
 * signed with the secret the configured server uses, and that token works against a server.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_SECRET, type TestServer } from './helpers.js';
import { fixtures } from './tenant-fixtures.js';

const run = promisify(execFile);

/** Runs the CLI with exactly these environment variables (plus PATH); never throws, returns what it printed. */
async function token(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith('AUTH_') && !['NODE_ENV', 'DATA_DIR'].includes(name),
    ),
  );
  try {
    // `npx tsx src/cli/token.ts`, minus npx's own start-up.
    const { stdout, stderr } = await run(join('node_modules', '.bin', 'tsx'), ['src/cli/token.ts', ...args], {
      env: { ...clean, ...env },
      cwd: process.cwd(),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

let server: TestServer;
let dataDir: string;
beforeAll(async () => {
  server = await startTestServer({ AUTH_ISSUER: 'https://customer-graph.test/', AUTH_AUDIENCE: 'customer-graph' });
  dataDir = mkdtempSync(join(tmpdir(), 'customer-graph-token-'));
});
afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const configured = {
  AUTH_JWT_SECRET: TEST_SECRET,
  AUTH_ISSUER: 'https://customer-graph.test/',
  AUTH_AUDIENCE: 'customer-graph',
};

describe('npm run token', () => {
  it('prints only a token, with the claims asked for, that the server accepts', async () => {
    const { code, stdout, stderr } = await token(
      ['--tenant', 'acme', '--scope', 'customer.customer_manage', '--ttl', '120'],
      configured,
    );
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const jwt = stdout.trim();
    const claims = decodeJwt(jwt);
    expect(claims).toMatchObject({
      tenant: 'acme',
      scope: 'customer.customer_manage',
      sub: 'cli',
      iss: 'https://customer-graph.test/',
      aud: 'customer-graph',
    });
    expect(claims.exp! - claims.iat!).toBe(120);

    const created = await server.gql(
      `mutation { createCustomer(input: { id: "cli-1" }) { customerNumber } }`,
      {},
      { token: jwt },
    );
    expect({ status: created.status, data: created.data, errors: created.errors }).toEqual({
      status: 200,
      data: { createCustomer: { customerNumber: 'cli-1' } },
      errors: undefined,
    });
  });

  it('mints customer tokens: --customer-id and --legal-entity-id reach the own company, and `me`', async () => {
    const fx = fixtures(server.service);
    const [mine, other] = [await fx.company('acme'), await fx.company('acme')];
    const me = await fx.customer('acme', { entities: [mine, other] });
    const colleague = await fx.customer('acme', { entities: [mine] });
    const otherColleague = await fx.customer('acme', { entities: [other] });
    const { code, stdout } = await token(
      [
        ...['--tenant', 'acme', '--scope', 'customer.customer_read_own'],
        ...['--customer-id', me.number, '--legal-entity-id', mine.id, '--sub', 'user-7'],
      ],
      configured,
    );
    expect(code).toBe(0);
    expect(decodeJwt(stdout.trim())).toMatchObject({ sub: 'user-7', customer_id: me.number, legal_entity_id: mine.id });
    const res = await server.gql(
      `query($a: String!, $b: String!) {
        me { customerNumber }
        a: customer(customerNumber: $a) { customerNumber }
        b: customer(customerNumber: $b) { customerNumber }
      }`,
      { a: colleague.number, b: otherColleague.number },
      { token: stdout.trim() },
    );
    expect(res.data).toEqual({ me: { customerNumber: me.number }, a: { customerNumber: colleague.number }, b: null });
  });

  it('in development without AUTH_JWT_SECRET, signs with the secret the server keeps in the data directory', async () => {
    const { code, stdout } = await token(['--tenant', 'acme', '--scope', 'all'], {
      NODE_ENV: 'development',
      DATA_DIR: dataDir,
    });
    expect(code).toBe(0);
    // The server started on that data directory resolves the same secret (src/main.ts does this with resolveSecret).
    const secret = readFileSync(join(dataDir, 'dev-jwt-secret'), 'utf8').trim();
    const devServer = await startTestServer({ AUTH_JWT_SECRET: secret });
    try {
      const res = await devServer.gql(`{ customers { totalCount } }`, {}, { token: stdout.trim() });
      expect({ status: res.status, data: res.data }).toEqual({ status: 200, data: { customers: { totalCount: 0 } } });
      // And the test server, with another secret, refuses it.
      expect((await server.gql(`{ customers { totalCount } }`, {}, { token: stdout.trim() })).status).toBe(401);
    } finally {
      await devServer.close();
    }
    expect(String(decodeJwt(stdout.trim()).scope).split(' ').sort()).toEqual([
      'customer.customer_create',
      'customer.customer_delete',
      'customer.customer_manage',
      'customer.customer_manage_own',
      'customer.customer_read',
      'customer.customer_read_own',
      'customer.customer_update',
      'webhook.subscription_manage',
      'webhook.subscription_read',
    ]);
  });

  it('in production without AUTH_JWT_SECRET, says it cannot sign and prints no token', async () => {
    const { code, stdout, stderr } = await token(['--tenant', 'acme', '--scope', ''], {
      NODE_ENV: 'production',
      AUTH_JWKS_URL: 'https://idp.example.test/.well-known/jwks.json',
      DATA_DIR: dataDir,
    });
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(stderr).toMatch(/Cannot sign/);
  });

  it.each([
    ['a tenant that does not match the pattern', ['--tenant', 'Not A Tenant', '--scope', 'customer.customer_read']],
    ['no --scope', ['--tenant', 'acme']],
    ['a --ttl below 1', ['--tenant', 'acme', '--scope', 'customer.customer_read', '--ttl', '0']],
    [
      '--legal-entity-id without --customer-id',
      ['--tenant', 'acme', '--scope', 'customer.customer_read_own', '--legal-entity-id', 'L1'],
    ],
    ['an unknown option', ['--tenant', 'acme', '--scope', 'customer.customer_read', '--unknown']],
  ])('refuses %s: usage on stderr, exit code 2, no token', async (_name, args) => {
    const { code, stdout, stderr } = await token(args, configured);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toContain('Usage: npm run token');
  });
});
