/**
 * GraphiQL in a real browser: headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) opens the
 * address that the service, started as `npm start` starts it in development, prints. It proves that the page renders
 * and runs with nothing but this service (every request the page makes stays on its origin), that the printed token
 * is already in its headers, that GraphiQL's 9 MB arrive compressed, and that a reload does not fetch them again.
 * `npm run test:e2e`.
 */
import { mkdirSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import type { BrowserContext, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCREENSHOTS, startE2e, watchPage, type E2eService } from './support.js';

/** Generous, as a busy machine can be slow (the service is compiled first, and GraphiQL is a large script). */
const TIMEOUT = 120_000;
/** How long the page may take to show something, shorter than a test: a page that never renders fails as such. */
const WAIT = { timeout: 60_000 };

let e2e: E2eService;
let context: BrowserContext;
let origin: string;
let token: string;
let graphiql: string;

beforeAll(async () => {
  e2e = await startE2e('graphiql');
  ({ context, origin, token } = e2e);
  graphiql = e2e.graphiql;
  // Something for the example query to show.
  const created = await fetch(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      query:
        'mutation { createCustomer(input: { firstName: "Ada", lastName: "Lovelace", contactEmail: "ada@example.com" }) { customerNumber } }',
    }),
  });
  expect(((await created.json()) as { errors?: unknown }).errors).toBeUndefined();
}, TIMEOUT);

afterAll(async () => {
  await e2e?.stop();
});

/**
 * A TCP relay in front of the service that counts the bytes the service sends through it: what the browser really
 * received, workers and all, whatever its cache did.
 */
