/** What both stores' part columns share (src/store/sqlite/parts.ts, src/store/postgres/parts.ts). */
import type { CustomerParts, LegalEntity, Membership } from '../domain/store.js';

/** Whether `parts` asks for anything. */
export const asksForParts = (parts: CustomerParts | undefined): parts is CustomerParts =>
  parts !== undefined && (parts.addresses === true || parts.accounts === true || parts.memberships === true);

/** A membership from the values a part column holds for it: the customer's pk, the assignment's id, the entity's columns. */
export const membershipOf = (
  values: readonly unknown[],
  legalEntity: (values: readonly unknown[], offset: number) => LegalEntity,
): Membership => ({
  customerPk: values[0] as number,
  assignmentId: values[1] as string,
  legalEntity: legalEntity(values, 2),
});
