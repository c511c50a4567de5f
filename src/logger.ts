import { pino, type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'customer-graph' }, serializers: { err: errorForLog } });
}

/** A SQLSTATE: the error came from PostgreSQL, whose words may quote the values it could not take. */
const SQLSTATE = /^[0-9A-Z]{5}$/;
/** Quoted text in a message: a value, a key, a token of the input. */
const QUOTED = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g;
/** What a database error may carry beyond its code that says nothing of the data. */
const DATABASE_FIELDS = ['severity', 'routine', 'statement'] as const;

/**
 * An error as a log line may show it: never customer data. A database's error keeps its code, severity, routine and
 * the statement's shape (its key, which the stores set), with quoted values masked and without `detail`, `where` or
 * `hint` (a unique key's values, a parameter's value, a JSON token); a query error of drizzle's, without its
 * parameters. Causes are described the same way, each on its own (pino's own serializer would join their messages).
 */
export function errorForLog(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return typeof error === 'string' ? '(a thrown string, not logged)' : error;
  const code = (error as { code?: unknown }).code;
  const fromDatabase = typeof code === 'string' && SQLSTATE.test(code);
  const type = error.constructor?.name ?? error.name;
  const message = fromDatabase
    ? error.message.replace(QUOTED, '"…"')
    : error.name === 'DrizzleQueryError'
      ? 'Failed query (its parameters are not logged)'
      : error.message;
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  const described: Record<string, unknown> = { type, message };
  if (code !== undefined) described.code = code;
  if (fromDatabase) {
    for (const field of DATABASE_FIELDS) {
      const value = (error as unknown as Record<string, unknown>)[field];
      if (value !== undefined) described[field] = value;
    }
  }
  described.stack = [`${type}: ${message}`, ...frames].join('\n');
  if (depth < 5 && error.cause !== undefined) described.cause = errorForLog(error.cause, depth + 1);
  if (depth < 5 && error instanceof AggregateError) {
    described.errors = error.errors.slice(0, 5).map((inner: unknown) => errorForLog(inner, depth + 1));
  }
  return described;
}

export type { Logger };
