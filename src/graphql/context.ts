/** The per-request context: who is calling (from the token), what they may do, and lazily built loaders. */
import { randomUUID } from 'node:crypto';
import type { YogaInitialContext } from 'graphql-yoga';
import { reachFor, type Caller, type Permission } from '../auth/scopes.js';
import { InvalidTokenError, type TokenVerifier } from '../auth/tokens.js';
import type { Domain } from '../domain/index.js';
import type { Reach, StoreReads, Transaction } from '../domain/store.js';
import { invalidToken, unauthenticated } from './errors.js';
import { createLoaders, type Loaders } from './loaders.js';

export interface Context {
  readonly requestId: string;
  /** Null for a request without a token: introspection works, customer data does not. */
  readonly caller: Caller | null;
  readonly domain: Domain;
  /** What this operation reads through: the store's reads, or in a mutation its transaction. */
  reads(): StoreReads;
  /** Per-request batching over `reads()`. */
  readonly loaders: Loaders;
  /** The transaction of this mutation operation (src/graphql/transaction.ts); only mutation resolvers call it. */
  transaction(): Transaction;
  /** Makes the whole operation work on `tx`, before it executes. */
  useTransaction(tx: Transaction): void;
  /** Whether the caller's token holds a scope allowing this kind of operation. */
  may(permission: Permission): boolean;
  /** The customers this kind of operation may touch; only called behind a passed scope check. */
  reach(permission: Permission): Reach;
  /**
   * The caller's whole tenant, for following a link from a row the caller already reached (an address to its
   * customer); never for looking a customer up by what the request names.
   */
  tenantReach(): Reach;
}

export interface ContextDependencies {
  domain: Domain;
  reads: StoreReads;
  verifyToken: TokenVerifier;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** Scope checks keep anonymous requests away from data; should one slip through, it fails closed. */
const anonymousLoaders = new Proxy({} as Loaders, {
  get() {
    throw unauthenticated();
  },
});

export function createContextFactory({ domain, reads: storeReads, verifyToken }: ContextDependencies) {
  return async ({ request }: YogaInitialContext): Promise<Context> => {
    const requestId = request.headers.get('x-request-id')?.slice(0, 128) || randomUUID();
    const caller = await authenticate(request.headers.get('authorization'), verifyToken);
    // Envelop copies the context's properties into its own object: state that changes lives in this closure.
    let transaction: Transaction | undefined;
    const reads = () => transaction ?? storeReads;
    return {
      requestId,
      caller,
      domain,
      reads,
      loaders: caller ? createLoaders(reads, caller.tenant) : anonymousLoaders,
      transaction() {
        if (!transaction) throw new Error('A write outside a mutation operation: it has no transaction.');
        return transaction;
      },
      useTransaction(tx) {
        transaction = tx;
      },
      may: (permission) => caller !== null && reachFor(caller, permission) !== undefined,
      reach(permission) {
        if (!caller) throw unauthenticated();
        const reach = reachFor(caller, permission);
        if (!reach) throw new Error(`reach(${permission}) called without the scope check`);
        return reach;
      },
      tenantReach() {
        if (!caller) throw unauthenticated();
        return { tenant: caller.tenant };
      },
    };
  };
}

/** No header: anonymous. A header that is not a valid bearer token: the whole request is refused (401). */
async function authenticate(header: string | null, verifyToken: TokenVerifier): Promise<Caller | null> {
  if (header === null || header.trim() === '') return null;
  const token = BEARER.exec(header)?.[1];
  if (!token) throw invalidToken('The Authorization header must be "Bearer <token>".');
  try {
    return await verifyToken(token);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw invalidToken(error.message);
    throw error;
  }
}
