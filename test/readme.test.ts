/**
 * The shell commands of the README and docs/ work when pasted: the README's token snippet and docs/rest.md's REST
 * tutorial run in bash, as printed, against a started server (only its address differs), and every captured
 * `npm run token` is silent.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_SECRET, type TestServer } from './helpers.js';
import { ROOT } from './support/built-service.js';

const run = promisify(execFile);
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const README = read('README.md');
const DOCS = readdirSync(join(ROOT, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => read(`docs/${name}`));

/** The fenced blocks of one language in a markdown text, in order. */
const blocks = (markdown: string, language: string) =>
  [...markdown.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1]!);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('the shell commands of the README and docs/', () => {
  it('capture tokens with npm run -s (npm would print its banner into the variable otherwise)', () => {
    const captures = [README, ...DOCS].flatMap((markdown) =>
      [...markdown.matchAll(/\$\((npm run [^)]*)\)/g)].map((m) => m[1]!),
    );
    expect(captures.length).toBeGreaterThan(0);
    for (const command of captures) expect(command).toMatch(/^npm run -s /);
  });

  it('the token snippet runs as pasted: a token, then a first page from the server', async () => {
    const snippet = blocks(README, 'sh').find(
      (block) => block.includes('TOKEN=$(npm run -s token') && block.includes('curl'),
    );
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
    const snippet = blocks(read('docs/rest.md'), 'sh').find((block) =>
      block.includes('API=http://127.0.0.1:4000/customer/demo'),
    );
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
