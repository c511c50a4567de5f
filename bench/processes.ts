/**
 * Child processes of the benchmark: started with tsx, waited for until ready, sampled for memory, and always
 * stopped: at the end, on an error, on Ctrl-C, and (through exit-with-parent.ts) even when the benchmark itself
 * is killed hard. Other things to stop (the PostgreSQL server) register with {@link onStopAll}: they are stopped
 * after the processes, which may still be using them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

import { ROOT } from '../test/support/built-service.js';

export { ROOT };
const EXIT_WITH_PARENT = new URL('./exit-with-parent.mjs', import.meta.url).href;

const running = new Set<ChildProcess>();
const stoppers = new Set<() => Promise<void>>();

/** `stopper` runs in {@link stopAll}, after the processes have gone; the returned function unregisters it. */
export function onStopAll(stopper: () => Promise<void>): () => void {
  stoppers.add(stopper);
  return () => stoppers.delete(stopper);
}

/** Kills whatever is still running when the benchmark ends, however it ends. */
export function installCleanup(): void {
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      // Ctrl-C reaches us twice (from the terminal, and relayed by tsx): act on the first.
      if (stopping) return;
      stopping = true;
      process.stderr.write(`\n${signal}: stopping the benchmark's processes\n`);
      void stopAll().finally(() => process.exit(130));
    });
  }
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => stop(child)));
  const pending = [...stoppers];
  stoppers.clear();
  await Promise.all(pending.map((stopper) => stopper().catch(() => {})));
}

/** SIGTERM (the service's graceful shutdown), then SIGKILL if it has not gone within `graceMs`. */
export function stop(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    running.delete(child);
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      running.delete(child);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface NodeProcess {
  child: ChildProcess;
  pid: number;
  /** What it has written to stderr so far (for error messages). */
  stderr(): string;
}

/**
 * Starts `node --import tsx <script>` (or, with `typescript: false`, plain `node <script>`) from the project root
 * with the given environment added. A server (`watchParent`) also gets exit-with-parent.mjs, and its stdin stays
 * an open pipe until the benchmark goes.
 */
export function startNode(
  script: string,
  {
    env = {},
    args = [],
    nodeArgs = [],
    watchParent = true,
    typescript = true,
    cwd = ROOT,
    execPath = process.execPath,
  }: {
    env?: Record<string, string>;
    args?: string[];
    nodeArgs?: string[];
    watchParent?: boolean;
    typescript?: boolean;
    cwd?: string;
    /** Another node binary (the peer's Node 22); this process's own by default. */
    execPath?: string;
  },
): NodeProcess {
  const loader = typescript ? ['--import', 'tsx'] : [];
  const preload = watchParent ? ['--import', EXIT_WITH_PARENT] : [];
  const child = spawn(execPath, [...nodeArgs, ...loader, ...preload, script, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: [watchParent ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  child.stdout!.resume();
  if (child.pid === undefined) throw new Error(`could not start ${script}`);
  return { child, pid: child.pid, stderr: () => stderr };
}

/** Runs a node script to its end and returns its stdout; rejects with its stderr when it fails. */
export function runNode(script: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const { child, stderr } = startNode(script, { env, args, watchParent: false });
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${script} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${stderr()}`));
    });
  });
}

/** Polls `url` until it answers 200; fails early if the process exits. */
export async function waitUntilReady(proc: NodeProcess, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(`process ${proc.pid} exited before it was ready:\n${proc.stderr()}`);
    }
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} was not ready within ${timeoutMs / 1000} s:\n${proc.stderr()}`);
}

/**
 * VmRSS, VmHWM (peak RSS since start) and RssFile (the resident pages of mapped files: the program, and SQLite's
 * mapped database file) of a process in bytes, from /proc; undefined where there is none.
 */
export function memoryOf(pid: number): { rss: number; hwm: number; file: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kilobytes = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kilobytes('VmRSS'), hwm: kilobytes('VmHWM'), file: kilobytes('RssFile') };
  } catch {
    return undefined;
  }
}

/**
 * Samples a process's RSS every `intervalMs` until stopped; returns the highest value seen (bytes), and the highest
 * RSS without the file pages mapped since `fileAtStart` (RssFile when the process was ready): the pages of the
 * database file that SQLite maps, which are the OS's cache of the file rather than the process's own memory.
 */
export function sampleRss(
  pid: number,
  fileAtStart?: number,
  intervalMs = 100,
): { stop(): { peak: number; peakWithoutMappedData: number } | undefined } {
  let peak: { peak: number; peakWithoutMappedData: number } | undefined;
  const sample = () => {
    const memory = memoryOf(pid);
    if (!memory) return;
    const own = memory.rss - Math.max(0, memory.file - (fileAtStart ?? memory.file));
    peak = {
      peak: Math.max(peak?.peak ?? 0, memory.rss),
      peakWithoutMappedData: Math.max(peak?.peakWithoutMappedData ?? 0, own),
    };
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}
