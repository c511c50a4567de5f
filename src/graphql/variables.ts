/**
 * An operation's variables as execution will see them (coerced by graphql-js, defaults applied), worked out once
 * per execution: the scope pre-check of mutations, the cost limit and the choice of graphql-jit all read them.
 */
import { getOperationAST, getVariableValues, type ExecutionArgs } from 'graphql';

export type CoercedVariables = { coerced: Record<string, unknown> } | { errors: readonly unknown[] };

const NONE: CoercedVariables = { coerced: {} };
const known = new WeakMap<object, CoercedVariables>();

/** The coerced variables, or the errors that make execution refuse them (it then runs no resolver). */
export function coercedVariables(
  args: Pick<ExecutionArgs, 'schema' | 'document' | 'operationName' | 'variableValues'>,
): CoercedVariables {
  const definitions = getOperationAST(args.document, args.operationName)?.variableDefinitions ?? [];
  if (definitions.length === 0) return NONE;
  let result = known.get(args);
  if (!result) {
    result = getVariableValues(args.schema, definitions, args.variableValues ?? {}) as CoercedVariables;
    known.set(args, result);
  }
  return result;
}
