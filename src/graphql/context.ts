/** The per-request context of GraphQL: the request id, and the operations' session of the token's caller. */
import { randomUUID } from 'node:crypto';
import type { YogaInitialContext } from 'graphql-yoga';
import {
  authenticate,
  IdentityProviderUnavailableError,
  InvalidTokenError,
  type TokenVerifier,
} from '../auth/tokens.js';
import type { Domain } from '../domain/index.js';
import type { Store } from '../domain/store.js';
import { createSession, type Session } from '../operations/index.js';
import { invalidToken, retryLater } from './errors.js';

/** A request without a token has a session without a caller: introspection works, customer data does not. */
export interface Context extends Session {
  readonly requestId: string;
  /** Settles when the service shuts down: subscriptions end then, so that their requests do not hold it open. */
  readonly closing: Promise<void>;
}

export interface ContextDependencies {
  domain: Domain;
  store: Pick<Store, 'reads' | 'transaction' | 'onEvents'>;
  verifyToken: TokenVerifier;
  closing: Promise<void>;
}

export function createContextFactory({ domain, store, verifyToken, closing }: ContextDependencies) {
  return async ({ request }: YogaInitialContext): Promise<Context> => {
    const requestId = request.headers.get('x-request-id')?.slice(0, 128) || randomUUID();
    // A header that is not a valid bearer token refuses the whole request (401).
    const caller = await authenticate(request.headers.get('authorization'), verifyToken).catch((error: unknown) => {
      if (error instanceof InvalidTokenError) throw invalidToken(error.message);
      throw error instanceof IdentityProviderUnavailableError ? retryLater(error) : error;
    });
    return { requestId, closing, ...createSession(caller, domain, store) };
  };
}
