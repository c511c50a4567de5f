/**
 * Expensive reads on worker threads, each with a read connection of its own. better-sqlite3 runs a statement to its
 * end on the thread that calls it: a read that walks a tenant of 100,000 customers would stall every other request
 * on the main thread, while on a worker it stalls nobody (and reads use more than one core). Cheap reads stay on the
 * main thread's reader, where a message to a worker and back would cost more than the statement.
 *
 * The worker's code is a string run with `eval`, plain JavaScript, so that it starts the same under node, tsx and
 * vitest; it opens the file read-only (WAL: it sees the last commit) and defines the same fold function as db.ts.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { fillPlaceholders } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import { compiledOnce, type Executor, type Query } from '../core/query.js';
import type { OpenStoreOptions } from '../index.js';
import { FOLD, fold } from './dialect.js';

/** Distinct statements a worker keeps prepared. */
const PREPARED = 256;

const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { readonly: true });
for (const pragma of workerData.pragmas) db.pragma(pragma);
db.function(workerData.fold, { deterministic: true }, ${fold.toString()});
const prepared = new Map();
parentPort.on('message', ({ id, sql, params }) => {
  try {
    let statement = prepared.get(sql);
    if (!statement) {
      statement = db.prepare(sql).raw(true);
      prepared.set(sql, statement);
      if (prepared.size > ${PREPARED}) prepared.delete(prepared.keys().next().value);
    }
    parentPort.postMessage({ id, rows: statement.all(...params) });
  } catch (error) {
    parentPort.postMessage({ id, error: { message: String(error && error.message), code: error && error.code } });
  }
});
`;

interface Pending {
  resolve(rows: unknown[][]): void;
  reject(error: Error): void;
}

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
}

export interface ReadWorkers {
  /** Runs each statement on the worker with the fewest statements in progress. */
  readonly exec: Executor;
  close(): Promise<void>;
}

const compiler = new SQLiteSyncDialect();

export function startReadWorkers(
  path: string,
  count: number,
  { pragmas, onStatement, onQuery }: Pick<OpenStoreOptions, 'onStatement' | 'onQuery'> & { pragmas: string[] },
): ReadWorkers {
  const workerData = { driver: createRequire(import.meta.url).resolve('better-sqlite3'), path, pragmas, fold: FOLD };
  let next = 0;
  let closed = false;

  function start(): Thread {
    const thread: Thread = { worker: new Worker(WORKER_CODE, { eval: true, workerData }), pending: new Map() };
    thread.worker.unref();
    thread.worker.on(
      'message',
      ({ id, rows, error }: { id: number; rows?: unknown[][]; error?: { message: string; code?: string } }) => {
        const pending = thread.pending.get(id);
        thread.pending.delete(id);
        if (error) pending?.reject(Object.assign(new Error(error.message), { code: error.code }));
        else pending?.resolve(rows!);
      },
    );
    // A worker that dies fails the statements it had, and another takes its place.
    const died = (error: Error) => {
      for (const pending of thread.pending.values()) pending.reject(error);
      thread.pending.clear();
      const at = threads.indexOf(thread);
      if (!closed && at >= 0) threads[at] = start();
    };
    thread.worker.on('error', died);
    thread.worker.on('exit', (code) => died(new Error(`A read worker exited (code ${code}).`)));
    return thread;
  }
  const threads = Array.from({ length: count }, start);

  const statementOf = compiledOnce((query: Query) => compiler.sqlToQuery(query.sql));

  function all(query: Query): Promise<unknown[][]> {
    const { sql, params: placeholders } = statementOf(query);
    const params = fillPlaceholders(placeholders, query.values);
    onStatement?.();
    onQuery?.(sql, params);
    const thread = threads.reduce((least, t) => (t.pending.size < least.pending.size ? t : least));
    const id = next++;
    return new Promise((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      thread.worker.postMessage({ id, sql, params });
    });
  }

  return {
    exec: {
      all,
      run: () => Promise.reject(new Error('The read workers run reads only.')),
    },
    async close() {
      closed = true;
      await Promise.all(threads.map((thread) => thread.worker.terminate()));
    },
  };
}
