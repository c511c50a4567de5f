/**
 * The README's shell commands work when pasted: the token snippet of "npm run token" runs in bash, as printed,
 * against a started server (only its address differs), and every captured `npm run token` is silent.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_SECRET, type TestServer } from './helpers.js';
import { ROOT } from './support/built-service.js';

const run = promisify(execFile);
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The fenced blocks of one language, in order. */
const blocks = (language: string) =>
  [...README.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1]!);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('README shell commands', () => {
  it('captures tokens with npm run -s (npm would print its banner into the variable otherwise)', () => {
    const captures = [...README.matchAll(/\$\((npm run [^)]*)\)/g)].map((m) => m[1]!);
    expect(captures.length).toBeGreaterThan(0);
    for (const command of captures) expect(command).toMatch(/^npm run -s /);
  });

  it('the token snippet runs as pasted: a token, then a first page from the server', async () => {
    const snippet = blocks('sh').find((block) => block.includes('TOKEN=$(npm run -s token') && block.includes('curl'));
    expect(snippet).toBeDefined();
    const script = `set -euo pipefail\n${snippet!.replaceAll('http://127.0.0.1:4000', server.url)}`;
    const { stdout } = await run('bash', ['-c', script], {
      cwd: ROOT,
      // The server's secret, as a developer's shell would have it through data/ or AUTH_JWT_SECRET.
      env: { ...process.env, AUTH_JWT_SECRET: TEST_SECRET },
    });
    expect(JSON.parse(stdout)).toEqual({ data: { customers: { totalCount: 0, edges: [] } } });
  }, 60_000);

  it("the REST tutorial runs as pasted: the customer it reads back is the tutorial's", async () => {
    const snippet = blocks('sh').find((block) => block.includes('API=http://127.0.0.1:4000/customer/demo'));
    expect(snippet).toBeDefined();
    const script = `set -euo pipefail\n${snippet!.replaceAll('http://127.0.0.1:4000', server.url)}`;
    const { stdout } = await run('bash', ['-c', script], {
      cwd: ROOT,
      env: { ...process.env, AUTH_JWT_SECRET: TEST_SECRET },
    });
    const customer = JSON.parse(stdout);
    expect(customer).toMatchObject({
      firstName: 'John',
      lastName: 'Doe',
      preferredLanguage: 'de_DE',
      active: true,
      onHold: false,
      businessModel: 'B2B',
      metadata: { version: 6 },
      b2b: { companyRegistrationId: '123-456-789', legalEntities: [{ name: 'Emporix' }] },
      addresses: [{ contactName: 'John Doe', tags: ['BILLING', 'SHIPPING', 'PRIMARY_CONTACT'], isDefault: true }],
      accounts: [{ id: customer.contactEmail }],
    });
  }, 90_000);
});
