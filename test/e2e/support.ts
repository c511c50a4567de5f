/**
 * What the browser tests share: the service started as `npm start` starts it, in development with nothing of the
 * parent's configuration, its printed address and token, and headless Chromium (Debian's /usr/bin/chromium).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page, type Request } from 'playwright-core';
import { buildService, ROOT, serviceArgs } from '../support/built-service.js';
import { startWatched } from '../support/processes.js';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'test/e2e/screenshots');

export interface E2eService {
  /** The GraphiQL address the service printed, its origin, and the printed development token. */
  graphiql: string;
  origin: string;
  token: string;
  context: BrowserContext;
  stop(): Promise<void>;
}

/** Compiles and starts the service, waits for its address and token, and opens a browser profile of its own. */
export async function startE2e(name: string): Promise<E2eService> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  buildService();
  const dir = mkdtempSync(join(tmpdir(), `customer-graph-e2e-${name}-`));
  const service = startWatched(
    process.execPath,
    serviceArgs(),
    ROOT,
    {
      NODE_ENV: 'development',
      PORT: '0',
      DATA_DIR: dir,
      DATABASE_URL: `file:${join(dir, 'customers.db')}`,
    },
    'the service',
  );
  let context: BrowserContext | undefined;
  const stop = async () => {
    await context?.close();
    service.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const graphiql = (await service.waitFor(/^GraphiQL: (\S+) \(the token below is already in its headers\)$/m))[1]!;
    const token = (await service.waitFor(/Development token[^\n]*\n(\S+)\n/))[1]!;
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
    return { graphiql, origin: new URL(graphiql).origin, token, context, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** What a page did: every request of its browser profile (workers included), and every error it showed. */
export interface PageWatch {
  requests: string[];
  problems: string[];
  /** Requests that left the service's origin (blob: and data: URLs stay in the page). */
  offOrigin(origin: string): string[];
  stop(): void;
}

export function watchPage(context: BrowserContext, page: Page): PageWatch {
  const requests: string[] = [];
  const problems: string[] = [];
  const onRequest = (request: Request) => requests.push(request.url());
  context.on('request', onRequest);
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`failed: ${request.url()} ${request.failure()?.errorText}`));
  return {
    requests,
    problems,
    offOrigin: (origin) => requests.filter((url) => !url.startsWith(`${origin}/`) && !/^(blob|data):/.test(url)),
    stop: () => context.off('request', onRequest),
  };
}
