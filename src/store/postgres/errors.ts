/** Which failures mean "the database cannot be reached", so that a request fails fast as SERVICE_UNAVAILABLE. */
import { RetryLaterError, StoreBusyError, StoreUnavailableError } from '../../domain/store.js';

/** Socket errors of a connection that could not be made or was lost. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server that refuses or drops connections: class 08 (connection exception), 57P01–57P03 (shut
 * down by an administrator, crashed, not accepting connections yet or any more) and 53300 (too many connections).
 */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300']);

/**
 * pg-pool's words when every connection of the pool stayed in use while a request waited for one: the database is
 * there, this process is busy.
 */
const POOL_BUSY = 'timeout exceeded when trying to connect';

/** node-postgres and pg-pool report these without a code. */
const DRIVER_MESSAGES = [
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
];

function isConnectionFailureItself(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || SERVER_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  return DRIVER_MESSAGES.some((message) => error.message.startsWith(message));
}

/**
 * Whether the error, or an error it wraps, is a connection failure. drizzle wraps driver errors in
 * DrizzleQueryError (`cause`), and Node reports a refused connection to every address of a host as an
 * AggregateError (`errors`).
 */
export function isConnectionFailure(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 5) return false;
  if (isConnectionFailureItself(error)) return true;
  if (error instanceof AggregateError && error.errors.some((inner) => isConnectionFailure(inner, depth + 1))) {
    return true;
  }
  return isConnectionFailure(error.cause, depth + 1);
}

/**
 * The error to throw from a store call: StoreBusyError when no connection of the pool came free in time,
 * StoreUnavailableError for a connection failure, else the error itself.
 */
export function storeError(error: unknown): unknown {
  if (error instanceof RetryLaterError) return error;
  if (error instanceof Error && error.message === POOL_BUSY) {
    return new StoreBusyError(
      'The service is busy: every database connection stayed in use. Retry after 1 second.',
      1,
      {
        cause: error,
      },
    );
  }
  return isConnectionFailure(error) ? new StoreUnavailableError(error) : error;
}
