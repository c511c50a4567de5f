/**
 * How failures reach the caller: DomainErrors become GraphQL errors with the contract's codes and details, a
 * missing scope becomes FORBIDDEN (or UNAUTHENTICATED without a token), a request that fails as a whole gets the
 * code's HTTP status, and anything unexpected is masked and logged with the request id.
 */
import type { Plugin } from 'graphql-yoga';
import { GraphQLError, Kind, type ASTNode } from 'graphql';
import { AuthScopeFailureType, type AuthFailure, type ForbiddenResult } from '@pothos/plugin-scope-auth';
import { scopesAllowing, type Permission } from '../auth/scopes.js';
import { DomainError, type ErrorCode as DomainErrorCode } from '../domain/errors.js';
import { RetryLaterError, StoreUnavailableError } from '../domain/store.js';
import type { Context } from './context.js';

type ErrorCode = DomainErrorCode | RetryLaterError['code'];

export const HTTP_STATUS: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_MANY_REQUESTS: 429,
  SERVICE_UNAVAILABLE: 503,
};

type RetryLater = Pick<RetryLaterError, 'code' | 'message' | 'retryAfterSeconds'>;

/**
 * The request cannot be served now (the database or the identity provider unreachable, or the tenant over its
 * share): the caller may retry after Retry-After (the code's HTTP status when the whole operation failed).
 */
export function retryLater(error: RetryLater, source?: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: source?.nodes,
    path: source?.path,
    extensions: {
      code: error.code,
      http: { status: HTTP_STATUS[error.code], headers: { 'Retry-After': String(error.retryAfterSeconds) } },
    },
  });
}

/** A field that needs a caller, reached without a token: the field fails, the rest of the request goes on. */
export function unauthenticated(
  message = 'Authentication required: send Authorization: Bearer <token>.',
): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' } });
}

/** A token that is present but not valid: the whole request is refused with HTTP 401 (RFC 6750's challenge). */
export function invalidToken(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code: 'UNAUTHENTICATED',
      http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } },
    },
  });
}

/** The permissions an auth failure was waiting for. */
function missingPermissions(failure: AuthFailure): Permission[] {
  switch (failure.kind) {
    case AuthScopeFailureType.AuthScope:
      return failure.scope === 'allowed' ? [failure.parameter as Permission] : [];
    case AuthScopeFailureType.AnyAuthScopes:
    case AuthScopeFailureType.AllAuthScopes:
      return failure.failures.flatMap(missingPermissions);
    default:
      return [];
  }
}

/** FORBIDDEN, naming in `extensions.requiredScopes` the scopes that would allow what was refused. */
export function forbidden(
  permissions: readonly Permission[],
  where: { path?: readonly (string | number)[]; nodes?: readonly ASTNode[] } = {},
): GraphQLError {
  const requiredScopes = [...new Set(permissions.flatMap(scopesAllowing))];
  return new GraphQLError(`Not allowed: the token needs one of the scopes ${requiredScopes.join(', ')}.`, {
    path: where.path,
    nodes: where.nodes,
    extensions: { code: 'FORBIDDEN', requiredScopes },
  });
}

/** scope-auth's error callback: UNAUTHENTICATED without a token, else FORBIDDEN naming the scopes that would do. */
export function unauthorizedError(
  _parent: unknown,
  context: Context,
  _info: unknown,
  result: ForbiddenResult,
): GraphQLError {
  if (!context.caller) return unauthenticated();
  return forbidden(missingPermissions(result.failure));
}

export function fromDomainError(error: DomainError, source: GraphQLError | undefined): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: source?.nodes,
    path: source?.path,
    originalError: error,
    extensions: { code: error.code, ...(error.details ? { details: error.details } : {}) },
  });
}

export interface ErrorLogger {
  error(details: Record<string, unknown>, message: string): void;
}

