/**
 * The REST API's error answers (contract/REST.md "Errors"): the Emporix body for every status but 401, the fault
 * bodies of 401 for an invalid and an expired token (told apart on the real token verifier's errors), and the
 * domain's DomainErrors, raised by the domain's own validation, mapped onto statuses and REST field names.
 */
import { describe, expect, it } from 'vitest';
import { ALL_SCOPES } from '../src/auth/scopes.js';
import { createTokenVerifier, signToken } from '../src/auth/tokens.js';
import { conflict, DomainError, notFound } from '../src/domain/errors.js';
import { StoreUnavailableError } from '../src/domain/store.js';
import { parseCustomerChanges, parseCustomerCreate, parseTags } from '../src/domain/validation.js';
import {
  ERROR_TYPES,
  ErrorBodySchema,
  FaultBodySchema,
  forbidden,
  fromDomainError,
  invalidTenant,
  methodNotAllowed,
  payloadTooLarge,
  resourceNotFound,
  RestBadRequest,
  RestError,
  restField,
  tokenProblemOf,
  toErrorResponse,
  unauthorized,
  unsupportedMediaType,
} from '../src/rest/errors.js';

const JSON_TYPE = 'application/json; charset=utf-8';

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('nothing was thrown');
}

describe('error bodies', () => {
  it('{status, type, message} with the lower_snake type of each status', () => {
    // REST.md's table written out, not imported: the test states the contract that src/rest/errors.ts implements.
    expect(ERROR_TYPES).toEqual({
      400: 'bad_request',
      403: 'forbidden',
      404: 'not_found',
      405: 'method_not_allowed',
      409: 'conflict',
      413: 'payload_too_large',
      415: 'unsupported_media_type',
      429: 'too_many_requests',
      500: 'internal_server_error',
      503: 'service_unavailable',
    });
    for (const [status, type] of Object.entries(ERROR_TYPES)) {
      const error = new RestError(Number(status) as keyof typeof ERROR_TYPES, 'Something.');
      const response = toErrorResponse(error);
      expect(response).toEqual({
        status: Number(status),
        headers: { 'content-type': JSON_TYPE },
        body: { status: Number(status), type, message: 'Something.' },
        unexpected: false,
      });
      expect(ErrorBodySchema.parse(response.body)).toEqual(response.body);
    }
  });

  it('details only where there are some', () => {
    const error = new RestBadRequest('Invalid q: x', [{ field: 'q', type: 'invalid_syntax', message: 'x' }]);
    expect(error.body()).toEqual({
      status: 400,
      type: 'bad_request',
      message: 'Invalid q: x',
      details: [{ field: 'q', type: 'invalid_syntax', message: 'x' }],
    });
    expect(new RestBadRequest('No.', []).body()).toEqual({ status: 400, type: 'bad_request', message: 'No.' });
  });

  it("REST.md's tenant 400, word for word, with a detail that says what the path must name", () => {
    expect(invalidTenant().body()).toEqual({
      type: 'bad_request',
      status: 400,
      message: 'The tenant information provided with the request is not valid.',
      details: [
        {
          field: 'tenant',
          type: 'invalid_value',
          message: "the path's {tenant} must be the tenant the token was issued for, in lowercase",
        },
      ],
    });
  });

  it('404, 405 (with Allow), 403 naming the scopes, 413, 415', () => {
    expect(resourceNotFound().body()).toEqual({
      status: 404,
      type: 'not_found',
      message: 'The requested resource does not exist.',
    });
    expect(toErrorResponse(methodNotAllowed('PATCH', ['GET', 'HEAD', 'POST']))).toEqual({
      status: 405,
      headers: { 'content-type': JSON_TYPE, allow: 'GET, HEAD, POST' },
      body: {
        status: 405,
        type: 'method_not_allowed',
        message: 'The method PATCH is not allowed here; allowed: GET, HEAD, POST.',
      },
      unexpected: false,
    });
    // The same words as GraphQL's FORBIDDEN (src/graphql/errors.ts: forbidden).
    expect(forbidden('readAddresses').body()).toEqual({
      status: 403,
      type: 'forbidden',
      message: 'Not allowed: the token needs one of the scopes customer.customer_read, customer.customer_manage.',
    });
    expect(forbidden('delete').message).toBe(
      'Not allowed: the token needs one of the scopes customer.customer_manage, customer.customer_update, customer.customer_delete, customer.customer_manage_own.',
    );
    expect(payloadTooLarge(1_048_576).body()).toEqual({
      status: 413,
      type: 'payload_too_large',
      message: 'The request body is larger than 1048576 bytes.',
    });
    expect(unsupportedMediaType(['application/json']).body()).toEqual({
      status: 415,
      type: 'unsupported_media_type',
      message: 'The request body must be application/json.',
    });
  });
});

