/**
 * Compiled execution with graphql-jit: each document is compiled once into a JavaScript function, which removes
 * most of graphql-js's per-field overhead on large answers.
 *
 * graphql-jit reports invalid variables in its own words and shapes (no extensions, no nodes), which would bypass
 * the contract's error mapping. So variables are coerced by graphql-js first, and a request whose variables are
 * invalid runs on graphql-js, which reports them as usual.
 */
import { useGraphQlJit } from '@envelop/graphql-jit';
import type { ExecutionArgs } from 'graphql';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { coercedVariables } from './variables.js';

function variablesAreValid(args: ExecutionArgs): boolean {
  if (!getOperationAST(args.document, args.operationName)) return false;
  return !('errors' in coercedVariables(args));
}

export function compiledExecution<C extends object>(): Plugin<C> {
  return useGraphQlJit({}, { enableIf: variablesAreValid }) as Plugin<C>;
}
