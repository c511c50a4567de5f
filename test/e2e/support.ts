/**
 * What the browser tests share: the service started as `npm start` starts it, in development with nothing of the
 * parent's configuration, its printed address and token, and headless Chromium (Debian's /usr/bin/chromium).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { buildService, ROOT, serviceArgs } from '../support/built-service.js';

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
  // Only what this test sets: the parent's configuration (vitest sets NODE_ENV=test) must not leak in.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([variable]) =>
        !/^(NODE_ENV|PORT|HOST|DATABASE_URL|DATA_DIR|LOG_LEVEL|CORS_ORIGINS|AUTH_.*|GRAPHQL_.*)$/.test(variable),
    ),
  );
  const service: ChildProcess = spawn(process.execPath, serviceArgs(), {
    cwd: ROOT,
    env: {
      ...env,
      NODE_ENV: 'development',
      PORT: '0',
      DATA_DIR: dir,
      DATABASE_URL: `file:${join(dir, 'customers.db')}`,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  service.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const stop = async () => {
    await context?.close();
    service.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  let context: BrowserContext | undefined;

  /** Resolves with the first match of `pattern` in the service's stdout; rejects if the process exits first. */
  const printed = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(stdout);
        if (!match) return;
        service.stdout!.off('data', check);
        resolve(match);
      };
      service.stdout!.on('data', check);
      service.once('exit', (code) =>
        reject(new Error(`the service exited with ${code} before printing ${pattern}:\n${stdout}`)),
      );
      check();
    });

  try {
    const graphiql = (await printed(/^GraphiQL: (\S+) \(the token below is already in its headers\)$/m))[1]!;
    const token = (await printed(/Development token[^\n]*\n(\S+)\n/))[1]!;
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
