/** The store: one object holding every table's queries, prepared once per database, and its transactions. */
import { createAccountStore } from './accounts.js';
import { createAddressStore } from './addresses.js';
import { createCustomerStore } from './customers.js';
import type { Store } from './db.js';
import { createLegalEntityStore } from './legal-entities.js';
import { createOutboxStore } from './outbox.js';

export function createRepositories(store: Store) {
  const { db, sqlite } = store;
  return {
    customers: createCustomerStore(db),
    addresses: createAddressStore(db),
    accounts: createAccountStore(db),
    legalEntities: createLegalEntityStore(db),
    outbox: createOutboxStore(db),
    /** Runs `work` in one IMMEDIATE transaction: all of it is written, or (on a throw) none of it. */
    transaction<T>(work: () => T): T {
      return sqlite.transaction(work).immediate();
    },
  };
}

export type Repositories = ReturnType<typeof createRepositories>;
export type { Reach } from './reach.js';
