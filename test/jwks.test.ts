/**
 * Token verification as AUTH.md describes it. Tokens of an external identity provider: a JWKS served on 127.0.0.1
 * with an RS256 and an ES256 key made here, the server configured with AUTH_JWKS_URL, AUTH_ISSUER and
 * AUTH_AUDIENCE (and no HS256 secret). And HS256 tokens of the configured secret. Every refused token fails the
 * whole request with HTTP 401 and UNAUTHENTICATED.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type JWK, type JWTPayload, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier, InvalidTokenError, signToken } from '../src/auth/tokens.js';
import { PRODUCTION, startTestServer, TEST_SECRET, type TestServer } from './helpers.js';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'customer-graph';
const MANAGE = 'customer.customer_manage';

interface SigningKey {
  alg: 'RS256' | 'ES256';
  kid: string;
  privateKey: CryptoKey;
}

let jwks: Server;
let jwksUrl: string;
let rsa: SigningKey;
let ec: SigningKey;
/** A key the JWKS does not publish. */
let stranger: SigningKey;
let idp: TestServer;
let hs: TestServer;

async function makeKey(alg: 'RS256' | 'ES256', kid: string): Promise<{ key: SigningKey; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { key: { alg, kid, privateKey }, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

const now = () => Math.floor(Date.now() / 1000);

/** The claims of a valid token of the identity provider; `overrides` replace or (when undefined) remove claims. */
function claims(overrides: Record<string, unknown> = {}): JWTPayload {
  const base: JWTPayload = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'idp-client',
    tenant: 'acme',
    scope: MANAGE,
    iat: now(),
    exp: now() + 600,
  };
  const merged: Record<string, unknown> = { ...base, ...overrides };
  for (const [name, value] of Object.entries(overrides)) if (value === undefined) delete merged[name];
  return merged as JWTPayload;
}

function sign(key: SigningKey, payload: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header })
    .sign(key.privateKey);
}

function signHs(payload: JWTPayload, secret = TEST_SECRET): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}

const WHO_AM_I = `{ customers(first: 1) { totalCount } }`;

/** The whole request refused: 401, UNAUTHENTICATED, no data, and the RFC 6750 challenge. */
async function expectRefused(server: TestServer, token: string) {
  const res = await server.gql(WHO_AM_I, {}, { token });
  expect({
    status: res.status,
    data: res.data,
    codes: res.errors?.map((e) => e.extensions?.code),
    challenge: res.headers.get('www-authenticate'),
  }).toEqual({ status: 401, data: undefined, codes: ['UNAUTHENTICATED'], challenge: 'Bearer error="invalid_token"' });
  return res.errors![0]!.message;
}

beforeAll(async () => {
  const rsaKey = await makeKey('RS256', 'rsa-1');
  const ecKey = await makeKey('ES256', 'ec-1');
  stranger = (await makeKey('RS256', 'not-published')).key;
  rsa = rsaKey.key;
  ec = ecKey.key;
  const body = JSON.stringify({ keys: [rsaKey.jwk, ecKey.jwk] });
  jwks = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;

  // Only the identity provider: no HS256 secret at all.
  idp = await startTestServer({
    AUTH_JWT_SECRET: '',
    AUTH_JWKS_URL: jwksUrl,
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
  });
  hs = await startTestServer();
});
afterAll(async () => {
  await idp?.close();
  await hs?.close();
  await new Promise((resolve) => jwks?.close(resolve));
});