describe('401', () => {
  const INVALID = {
    fault: { faultstring: 'Invalid access token', detail: { errorcode: 'oauth.v2.InvalidAccessToken' } },
  };
  const EXPIRED = {
    fault: { faultstring: 'Access Token expired', detail: { errorcode: 'keymanagement.service.access_token_expired' } },
  };

  it("the fault bodies of REST.md, with RFC 6750's challenge", () => {
    expect(unauthorized('invalid')).toEqual({
      status: 401,
      headers: { 'content-type': JSON_TYPE, 'www-authenticate': 'Bearer error="invalid_token"' },
      body: INVALID,
    });
    expect(unauthorized('expired')).toEqual({
      status: 401,
      headers: { 'content-type': JSON_TYPE, 'www-authenticate': 'Bearer error="invalid_token"' },
      body: EXPIRED,
    });
    // No token at all: the invalid body, and a challenge that names no error.
    expect(unauthorized('missing')).toEqual({
      status: 401,
      headers: { 'content-type': JSON_TYPE, 'www-authenticate': 'Bearer' },
      body: INVALID,
    });
    expect(FaultBodySchema.parse(EXPIRED)).toEqual(EXPIRED);
  });

  it("tells an expired token from an invalid one on the verifier's own errors", async () => {
    const secret = 'a-test-secret-of-at-least-32-characters!';
    const claims = { tenant: 'demo', scope: ALL_SCOPES.join(' '), sub: 'test' };
    const token = await signToken(secret, claims, { ttlSeconds: 60 });
    // The verifier's clock, two minutes on: the token has expired (no waiting, no timing).
    const later = createTokenVerifier({ secret }, () => Date.now() + 120_000);
    const expired = await later(token).catch((error: unknown) => error);
    expect(tokenProblemOf(expired)).toBe('expired');

    const verify = createTokenVerifier({ secret });
    const badSignature = await verify(await signToken(`${secret}x`, claims)).catch((error: unknown) => error);
    expect(tokenProblemOf(badSignature)).toBe('invalid');
    const malformed = await verify('not.a.token').catch((error: unknown) => error);
    expect(tokenProblemOf(malformed)).toBe('invalid');
    const noTenant = await verify(await signToken(secret, { ...claims, tenant: 'X' })).catch((error: unknown) => error);
    expect(tokenProblemOf(noTenant)).toBe('invalid');
    expect(tokenProblemOf(Object.assign(new Error('x'), { code: 'ERR_JWT_EXPIRED' }))).toBe('expired');
    expect(
      tokenProblemOf(new Error('wrapped', { cause: Object.assign(new Error('y'), { code: 'ERR_JWT_EXPIRED' }) })),
    ).toBe('expired');
  });
});

