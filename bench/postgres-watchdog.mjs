/**
 * The benchmark's PostgreSQL backstop: `node postgres-watchdog.mjs <postmaster pid> <folder>`, started by
 * postgres.ts with its stdin a pipe from the benchmark. The benchmark stops and removes its PostgreSQL itself, then
 * writes `done`; when stdin ends without it (the benchmark was killed hard, or exited before it could finish), this
 * stops the server (fast shutdown, then immediate) and deletes its folder, so that no server runs on as an orphan.
 * It ignores Ctrl-C, which reaches it with the rest of the terminal's process group: the benchmark decides.
 */
import { readFileSync, rmSync } from 'node:fs';

const pid = Number(process.argv[2]);
const folder = process.argv[3];
let done = false;

for (const signal of ['SIGINT', 'SIGHUP']) process.on(signal, () => {});

/** Whether `pid` is still a PostgreSQL server (not a process that got its number since). */
function isPostgres() {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return false;
  }
}

async function cleanUp() {
  for (const [signal, waitMs] of [
    ['SIGINT', 10_000],
    ['SIGQUIT', 5_000],
  ]) {
    if (!isPostgres()) break;
    try {
      process.kill(pid, signal);
    } catch {
      break;
    }
    const deadline = Date.now() + waitMs;
    while (isPostgres() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (folder) rmSync(folder, { recursive: true, force: true });
  process.exit(0);
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  if (chunk.includes('done')) done = true;
});
process.stdin.on('end', () => (done ? process.exit(0) : void cleanUp()));
process.stdin.on('error', () => (done ? process.exit(0) : void cleanUp()));
