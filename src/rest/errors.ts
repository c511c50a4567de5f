/**
 * The REST API's failures, as REST.md says: the Emporix body `{status, type, message, details?}` for every status
 * but 401, the gateway's `fault` body for 401, and the mapping from the domain's DomainError codes, so that REST and
 * GraphQL fail for the same reasons with the same words.
 */
import { z } from 'zod';
import { scopesAllowing, type Permission } from '../auth/scopes.js';
import { DomainError, type FieldProblem } from '../domain/errors.js';
import { RetryLaterError } from '../domain/store.js';

/** The `type` of each status the service answers with (lower_snake, as REST.md's table). */
export const ERROR_TYPES = {
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
} as const;

export type ErrorStatus = keyof typeof ERROR_TYPES;

/** What kind of problem a detail names; REST.md leaves the values open, these are the service's. */
export const DETAIL_TYPES = [
  /** A `q` expression, or a list parameter, that does not parse. */
  'invalid_syntax',
  /** A field, parameter or body property that does not exist. */
  'unknown_field',
  /** A property of the representation that a request may not set. */
  'read_only',
  /** A required parameter or property that is absent. */
  'missing',
  /** A value of the wrong type or format. */
  'invalid_value',
  /** A number outside what the parameter allows. */
  'out_of_range',
  /** A value longer, or a list with more items, than allowed. */
  'too_long',
  /** An operator or value that the field does not take. */
  'not_allowed',
] as const;

export type DetailType = (typeof DETAIL_TYPES)[number];

/** The official description's `moreInfo`, which this service does not send (its messages say what to do). */
const moreInfo = z
  .string()
  .optional()
  .meta({ description: 'A link for more information; declared as the official description has it, not sent.' });

export const ErrorDetailSchema = z.strictObject({
  field: z.string().meta({ description: 'The parameter or body property, e.g. `q`, `pageSize`, `contactEmail`.' }),
  type: z.enum(DETAIL_TYPES),
  message: z.string(),
  moreInfo,
});

export const ErrorBodySchema = z.strictObject({
  status: z.int().meta({ description: 'The HTTP status, repeated.' }),
  type: z.enum(Object.values(ERROR_TYPES) as [string, ...string[]]),
  message: z.string(),
  moreInfo,
  details: z.array(ErrorDetailSchema).optional(),
});

/** The 401 body: the API gateway's, which clients of the Customer Service already parse. */
export const FaultBodySchema = z.strictObject({
  fault: z.strictObject({
    faultstring: z.string(),
    detail: z.strictObject({ errorcode: z.string() }),
  }),
});

export type ErrorDetail = z.infer<typeof ErrorDetailSchema>;
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
export type FaultBody = z.infer<typeof FaultBodySchema>;

/** An answer, before it is written: what handlers return and what the server writes. */
export interface RestResponse {
  status: number;
  headers: Record<string, string>;
  /** Written as JSON; absent for 202 and 204. */
  body?: unknown;
}

/** A failure that has its REST answer: thrown anywhere in src/rest and turned into a response by {@link toErrorResponse}. */
export class RestError extends Error {
  override name = 'RestError';

  constructor(
    readonly status: ErrorStatus,
    message: string,
    readonly details?: readonly ErrorDetail[],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  get type(): string {
    return ERROR_TYPES[this.status];
  }

  body(): ErrorBody {
    return {
      status: this.status,
      type: this.type,
      message: this.message,
      ...(this.details?.length ? { details: [...this.details] } : {}),
    };
  }
}

/** A 400: an invalid body, parameter, `q` or path. */
export class RestBadRequest extends RestError {
  override name = 'RestBadRequest';