describe('tokens of an identity provider (JWKS)', () => {
  it('accepts RS256 and ES256 tokens signed with published keys: one writes, the other reads it back', async () => {
    const created = await idp.gql(
      `mutation { createCustomer(input: { id: "jwks-1", firstName: "Rosa" }) { customerNumber } }`,
      {},
      {
        token: await sign(rsa, claims()),
      },
    );
    expect(created).toMatchObject({ status: 200, data: { createCustomer: { customerNumber: 'jwks-1' } } });
    expect(created.errors).toBeUndefined();

    const read = await idp.gql(
      `{ customer(customerNumber: "jwks-1") { firstName } }`,
      {},
      {
        token: await sign(ec, claims({ scope: 'customer.customer_read' })),
      },
    );
    expect({ status: read.status, data: read.data, errors: read.errors }).toEqual({
      status: 200,
      data: { customer: { firstName: 'Rosa' } },
      errors: undefined,
    });
  });

  it('takes the tenant and customer claims from the token: a customer token of another tenant sees nothing of acme', async () => {
    const token = await sign(
      ec,
      claims({ tenant: 'globex', scope: 'customer.customer_read_own', customer_id: 'jwks-1' }),
    );
    const res = await idp.gql(
      `{ me { customerNumber } customer(customerNumber: "jwks-1") { customerNumber } }`,
      {},
      { token },
    );
    expect({ status: res.status, data: res.data }).toEqual({ status: 200, data: { me: null, customer: null } });
  });

  it('an audience list that includes ours is accepted', async () => {
    const res = await idp.gql(WHO_AM_I, {}, { token: await sign(rsa, claims({ aud: ['other-api', AUDIENCE] })) });
    expect({ status: res.status, errors: res.errors }).toEqual({ status: 200, errors: undefined });
  });

  it.each<[string, RegExp, () => Promise<string>]>([
    ['a wrong issuer', /unexpected "iss"/, () => sign(rsa, claims({ iss: 'https://evil.example.test/' }))],
    ['no issuer', /missing required "iss"/, () => sign(rsa, claims({ iss: undefined }))],
    ['a wrong audience', /unexpected "aud"/, () => sign(ec, claims({ aud: 'another-api' }))],
    ['no audience', /missing required "aud"/, () => sign(ec, claims({ aud: undefined }))],
    ['an expired token', /"exp" claim timestamp/, () => sign(rsa, claims({ iat: now() - 7200, exp: now() - 3600 }))],
    ['a token not valid yet (nbf)', /"nbf" claim timestamp/, () => sign(ec, claims({ nbf: now() + 3600 }))],
    ['no exp', /missing required "exp"/, () => sign(rsa, claims({ exp: undefined }))],
    ['an unknown kid', /no applicable key/, () => sign(stranger, claims())],
    [
      'an unpublished key under a published kid',
      /signature verification failed/,
      () => sign({ ...stranger, kid: 'rsa-1' }, claims()),
    ],
    ['alg none', /signed with none are not accepted/, async () => new UnsecuredJWT(claims()).encode()],
    ['HS256 when only a JWKS is configured', /HS256 are not accepted/, () => signHs(claims())],
    // The classic confusion: HS256 "signed" with the public key's text as the secret.
    [
      'HS256 keyed with the published public key',
      /HS256 are not accepted/,
      async () => signHs(claims(), JSON.stringify(((await (await fetch(jwksUrl)).json()) as { keys: JWK[] }).keys[0])),
    ],
    ['no tenant claim', /tenant/, () => sign(rsa, claims({ tenant: undefined }))],
    ['an invalid tenant claim', /tenant must match/, () => sign(rsa, claims({ tenant: 'Acme Inc' }))],
    ['no scope claim', /scope/, () => sign(ec, claims({ scope: undefined }))],
    ['no sub claim', /sub/, () => sign(ec, claims({ sub: undefined }))],
  ])('refuses %s with 401', async (_name, reason, make) => {
    expect(await expectRefused(idp, await make())).toMatch(reason);
  });
});