describe("the domain's errors", () => {
  it('BAD_USER_INPUT with field problems: 400 with details in REST field names', () => {
    const error = thrown(() =>
      parseCustomerCreate({
        contactEmail: 'not-an-email',
        preferredCurrency: 'EURO',
        b2b: { companyRegistrationId: '' },
      }),
    );
    expect(error).toBeInstanceOf(DomainError);
    expect(toErrorResponse(error)).toEqual({
      status: 400,
      headers: { 'content-type': JSON_TYPE },
      body: {
        status: 400,
        type: 'bad_request',
        message:
          'Invalid input: contactEmail: must be an email address; preferredCurrency: must be an ISO 4217 currency code such as EUR; b2b.companyRegistrationId: must not be empty',
        details: [
          { field: 'contactEmail', type: 'invalid_value', message: 'must be an email address' },
          {
            field: 'preferredCurrency',
            type: 'invalid_value',
            message: 'must be an ISO 4217 currency code such as EUR',
          },
          { field: 'b2b.companyRegistrationId', type: 'invalid_value', message: 'must not be empty' },
        ],
      },
      unexpected: false,
    });
  });

  it('field names: input. goes, expectedVersion is metadata.version, others stay', () => {
    expect(restField('input.contactEmail')).toBe('contactEmail');
    expect(restField('input.tags[2]')).toBe('tags[2]');
    expect(restField('input.mixinSchemas.loyalty')).toBe('metadata.mixins.loyalty');
    expect(restField('input.mixinSchemas')).toBe('metadata.mixins');
    expect(restField('input.mixinSchemasX')).toBe('mixinSchemasX');
    expect(restField('input')).toBe('body');
    expect(restField('expectedVersion')).toBe('metadata.version');
    expect(restField('tags[0]')).toBe('tags[0]');
    expect(restField('customerNumber')).toBe('customerNumber');
    const site = thrown(() => parseCustomerChanges({ preferredSite: 'a b' }));
    expect((toErrorResponse(site).body as { details: unknown }).details).toEqual([
      { field: 'preferredSite', type: 'invalid_value', message: 'may contain only letters, digits, _ . and -' },
    ]);
    const tags = thrown(() => parseTags(['OK', 'not ok']));
    expect((toErrorResponse(tags).body as { details: unknown }).details).toEqual([
      { field: 'tags[1]', type: 'invalid_value', message: 'may contain only letters, digits, _ . : and -' },
    ]);
  });

  it('BAD_USER_INPUT without details keeps its message', () => {
    expect(toErrorResponse(new DomainError('BAD_USER_INPUT', 'Bad.')).body).toEqual({
      status: 400,
      type: 'bad_request',
      message: 'Bad.',
    });
  });

  it('FORBIDDEN 403, NOT_FOUND 404, CONFLICT 409, UNAUTHENTICATED 401', () => {
    expect(toErrorResponse(new DomainError('FORBIDDEN', 'Not allowed.')).body).toEqual({
      status: 403,
      type: 'forbidden',
      message: 'Not allowed.',
    });
    expect(toErrorResponse(notFound('Customer 13869000')).body).toEqual({
      status: 404,
      type: 'not_found',
      message: 'Customer 13869000 not found.',
    });
    expect(toErrorResponse(conflict('The email is taken.')).body).toEqual({
      status: 409,
      type: 'conflict',
      message: 'The email is taken.',
    });
    expect(fromDomainError(new DomainError('UNAUTHENTICATED', 'Who?'))).toEqual(unauthorized('invalid'));
    expect(toErrorResponse(new DomainError('UNAUTHENTICATED', 'Who?')).status).toBe(401);
  });

  it('an unreachable database is a 503 with Retry-After, as in GraphQL', () => {
    expect(toErrorResponse(new StoreUnavailableError(new Error('ECONNREFUSED')))).toEqual({
      status: 503,
      headers: { 'content-type': JSON_TYPE, 'retry-after': '1' },
      body: {
        status: 503,
        type: 'service_unavailable',
        message: 'The service is unavailable: its database cannot be reached. Retry later.',
      },
      unexpected: false,
    });
  });

  it('anything else is masked as a 500, with the request id to match the log', () => {
    const secret = new Error('SQLITE_CORRUPT: at /var/lib/db');
    expect(toErrorResponse(secret, 'req-42')).toEqual({
      status: 500,
      headers: { 'content-type': JSON_TYPE },
      body: { status: 500, type: 'internal_server_error', message: 'Unexpected error (request id req-42).' },
      unexpected: true,
    });
    expect(toErrorResponse('a string').body).toEqual({
      status: 500,
      type: 'internal_server_error',
      message: 'Unexpected error.',
    });
  });
});