async function countingRelay(target: string) {
  const { hostname, port } = new URL(target);
  let received = 0;
  const sockets = new Set<Socket>();
  const relay = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.once('error', () => (socket === client ? upstream : client).destroy());
    }
    upstream.on('data', (chunk: Buffer) => (received += chunk.length));
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(relay.address() as AddressInfo).port}`,
    /** The bytes received since the last call. */
    take(): number {
      const taken = received;
      received = 0;
      return taken;
    },
    close(): void {
      for (const socket of sockets) socket.destroy();
      relay.close();
    },
  };
}

/** The text of a Monaco editor, as shown (Monaco renders spaces as no-break spaces). */
const editorText = async (page: Page, selector: string) =>
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText keeps the line breaks between Monaco's lines
  (await page.locator(`${selector} .view-lines`).innerText()).replace(/\u00a0/g, ' ');

/** Waits until GraphiQL has rendered its query editor with the example query. */
const rendered = (page: Page) =>
  expect
    .poll(() => editorText(page, '.graphiql-query-editor'), { ...WAIT, message: 'GraphiQL shows the example query' })
    .toContain('query FirstCustomers');

/** The schema's introspection, GraphiQL's last request of a load: to wait for before navigating. */
const introspection = (page: Page) =>
  page.waitForResponse((r) => r.request().method() === 'POST' && !!r.request().postData()?.includes('__schema'), WAIT);

/**
 * Waits until the page has loaded everything: Monaco starts its three workers once the editors are up, a worker
 * answers only once its script has arrived, and the schema's introspection is the last request (its body read to
 * the end). Not Playwright's "networkidle", which a busy machine made time out now and then.
 */
async function loadedFully(page: Page, workers: Set<string>, introspected: Promise<Response>): Promise<void> {
  await expect.poll(() => workers.size, WAIT).toBe(3);
  await Promise.all(page.workers().map((worker) => worker.evaluate(() => true)));
  await (await introspected).finished();
}

describe('GraphiQL in Chromium, against the service as npm start runs it', () => {
  it(
    "renders from this service alone, with the printed token, and shows the example query's data",
    async () => {
      const page = await context!.newPage();
      const watch = watchPage(context!, page);
      const workers: string[] = [];
      page.on('worker', (worker) => workers.push(worker.url()));

      await page.goto(graphiql);
      await rendered(page);
      expect(await page.title()).toBe('customer-graph');

      // The printed token is already in the headers editor.
      await page.getByRole('button', { name: /^headers$/i }).click();
      await expect
        .poll(() => editorText(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden)'))
        .toContain(`Bearer ${token}`);

      // Run the example query: it goes to this service with the token, and the result pane shows the customer.
      const [response] = await Promise.all([
        page.waitForResponse(
          (r) => r.url() === `${origin}/graphql` && !!r.request().postData()?.includes('FirstCustomers'),
        ),
        page.locator('.graphiql-execute-button').click(),
      ]);
      expect(response.status()).toBe(200);
      expect(await response.request().headerValue('authorization')).toBe(`Bearer ${token}`);
      await expect.poll(() => editorText(page, '.graphiql-response'), WAIT).toContain('"lastName": "Lovelace"');
      const result = await editorText(page, '.graphiql-response');
      expect(result).toContain('"totalCount": 1');
      expect(result).not.toContain('"errors"');

      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, 'graphiql.png') });

      // Nothing left the machine: every request went to the service's own origin, or stayed in the browser.
      expect(watch.offOrigin(origin)).toEqual([]);
      expect(watch.requests).toContain(`${origin}/graphql`);
      // Monaco's workers (editor, JSON, GraphQL) were started from the service's files too (the last may start
      // after the result is shown).
      await expect.poll(() => new Set(workers).size, WAIT).toBe(3);
      expect(workers.filter((url) => !url.startsWith(`${origin}/graphiql/`))).toEqual([]);
      // No script error, no refused request, no violation of the page's Content-Security-Policy.
      expect(watch.problems).toEqual([]);
      watch.stop();
      await page.close();
    },
    TIMEOUT,
  );

  it(
    'follows change events: a subscription in GraphiQL shows a customer created elsewhere',
    async () => {
      const page = await context!.newPage();
      const watch = watchPage(context!, page);
      await page.goto(graphiql);
      // The page may open on a tab restored from an earlier visit, or on the example: either is replaced.
      await page.locator('.graphiql-query-editor .view-lines').waitFor(WAIT);
      // A subscription, inserted as text (typing would auto-close its braces).
      await page.locator('.graphiql-query-editor .view-lines').click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.insertText('subscription Follow { customerEvents { type customerNumber } }');
      await expect.poll(() => editorText(page, '.graphiql-query-editor')).toContain('subscription Follow');
      await page.locator('.graphiql-execute-button').click();
      // Then changes from another client, while the subscription runs, until the page shows one.
      let written = 0;
      await expect
        .poll(
          async () => {
            const answer = await fetch(`${origin}/graphql`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
              body: JSON.stringify({
                query: `mutation { createCustomer(input: { id: "E2E-FOLLOW-${++written}" }) { id } }`,
              }),
            });
            expect(((await answer.json()) as { errors?: unknown }).errors).toBeUndefined();
            return editorText(page, '.graphiql-response');
          },
          { ...WAIT, interval: 500 },
        )
        .toContain('"customerNumber": "E2E-FOLLOW-');
      expect(await editorText(page, '.graphiql-response')).toContain('"type": "customer.created"');
      expect(watch.offOrigin(origin)).toEqual([]);
      expect(watch.problems).toEqual([]);
      watch.stop();
      await page.close();
    },
    TIMEOUT,
  );

  it(
    "moves GraphiQL's assets once: a reload takes them from the browser cache",
    async () => {
      // Through a relay, a new origin for the browser's cache, so the first load is a first load.
      const relay = await countingRelay(origin);
      try {
        const page = await context!.newPage();
        const workers = new Set<string>();
        page.on('worker', (worker) => workers.add(worker.url()));
        const firstIntrospection = introspection(page);
        await page.goto(`${relay.origin}/graphql`);
        await rendered(page);
        await loadedFully(page, workers, firstIntrospection);
        const firstLoad = relay.take();

        workers.clear();
        const secondIntrospection = introspection(page);
        await page.reload();
        // GraphiQL restores its tabs (and, as Yoga's GraphiQL does, adds an empty one): the example's tab is there.
        await expect.poll(() => page.locator('.graphiql-tab').allInnerTexts(), WAIT).toContain('FirstCustomers');
        await loadedFully(page, workers, secondIntrospection);
        const reload = relay.take();
        console.log(
          `GraphiQL, bytes received by the browser (HTTP headers and bodies, the schema's introspection included): first load ${firstLoad}, reload ${reload}`,
        );

        // GraphiQL's files, compressed: more than a page and the schema, and far less than the files as they are.
        expect(firstLoad).toBeGreaterThan(1_000_000);
        expect(firstLoad).toBeLessThan(3_000_000);
        // The page again (it holds the token, so it is never stored) and GraphiQL's introspection of the schema.
        expect(reload).toBeLessThan(200_000);
        await page.close();
      } finally {
        relay.close();
      }
    },
    TIMEOUT,
  );
});
