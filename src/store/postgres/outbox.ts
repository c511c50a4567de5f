/** The outbox: notifications written in the transaction of the change that causes them, sent by a relay later. */
import type { Transaction } from '../../domain/store.js';
import type { Db } from './db.js';
import { outbox } from './schema.js';

export function outboxWrites(db: Db): Transaction['outbox'] {
  return {
    async add(reach, type, payload, at) {
      await db.insert(outbox).values({ tenant: reach.tenant, type, payload, createdAt: at });
    },
  };
}
