/**
 * Compiled execution with graphql-jit: each document is compiled once into a JavaScript function, which removes
 * most of graphql-js's per-field overhead on large answers.
 *
 * graphql-jit reports invalid variables in its own words and shapes (no extensions, no nodes), which would bypass
 * the contract's error mapping. So variables are coerced by graphql-js first, and a request whose variables are
 * invalid runs on graphql-js, which reports them as usual.
 */
import { useGraphQlJit } from '@envelop/graphql-jit';
import { getOperationAST, getVariableValues, type ExecutionArgs } from 'graphql';
import type { Plugin } from 'graphql-yoga';

function variablesAreValid({ schema, document, operationName, variableValues }: ExecutionArgs): boolean {
  const operation = getOperationAST(document, operationName);
  if (!operation) return false;
  const definitions = operation.variableDefinitions ?? [];
  if (definitions.length === 0) return true;
  return !('errors' in getVariableValues(schema, definitions, variableValues ?? {}, { maxErrors: 1 }));
}

export function compiledExecution<C extends object>(): Plugin<C> {
  return useGraphQlJit({}, { enableIf: variablesAreValid }) as Plugin<C>;
}
