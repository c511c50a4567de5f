/** The per-request context: who is calling (from the token), what they may do, and lazily built loaders. */
import { randomUUID } from 'node:crypto';
import type { YogaInitialContext } from 'graphql-yoga';
import { reachFor, type Caller, type Permission } from '../auth/scopes.js';
import { InvalidTokenError, type TokenVerifier } from '../auth/tokens.js';
import type { Domain } from '../domain/index.js';
import type { Repositories } from '../store/index.js';
import type { Reach } from '../store/reach.js';
import { invalidToken, unauthenticated } from './errors.js';
import { createLoaders, type Loaders } from './loaders.js';

export interface Context {
  readonly requestId: string;
  /** Null for a request without a token: introspection works, customer data does not. */
  readonly caller: Caller | null;
  readonly domain: Domain;
  readonly repos: Repositories;
  readonly loaders: Loaders;
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
  repos: Repositories;
  verifyToken: TokenVerifier;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** Scope checks keep anonymous requests away from data; should one slip through, it fails closed. */
const anonymousLoaders = new Proxy({} as Loaders, {
  get() {
    throw unauthenticated();
  },
});

export function createContextFactory({ domain, repos, verifyToken }: ContextDependencies) {
  return async ({ request }: YogaInitialContext): Promise<Context> => {
    const requestId = request.headers.get('x-request-id')?.slice(0, 128) || randomUUID();
    const caller = await authenticate(request.headers.get('authorization'), verifyToken);
    return {
      requestId,
      caller,
      domain,
      repos,
      loaders: caller ? createLoaders(repos, caller.tenant) : anonymousLoaders,
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
