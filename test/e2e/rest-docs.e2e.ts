/**
 * The REST API's documentation page in a real browser: headless Chromium opens /customer/docs of the service as
 * `npm start` runs it in development. The page must render every operation of the OpenAPI document from this
 * service's own files (nothing from a CDN: every request stays on its origin), and "Try it out" must call the API
 * with the development token already filled in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildService, ROOT, serviceArgs } from '../support/built-service.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = join(ROOT, 'test/e2e/screenshots');
const TIMEOUT = 120_000;
const WAIT = { timeout: 60_000 };

let dir: string;
let service: ChildProcess | undefined;
let stdout = '';
let context: BrowserContext | undefined;
let origin: string;
let token: string;

/** Resolves with the first match of `pattern` in the service's stdout; rejects if the process exits first. */
function printed(pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(stdout);
      if (!match) return;
      service!.stdout!.off('data', check);
      resolve(match);
    };
    service!.stdout!.on('data', check);
    service!.once('exit', (code) =>
      reject(new Error(`the service exited with ${code} before printing ${pattern}:\n${stdout}`)),
    );
    check();
  });
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  buildService();
  dir = mkdtempSync(join(tmpdir(), 'customer-graph-e2e-docs-'));
  // Only what this test sets: the parent's configuration (vitest sets NODE_ENV=test) must not leak in.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(NODE_ENV|PORT|HOST|DATABASE_URL|DATA_DIR|LOG_LEVEL|CORS_ORIGINS|AUTH_.*|GRAPHQL_.*)$/.test(name),
    ),
  );
  service = spawn(process.execPath, serviceArgs(), {
    cwd: ROOT,
    env: { ...env, NODE_ENV: 'development', PORT: '0', DATA_DIR: dir, DATABASE_URL: `file:${join(dir, 'c.db')}` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  service.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  origin = new URL((await printed(/^GraphiQL: (\S+) /m))[1]!).origin;
  token = (await printed(/Development token[^\n]*\n(\S+)\n/))[1]!;

  // A customer for "Try it out" to list.
  const created = await fetch(`${origin}/customer/demo/customers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ firstName: 'Ada', lastName: 'Lovelace', contactEmail: 'ada@example.com' }),
  });
  expect(created.status).toBe(201);

  context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1400, height: 900 },
  });
}, TIMEOUT);

afterAll(async () => {
  await context?.close();
  service?.kill('SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the REST API docs in Chromium, against the service as npm start runs it', () => {
  it(
    'renders every operation from this service alone, and "Try it out" lists customers with the printed token',
    async () => {
      const page = await context!.newPage();
      const requests: string[] = [];
      const onRequest = (request: Request) => requests.push(request.url());
      context!.on('request', onRequest);
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('requestfailed', (request) => problems.push(`failed: ${request.url()} ${request.failure()?.errorText}`));

      await page.goto(`${origin}/customer/docs`);
      // REST.md's 16 endpoints, each an operation block.
      await expect.poll(() => page.locator('.opblock').count(), WAIT).toBe(16);

      // Open "GET /customer/{tenant}/customers", try it out for tenant demo, and run it.
      const list = page.locator('.opblock-get:has(.opblock-summary-path[data-path="/customer/{tenant}/customers"])');
      await list.locator('.opblock-summary').first().click();
      await list.getByRole('button', { name: /try it out/i }).click();
      await list.locator('tr[data-param-name="tenant"] input').fill('demo');
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().startsWith(`${origin}/customer/demo/customers`)),
        list.getByRole('button', { name: /^execute$/i }).click(),
      ]);
      expect(response.status()).toBe(200);
      expect(await response.request().headerValue('authorization')).toBe(`Bearer ${token}`);
      expect(await response.json()).toEqual([expect.objectContaining({ lastName: 'Lovelace' })]);
      await expect.poll(() => list.locator('.responses-wrapper').textContent(), WAIT).toContain('Lovelace');

      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, 'rest-docs.png') });

      // Nothing left the machine, nothing was refused, nothing broke the Content-Security-Policy.
      expect(requests.filter((url) => !url.startsWith(`${origin}/`) && !/^(blob|data):/.test(url))).toEqual([]);
      expect(requests).toContain(`${origin}/customer/openapi.json`);
      expect(problems).toEqual([]);
      context!.off('request', onRequest);
      await page.close();
    },
    TIMEOUT,
  );
});
