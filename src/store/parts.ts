/** What both stores' part columns share (src/store/sqlite/parts.ts, src/store/postgres/parts.ts). */
import type { CustomerParts } from '../domain/store.js';

/** Whether `parts` asks for anything. */
export const asksForParts = (parts: CustomerParts | undefined): parts is CustomerParts =>
  parts !== undefined && (parts.addresses === true || parts.accounts === true || parts.memberships === true);
