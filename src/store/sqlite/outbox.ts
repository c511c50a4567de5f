/** The outbox: notifications written in the transaction of the change that causes them, sent by a relay later. */
import type { NotificationType, Reach } from '../../domain/store.js';
import type { Db } from './db.js';
import { outbox } from './schema.js';

export function createOutboxStore(db: Db) {
  return {
    async add(reach: Reach, type: NotificationType, payload: Record<string, unknown>, at: number): Promise<void> {
      db.insert(outbox).values({ tenant: reach.tenant, type, payload, createdAt: at }).run();
    },
  };
}

export type OutboxStore = ReturnType<typeof createOutboxStore>;
