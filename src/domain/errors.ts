/** The contract's error codes, raised by the domain and mapped 1:1 onto GraphQL errors by the GraphQL layer. */
export type ErrorCode = 'BAD_USER_INPUT' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT';

export interface FieldProblem {
  /** The input path, e.g. `input.contactEmail` or `input.tags[2]`. */
  field: string;
  message: string;
}

export class DomainError extends Error {
  override name = 'DomainError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: readonly FieldProblem[],
  ) {
    super(message);
  }
}

export const badInput = (details: readonly FieldProblem[]) =>
  new DomainError(
    'BAD_USER_INPUT',
    `Invalid input: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`,
    details,
  );

export const notFound = (what: string) => new DomainError('NOT_FOUND', `${what} not found.`);

export const conflict = (message: string) => new DomainError('CONFLICT', message);
