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

/**
 * Optimistic locking, for customers and addresses alike: a change made to version `expected` (when one is given) of
 * a row that is not at that version, or that does not exist, is a CONFLICT. `name` is how a message names the row.
 */
export function checkVersion(
  kind: 'customer' | 'address',
  row: { version: number } | undefined,
  name: string,
  expected: number | null | undefined,
): void {
  if (expected === null || expected === undefined) return;
  if (!row || row.version !== expected) {
    const Kind = kind === 'customer' ? 'Customer' : 'Address';
    throw conflict(
      row
        ? `${Kind} ${name} is at version ${row.version}, not ${expected}.`
        : `The ${kind} does not exist, so it is not at version ${expected}.`,
    );
  }
}
