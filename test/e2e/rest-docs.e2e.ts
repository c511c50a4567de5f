/**
 * The REST API's documentation page in a real browser: headless Chromium opens /customer/docs of the service as
 * `npm start` runs it in development. The page must render every operation of the OpenAPI document from this
 * service's own files (nothing from a CDN: every request stays on its origin), and "Try it out" must call the API
 * with the development token already filled in.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCREENSHOTS, startE2e, watchPage, type E2eService } from './support.js';

const TIMEOUT = 120_000;
const WAIT = { timeout: 60_000 };

let e2e: E2eService;
let context: BrowserContext;
let origin: string;
let token: string;

beforeAll(async () => {
  e2e = await startE2e('docs');
  ({ context, origin, token } = e2e);

  // A customer for "Try it out" to list.
  const created = await fetch(`${origin}/customer/demo/customers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ firstName: 'Ada', lastName: 'Lovelace', contactEmail: 'ada@example.com' }),
  });
  expect(created.status).toBe(201);
}, TIMEOUT);

afterAll(async () => {
  await e2e?.stop();
});

describe('the REST API docs in Chromium, against the service as npm start runs it', () => {
  it(
    'renders every operation from this service alone, and "Try it out" lists customers with the printed token',
    async () => {
      const page = await context!.newPage();
      const watch = watchPage(context!, page);
      const encodings = new Map<string, string>();
      page.on('response', (response) =>
        encodings.set(new URL(response.url()).pathname, response.headers()['content-encoding'] ?? 'identity'),
      );

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
      expect(watch.offOrigin(origin)).toEqual([]);
      expect(watch.requests).toContain(`${origin}/customer/openapi.json`);
      expect(watch.problems).toEqual([]);
      // Swagger UI's files and the document came compressed (Chromium offers brotli to this machine), and worked.
      const compressed = [...encodings].filter(([path]) => /\.(js|css|json)$/.test(path));
      expect(compressed.length).toBeGreaterThanOrEqual(4);
      for (const [path, encoding] of compressed) expect(encoding, path).toBe('br');
      watch.stop();
      await page.close();
    },
    TIMEOUT,
  );
});
