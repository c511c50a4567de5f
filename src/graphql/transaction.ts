/**
 * One mutation operation is one transaction: its root fields run one after the other on the same transaction, and
 * all of them commit, or — when any error is reported — none does, and the answer carries no data (what it would
 * show was never written). Queries read outside any transaction.
 */
import { getOperationAST, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Store } from '../domain/store.js';
import type { Context } from './context.js';

class RolledBack extends Error {
  constructor(readonly result: ExecutionResult) {
    super('rolled back');
  }
}

/** Must come after every plugin that replaces the execute function (graphql-jit), so that it wraps theirs. */
export function operationTransactionPlugin(store: Pick<Store, 'transaction'>): Plugin<Context> {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      if (getOperationAST(args.document, args.operationName)?.operation !== 'mutation') return;
      setExecuteFn(async (executionArgs: ExecutionArgs) => {
        const context = executionArgs.contextValue as Context;
        try {
          return await store.transaction(async (tx) => {
            context.useTransaction(tx);
            const result = (await executeFn(executionArgs)) as ExecutionResult;
            if (result.errors?.length) throw new RolledBack(result);
            return result;
          });
        } catch (error) {
          if (error instanceof RolledBack) return { ...error.result, data: null };
          throw error;
        }
      });
    },
  };
}
