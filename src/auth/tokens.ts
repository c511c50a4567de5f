/**
 * Bearer tokens: verification with jose (an HS256 secret and/or a JWKS of an identity provider), the claims
 * AUTH.md defines, and the development secret kept in the data directory.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  SignJWT,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { z } from 'zod';
import type { Caller } from './scopes.js';

export const TENANT_PATTERN = /^[a-z][a-z0-9]{2,15}$/;

const claims = z.object({
  tenant: z.string().regex(TENANT_PATTERN, 'must match ^[a-z][a-z0-9]{2,15}$'),
  scope: z.string(),
  sub: z.string().min(1),
  customer_id: z.string().min(1).optional(),
  legal_entity_id: z.string().min(1).optional(),
});

export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

/**
 * The identity provider's keys (AUTH_JWKS_URL) could not be fetched: no fault of the token, which cannot be checked
 * now. Both doors answer 503 with Retry-After.
 */
export class IdentityProviderUnavailableError extends Error {
  override name = 'IdentityProviderUnavailableError';
  readonly code = 'SERVICE_UNAVAILABLE';
  /** Seconds: jose waits this long (its cooldown) before it fetches the keys again after a failure. */
  readonly retryAfterSeconds = 30;
}

/**
 * The JWKS as a key getter whose failures to fetch the keys (unreachable, timed out, not 200, not a key set) are
 * IdentityProviderUnavailableError; a token naming a key the set does not have stays the token's fault.
 */
function jwksKeys(url: string): JWTVerifyGetKey {
  const jwks = createRemoteJWKSet(new URL(url));
  return async (header, token) => {
    try {
      return await jwks(header, token);
    } catch (error) {
      // A network failure, a timeout, an answer that is not 200 or not a key set (jose's generic error says those).
      const outage =
        !(error instanceof errors.JOSEError) ||
        error instanceof errors.JWKSTimeout ||
        error instanceof errors.JWKSInvalid ||
        error.code === 'ERR_JOSE_GENERIC';
      if (!outage) throw error;
      throw new IdentityProviderUnavailableError(
        "The service is unavailable: the identity provider's keys cannot be fetched to check the token. Retry later.",
        { cause: error },
      );
    }
  };
}

export interface TokenSettings {
  /** HS256 secret. */
  secret?: string | undefined;
  jwksUrl?: string | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
}

export type TokenVerifier = (token: string) => Promise<Caller>;

/** How many verified tokens are remembered; the oldest is forgotten first. */
const VERIFIED_TOKENS_KEPT = 10_000;

/**
 * Verifies tokens, and remembers each verified one until it expires: clients send the same token with every
 * request, and its signature and claims cannot change, so the WebCrypto check runs once per token, not per request.
 * `now` is the clock for expiry, for the remembered tokens and for jose alike.
 */
export function createTokenVerifier(settings: TokenSettings, now: () => number = Date.now): TokenVerifier {
  const secret = settings.secret ? new TextEncoder().encode(settings.secret) : undefined;
  const jwks = settings.jwksUrl ? jwksKeys(settings.jwksUrl) : undefined;
  const options = {
    issuer: settings.issuer,
    audience: settings.audience,
    requiredClaims: ['exp'],
  };
  const verified = new Map<string, { caller: Caller; expiresAt: number }>();

  async function verify(token: string): Promise<{ caller: Caller; expiresAt: number }> {
    let payload: JWTPayload;
    try {
      const { alg } = decodeProtectedHeader(token);
      const checks = { ...options, currentDate: new Date(now()) };
      if (alg === 'HS256' && secret) {
        ({ payload } = await jwtVerify(token, secret, { ...checks, algorithms: ['HS256'] }));
      } else if ((alg === 'RS256' || alg === 'ES256') && jwks) {
        ({ payload } = await jwtVerify(token, jwks, { ...checks, algorithms: ['RS256', 'ES256'] }));
      } else {
        throw new InvalidTokenError(`Tokens signed with ${String(alg)} are not accepted.`);
      }
    } catch (error) {
      if (error instanceof InvalidTokenError || error instanceof IdentityProviderUnavailableError) throw error;
      throw new InvalidTokenError(`The token is not valid: ${(error as Error).message}`);
    }
    const parsed = claims.safeParse(payload);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
      throw new InvalidTokenError(`The token's claims are not valid: ${problems.join('; ')}`);
    }
    const c = parsed.data;
    // jose has checked that exp is present and in the future.
    const expiresAt = (payload.exp as number) * 1000;
    const caller: Caller = {
      tenant: c.tenant,
      subject: c.sub,
      scopes: new Set(c.scope.split(' ').filter(Boolean)),
      customerId: c.customer_id,
      legalEntityId: c.legal_entity_id,
      expiresAt,
    };
    return { caller, expiresAt };
  }

  return async (token) => {
    const remembered = verified.get(token);
    if (remembered && now() < remembered.expiresAt) return remembered.caller;
    verified.delete(token);
    const result = await verify(token);
    verified.set(token, result);
    if (verified.size > VERIFIED_TOKENS_KEPT) verified.delete(verified.keys().next().value as string);
    return result.caller;
  };
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The token of an Authorization header: undefined when there is none, null when it is not `Bearer <token>`. */
export function bearerToken(header: string | null | undefined): string | null | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  return BEARER.exec(header)?.[1] ?? null;
}

/**
 * The caller of a request, from its Authorization header: null without one (each door says what that may do), an
 * InvalidTokenError for a header that is not a valid bearer token.
 */
export async function authenticate(header: string | null | undefined, verify: TokenVerifier): Promise<Caller | null> {
  const token = bearerToken(header);
  if (token === undefined) return null;
  if (token === null) throw new InvalidTokenError('The Authorization header must be "Bearer <token>".');
  return verify(token);
}

export interface TokenClaims {
  tenant: string;
  scope: string;
  sub: string;
  customer_id?: string | undefined;
  legal_entity_id?: string | undefined;
}

/** Signs an HS256 token, as the development tools and the tests do. */
export function signToken(
  secret: string,
  claims: TokenClaims,
  options: { ttlSeconds?: number; issuer?: string | undefined; audience?: string | undefined } = {},
): Promise<string> {
  const payload: JWTPayload = Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
  let jwt = new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(`${options.ttlSeconds ?? 3600}s`);
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}

/**
 * The HS256 secret: AUTH_JWT_SECRET when set; in development, one generated once and kept in the data directory
 * so that tokens survive restarts and `npm run token` signs what the server accepts.
 */
export function resolveSecret(
  configured: string | undefined,
  dataDir: string,
  production: boolean,
): string | undefined {
  if (configured || production) return configured;
  const file = join(dataDir, 'dev-jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
