/**
 * The store core: the domain's store contract (src/domain/store.ts) written once over a dialect (./dialect.ts) and a
 * connection (./query.ts, Executor). A store (src/store/sqlite, src/store/postgres) brings its connections and
 * transactions, its migrations, its dialect and its error mapping.
 */
import type { StoreReads, Transaction } from '../../domain/store.js';
import type { Admission } from './admission.js';
import { customerStore } from './customers.js';
import type { Dialect } from './dialect.js';
import { eventStores } from './events.js';
import type { Executor } from './query.js';
import { rowStores } from './rows.js';

/** Where expensive reads run (./customers.ts, isExpensive): connections of their own, behind admission. */
export interface ExpensiveReads {
  readonly exec: Executor;
  readonly admission: Admission;
}

export function storeCore(d: Dialect) {
  const customers = customerStore(d);
  const rows = rowStores(d);
  const log = eventStores(d);
  return {
    /** The reads on a connection: each statement on its own, outside any transaction; expensive ones admitted. */
    reads: (exec: Executor, expensive?: ExpensiveReads): StoreReads => ({
      customers: customers.reads(exec, expensive),
      ...rows.reads(exec),
      ...log.reads(exec),
    }),
    /** The reads and writes of one open transaction, on its connection. */
    transaction: (exec: Executor): Transaction => ({
      customers: customers.transaction(exec),
      ...rows.writes(exec),
      ...log.writes(exec),
    }),
    /** The relay's statements: single ones on `exec`, claims and outcomes in transactions of their own. */
    relay: log.relay,
  };
}

export type StoreCore = ReturnType<typeof storeCore>;