describe('an identity provider whose keys cannot be fetched', () => {
  /** A JWKS address that answers 500, and one where nothing listens: the service's outage, not the token's fault. */
  it.each([
    ['answers 500', () => jwksUrl.replace('/.well-known/jwks.json', '/down')],
    ['refuses connections', () => 'http://127.0.0.1:1/.well-known/jwks.json'],
  ])(
    'when it %s, a valid token gets 503 SERVICE_UNAVAILABLE with Retry-After in both doors, not 401',
    async (_name, url) => {
      const server = await startTestServer({
        AUTH_JWT_SECRET: '',
        AUTH_JWKS_URL: url(),
        AUTH_ISSUER: ISSUER,
        AUTH_AUDIENCE: AUDIENCE,
      });
      try {
        const token = await sign(rsa, claims());
        const res = await server.gql(WHO_AM_I, {}, { token });
        expect({
          status: res.status,
          codes: res.errors?.map((e) => e.extensions?.code),
          retryAfter: res.headers.get('retry-after'),
          challenge: res.headers.get('www-authenticate'),
        }).toEqual({ status: 503, codes: ['SERVICE_UNAVAILABLE'], retryAfter: '30', challenge: null });
        expect(res.errors![0]!.message).toMatch(/identity provider/);

        const rest = await fetch(`${server.url}/customer/acme/customers`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect({ status: rest.status, retryAfter: rest.headers.get('retry-after'), body: await rest.json() }).toEqual({
          status: 503,
          retryAfter: '30',
          body: { status: 503, type: 'service_unavailable', message: res.errors![0]!.message },
        });
      } finally {
        await server.close();
      }
    },
  );
});

describe('HS256 tokens of the configured secret', () => {
  const hsClaims = (overrides: Record<string, unknown> = {}) =>
    claims({ iss: undefined, aud: undefined, ...overrides });

  it('accepts a valid token', async () => {
    const res = await hs.gql(WHO_AM_I, {}, { token: await signHs(hsClaims()) });
    expect({ status: res.status, errors: res.errors, total: res.data?.customers.totalCount }).toEqual({
      status: 200,
      errors: undefined,
      total: 0,
    });
  });

  it.each<[string, RegExp, () => Promise<string>]>([
    [
      'a bad signature',
      /signature verification failed/,
      () => signHs(hsClaims(), 'another-secret-that-is-long-enough-0123456789'),
    ],
    [
      'a tampered payload',
      /signature verification failed/,
      async () => {
        const [header, , signature] = (await signHs(hsClaims())).split('.');
        const payload = Buffer.from(JSON.stringify(hsClaims({ tenant: 'globex' }))).toString('base64url');
        return `${header}.${payload}.${signature}`;
      },
    ],
    ['an expired token', /"exp" claim timestamp/, () => signHs(hsClaims({ iat: now() - 7200, exp: now() - 1 }))],
    ['nbf in the future', /"nbf" claim timestamp/, () => signHs(hsClaims({ nbf: now() + 600 }))],
    ['no exp', /missing required "exp"/, () => signHs(hsClaims({ exp: undefined }))],
    ['no tenant claim', /tenant/, () => signHs(hsClaims({ tenant: undefined }))],
    ['a tenant claim too short', /tenant must match/, () => signHs(hsClaims({ tenant: 'ac' }))],
    ['a tenant claim with capitals', /tenant must match/, () => signHs(hsClaims({ tenant: 'ACME' }))],
    ['a tenant claim that is not a string', /tenant/, () => signHs(hsClaims({ tenant: 42 }))],
    ['RS256 when no JWKS is configured', /RS256 are not accepted/, () => sign(rsa, hsClaims())],
    ['alg none', /signed with none are not accepted/, async () => new UnsecuredJWT(hsClaims()).encode()],
    ['a malformed token', /Invalid Token/, async () => 'not.a.jwt'],
  ])('refuses %s with 401', async (_name, reason, make) => {
    expect(await expectRefused(hs, await make())).toMatch(reason);
  });

  it('refuses an Authorization header that is not a bearer token with 401', async () => {
    const res = await hs.gql(
      WHO_AM_I,
      {},
      { token: null, headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } },
    );
    expect({ status: res.status, codes: res.errors?.map((e) => e.extensions?.code) }).toEqual({
      status: 401,
      codes: ['UNAUTHENTICATED'],
    });
  });

  it(`without any token, ${PRODUCTION ? '__typename' : 'introspection'} works and customer data answers UNAUTHENTICATED`, async () => {
    // Introspection is off in production (GRAPHQL_INTROSPECTION), so there the anonymous query is __typename.
    const anonymous = PRODUCTION ? '{ __typename }' : '{ __schema { queryType { name } } }';
    const introspection = await hs.gql(anonymous, {}, { token: null });
    expect({ status: introspection.status, data: introspection.data }).toEqual({
      status: 200,
      data: PRODUCTION ? { __typename: 'Query' } : { __schema: { queryType: { name: 'Query' } } },
    });
    const data = await hs.gql(WHO_AM_I, {}, { token: null });
    expect({ status: data.status, codes: data.errors?.map((e) => e.extensions?.code) }).toEqual({
      status: 401,
      codes: ['UNAUTHENTICATED'],
    });
  });
});

describe('verified tokens are remembered only until they expire', () => {
  it('answers a repeated token from memory, and refuses it once the clock passes its exp', async () => {
    let clock = Date.now();
    const verify = createTokenVerifier({ secret: TEST_SECRET }, () => clock);
    const token = await signToken(
      TEST_SECRET,
      { tenant: 'acme', scope: 'customer.customer_read', sub: 't' },
      { ttlSeconds: 60 },
    );
    const first = await verify(token);
    expect(first.tenant).toBe('acme');
    expect(await verify(token)).toBe(first);
    clock += 61_000;
    await expect(verify(token)).rejects.toThrow(InvalidTokenError);
  });

  it('never remembers a refused token', async () => {
    const verify = createTokenVerifier({ secret: TEST_SECRET });
    const token = await signToken('another-secret-that-is-long-enough-0123456789', {
      tenant: 'acme',
      scope: '',
      sub: 't',
    });
    await expect(verify(token)).rejects.toThrow(InvalidTokenError);
    await expect(verify(token)).rejects.toThrow(InvalidTokenError);
  });
});
