/** The outbox: notifications written in the transaction of the change that causes them, sent by a relay later. */
import type { Db } from './db.js';
import type { Reach } from './reach.js';
import { outbox } from './schema.js';

export type NotificationType = 'PASSWORD_RESET';

export function createOutboxStore(db: Db) {
  return {
    add(reach: Reach, type: NotificationType, payload: Record<string, unknown>, now: number): void {
      db.insert(outbox).values({ tenant: reach.tenant, type, payload, createdAt: now }).run();
    },
  };
}

export type OutboxStore = ReturnType<typeof createOutboxStore>;
