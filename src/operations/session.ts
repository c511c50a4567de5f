/**
 * What an operation runs with, in either door: who is calling (from the verified token), the domain, and the read
 * path: the store's reads, or during a write its transaction's, batched per request by the loaders. GraphQL makes one
 * per operation (src/graphql/context.ts), REST one per request (src/rest/http.ts).
 */
import { reachFor, type Caller, type Permission } from '../auth/scopes.js';
import { DomainError } from '../domain/errors.js';
import type { Domain } from '../domain/index.js';
import type { Reach, Store, StoreReads, Transaction } from '../domain/store.js';
import { createLoaders, type Loaders } from './loaders.js';

export interface Session {
  /** Null for a request without a token: nothing but the schema's own fields (introspection, `__typename`). */
  readonly caller: Caller | null;
  readonly domain: Domain;
  /** Per-request batching over `reads()`. */
  readonly loaders: Loaders;
  /** What this request reads through: the store's reads, or in a write its transaction. */
  reads(): StoreReads;
  /** The store's signal of committed events (src/domain/store.ts, Store.onEvents). */
  onEvents: Store['onEvents'];
  /** Runs `work` in the session's transaction (one made for it when there is none), so that its reads see it. */
  write<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Makes the session work on `tx`: a GraphQL mutation operation is one transaction, all its fields in it. */
  useTransaction(tx: Transaction): void;
  /** Whether the caller's token holds a scope allowing this kind of operation. */
  may(permission: Permission): boolean;
  /** The customers this kind of operation may touch: FORBIDDEN (or UNAUTHENTICATED) when the token allows none. */
  reach(permission: Permission): Reach;
  /**
   * The caller's whole tenant, for following a link from a row the caller already reached (an address to its
   * customer); never for looking a customer up by what the request names.
   */
  tenantReach(): Reach;
}

const unauthenticated = () =>
  new DomainError('UNAUTHENTICATED', 'Authentication required: send Authorization: Bearer <token>.');

/** Scope checks keep anonymous requests away from data; should one slip through, it fails closed. */
const anonymousLoaders = new Proxy({} as Loaders, {
  get() {
    throw unauthenticated();
  },
});

export function createSession(
  caller: Caller | null,
  domain: Domain,
  store: Pick<Store, 'reads' | 'transaction' | 'onEvents'>,
) {
  // Doors copy a session's properties into their own objects (envelop does): state that changes lives here.
  let transaction: Transaction | undefined;
  const reads = () => transaction ?? store.reads;
  const session: Session = {
    caller,
    domain,
    reads,
    onEvents: store.onEvents,
    loaders: caller ? createLoaders(reads, caller.tenant) : anonymousLoaders,
    async write(work) {
      if (transaction) return work(transaction);
      return store.transaction(async (tx) => {
        transaction = tx;
        try {
          return await work(tx);
        } finally {
          transaction = undefined;
        }
      });
    },
    useTransaction(tx) {
      transaction = tx;
    },
    may: (permission) => caller !== null && reachFor(caller, permission) !== undefined,
    reach(permission) {
      if (!caller) throw unauthenticated();
      const reach = reachFor(caller, permission);
      if (!reach) throw new DomainError('FORBIDDEN', `Not allowed: the token does not allow ${permission}.`);
      return reach;
    },
    tenantReach() {
      if (!caller) throw unauthenticated();
      return { tenant: caller.tenant };
    },
  };
  return session;
}