/** Yoga's maskError: the contract's errors pass through; everything else becomes "Unexpected error.". */
export function createErrorMasker(logger: ErrorLogger) {
  return (error: unknown, message: string): Error => {
    const graphQLError = error instanceof GraphQLError ? error : undefined;
    const original = graphQLError?.originalError ?? error;
    if (original instanceof DomainError) return fromDomainError(original, graphQLError);
    if (original instanceof RetryLaterError) {
      if (original instanceof StoreUnavailableError) {
        logger.error({ err: original.cause, requestId: requestIdOf(error) }, 'Database unavailable');
      }
      return retryLater(original, graphQLError);
    }
    if (original instanceof GraphQLError && typeof original.extensions?.code === 'string')
      return graphQLError ?? original;
    // Variables that graphql-js refuses (missing, or of the wrong type) are the caller's bad input.
    if (graphQLError && isInvalidVariable(graphQLError)) return invalidVariable(graphQLError);
    if (graphQLError && !graphQLError.originalError) return graphQLError;
    const requestId = requestIdOf(error);
    logger.error({ err: original, requestId, path: graphQLError?.path }, 'Unexpected error');
    return new GraphQLError(message, {
      nodes: graphQLError?.nodes,
      path: graphQLError?.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR', ...(requestId ? { requestId } : {}) },
    });
  };
}

/** Errors raised while a request runs carry its id (see {@link requestIdPlugin}); the masker reads it back. */
const requestIds = new WeakMap<object, string>();
function requestIdOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? requestIds.get(error) : undefined;
}

/**
 * When an operation fails as a whole (no data, or every root field failed), answer with the HTTP status of its
 * first error's code, as AUTH.md's table says; partial results stay 200. Also remembers the request id of each
 * error for the masker's log line.
 */
export function errorStatusPlugin(): Plugin<Context> {
  return {
    onExecute() {
      return {
        onExecuteDone({ result, args }) {
          if (!('errors' in result) || !result.errors?.length) return;
          const context = args.contextValue as Context;
          for (const error of result.errors) {
            requestIds.set(error, context.requestId);
            if (error.originalError) requestIds.set(error.originalError, context.requestId);
          }
          if (!failedAsAWhole(result.data, result.errors)) return;
          const code = codeOf(result.errors[0]);
          if (code) result.extensions = { ...result.extensions, http: { status: HTTP_STATUS[code] } };
        },
      };
    },
  };
}

function failedAsAWhole(data: Record<string, unknown> | null | undefined, errors: readonly GraphQLError[]): boolean {
  if (data === null || data === undefined) return true;
  const failedRoots = new Set(errors.filter((e) => e.path?.length === 1).map((e) => e.path?.[0]));
  const roots = Object.keys(data);
  return roots.length > 0 && roots.every((key) => data[key] === null && failedRoots.has(key));
}

function codeOf(error: GraphQLError | undefined): ErrorCode | undefined {
  if (error && isInvalidVariable(error)) return 'BAD_USER_INPUT';
  const original = error?.originalError;
  if (original instanceof DomainError) return original.code;
  if (original instanceof RetryLaterError) return original.code;
  const code = (original instanceof GraphQLError ? original.extensions?.code : error?.extensions?.code) as
    | string
    | undefined;
  return code && code in HTTP_STATUS ? (code as ErrorCode) : undefined;
}

/**
 * graphql-js's own error for a variable that does not fit its type (a required input field missing, say): raised
 * before execution, at the variable's definition. It is the caller's invalid input, not an unexpected error.
 */
function isInvalidVariable(error: GraphQLError): boolean {
  return error.path === undefined && error.nodes?.[0]?.kind === Kind.VARIABLE_DEFINITION;
}

/** The error as BAD_USER_INPUT, its detail naming the variable and what graphql-js found wrong with it. */
function invalidVariable(error: GraphQLError): GraphQLError {
  const node = error.nodes?.[0];
  const variable = node?.kind === Kind.VARIABLE_DEFINITION ? node.variable.name.value : 'variables';
  const message = error.message.split('; ').at(-1) ?? error.message;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    extensions: { code: 'BAD_USER_INPUT', details: [{ field: variable, message }] },
  });
}