  constructor(message: string, details?: readonly ErrorDetail[]) {
    super(400, message, details);
  }
}

/** A 400 about one field: the message says what is wrong with it, the detail says where. */
export const badRequest = (field: string, type: DetailType, message: string): RestBadRequest =>
  new RestBadRequest(`Invalid ${field}: ${message}`, [{ field, type, message }]);

/**
 * REST.md's answer to a `{tenant}` in the path that is malformed or not the token's tenant, with a detail that says
 * what the path must name (the same whatever the path names: it tells nothing of other tenants).
 */
export const TENANT_MESSAGE = 'The tenant information provided with the request is not valid.';
export const TENANT_DETAIL: ErrorDetail = {
  field: 'tenant',
  type: 'invalid_value',
  message: "the path's {tenant} must be the tenant the token was issued for, in lowercase",
};
export const invalidTenant = (): RestBadRequest => new RestBadRequest(TENANT_MESSAGE, [TENANT_DETAIL]);

/** The seed reference's words for a path that names nothing. */
export const resourceNotFound = (): RestError => new RestError(404, 'The requested resource does not exist.');

export function methodNotAllowed(method: string, allow: readonly string[]): RestError {
  return new RestError(405, `The method ${method} is not allowed here; allowed: ${allow.join(', ')}.`, undefined, {
    allow: allow.join(', '),
  });
}

/** The same words as GraphQL's FORBIDDEN, naming the scopes that would allow the operation. */
export function forbidden(permission: Permission): RestError {
  return new RestError(403, `Not allowed: the token needs one of the scopes ${scopesAllowing(permission).join(', ')}.`);
}

export const payloadTooLarge = (limitBytes: number): RestError =>
  new RestError(413, `The request body is larger than ${limitBytes} bytes.`);

export const unsupportedMediaType = (accepted: readonly string[]): RestError =>
  new RestError(415, `The request body must be ${accepted.join(' or ')}.`);

// ---- 401 ----

export type TokenProblem = 'missing' | 'invalid' | 'expired';

const FAULTS = {
  invalid: { faultstring: 'Invalid access token', errorcode: 'oauth.v2.InvalidAccessToken' },
  expired: { faultstring: 'Access Token expired', errorcode: 'keymanagement.service.access_token_expired' },
} as const;

/**
 * The 401 answer. A missing token gets the invalid-token body (REST.md has no third one) and a bare challenge
 * (RFC 6750 §3.1 names no error when no credentials were sent); a bad or expired one says `invalid_token`, as the
 * GraphQL endpoint does.
 */
export function unauthorized(problem: TokenProblem): RestResponse {
  const fault = FAULTS[problem === 'expired' ? 'expired' : 'invalid'];
  const body: FaultBody = { fault: { faultstring: fault.faultstring, detail: { errorcode: fault.errorcode } } };
  return {
    status: 401,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'www-authenticate': problem === 'missing' ? 'Bearer' : 'Bearer error="invalid_token"',
    },
    body,
  };
}

/**
 * Whether a token verifier's error means the token expired. jose's JWTExpired carries the code ERR_JWT_EXPIRED; the
 * verifier of src/auth/tokens.ts wraps it into an InvalidTokenError that keeps only jose's message, whose words for
 * an expired token ("exp" claim timestamp check failed) are what is left to recognise it by.
 */
export function tokenProblemOf(error: unknown): 'invalid' | 'expired' {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if ((e as { code?: unknown }).code === 'ERR_JWT_EXPIRED') return 'expired';
    if (e.message.includes('"exp" claim timestamp check failed')) return 'expired';
  }
  return 'invalid';
}

// ---- The domain's errors ----

/** A domain field path in REST terms: the GraphQL argument `input.` goes, `expectedVersion` is `metadata.version`. */
export function restField(field: string): string {
  if (field === 'expectedVersion') return 'metadata.version';
  const inBody = field.startsWith('input.') ? field.slice('input.'.length) : field === 'input' ? 'body' : field;
  // The domain's mixinSchemas is REST's metadata.mixins (representation.ts).
  return /^mixinSchemas(?=$|[.[])/.test(inBody) ? `metadata.mixins${inBody.slice('mixinSchemas'.length)}` : inBody;
}

function fromFieldProblems(problems: readonly FieldProblem[]): RestBadRequest {
  const details = problems.map((p) => ({
    field: restField(p.field),
    type: 'invalid_value' as const,
    message: p.message,
  }));
  return new RestBadRequest(`Invalid input: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`, details);
}

/** The REST error of a DomainError: its code's status, its message, and its field problems in REST terms. */
export function fromDomainError(error: DomainError): RestError | RestResponse {
  switch (error.code) {
    case 'BAD_USER_INPUT':
      return error.details?.length ? fromFieldProblems(error.details) : new RestBadRequest(error.message);
    case 'UNAUTHENTICATED':
      return unauthorized('invalid');
    case 'FORBIDDEN':
      return new RestError(403, error.message);
    case 'NOT_FOUND':
      return new RestError(404, error.message);
    case 'CONFLICT':
      return new RestError(409, error.message);
  }
}

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };

export function errorResponse(error: RestError): RestResponse {
  return { status: error.status, headers: { ...JSON_TYPE, ...error.headers }, body: error.body() };
}

/** A request to send again later (GraphQL's words, status and Retry-After for the same failure). */
export const retryLater = (error: Pick<RetryLaterError, 'code' | 'message' | 'retryAfterSeconds'>) =>
  new RestError(error.code === 'TOO_MANY_REQUESTS' ? 429 : 503, error.message, undefined, {
    'retry-after': String(error.retryAfterSeconds),
  });

/**
 * The answer to anything thrown while serving a request. The contract's failures keep their words; a database that
 * cannot be reached is a 503; everything else is masked, as GraphQL masks it, and `unexpected` says so (the caller
 * logs the real error with the request id, which the message repeats so that a report can be matched to the log).
 */
export function toErrorResponse(error: unknown, requestId?: string): RestResponse & { unexpected: boolean } {
  if (error instanceof RestError) return { ...errorResponse(error), unexpected: false };
  if (error instanceof DomainError) {
    const mapped = fromDomainError(error);
    return { ...(mapped instanceof RestError ? errorResponse(mapped) : mapped), unexpected: false };
  }
  if (error instanceof RetryLaterError) return { ...errorResponse(retryLater(error)), unexpected: false };
  const message = requestId ? `Unexpected error (request id ${requestId}).` : 'Unexpected error.';
  return { ...errorResponse(new RestError(500, message)), unexpected: true };
}
