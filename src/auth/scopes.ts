/**
 * The OAuth scopes of the Customer Service and what they allow (AUTH.md's table), and the caller's reach: the
 * customers an operation may touch. Own scopes count only on a customer token (one with `customer_id`).
 */
import type { Reach } from '../domain/store.js';

export const SCOPES = {
  read: 'customer.customer_read',
  readOwn: 'customer.customer_read_own',
  manage: 'customer.customer_manage',
  manageOwn: 'customer.customer_manage_own',
  create: 'customer.customer_create',
  update: 'customer.customer_update',
  delete: 'customer.customer_delete',
  webhookRead: 'webhook.subscription_read',
  webhookManage: 'webhook.subscription_manage',
} as const;

export const ALL_SCOPES: readonly string[] = Object.values(SCOPES);

/** The kinds of operation that the scope table distinguishes. */
export type Permission =
  | 'read'
  | 'readAddresses'
  | 'create'
  | 'update'
  | 'delete'
  | 'manageParts'
  | 'readWebhooks'
  | 'manageWebhooks';

/** For each permission: the scopes that allow it on every customer of the tenant, and those that allow it "own". */
export const PERMISSIONS: Record<Permission, { tenant: readonly string[]; own: readonly string[] }> = {
  read: { tenant: [SCOPES.read, SCOPES.manage], own: [SCOPES.readOwn, SCOPES.manageOwn] },
  readAddresses: { tenant: [SCOPES.read, SCOPES.manage], own: [] },
  create: { tenant: [SCOPES.manage, SCOPES.create], own: [SCOPES.manageOwn] },
  update: { tenant: [SCOPES.manage, SCOPES.update], own: [SCOPES.manageOwn] },
  delete: { tenant: [SCOPES.manage, SCOPES.update, SCOPES.delete], own: [SCOPES.manageOwn] },
  manageParts: { tenant: [SCOPES.manage, SCOPES.update], own: [] },
  // EVENTS.md's table: endpoints and their deliveries are the tenant's, never a customer's own.
  readWebhooks: { tenant: [SCOPES.webhookRead, SCOPES.webhookManage], own: [] },
  manageWebhooks: { tenant: [SCOPES.webhookManage], own: [] },
};

/** Who is calling, from a verified token. */
export interface Caller {
  readonly tenant: string;
  readonly subject: string;
  readonly scopes: ReadonlySet<string>;
  /** Present on a customer's own token: the customer number of the customer acting. */
  readonly customerId?: string | undefined;
  /** Narrows a customer token's "own company" to this legal entity. */
  readonly legalEntityId?: string | undefined;
  /** When the token expires (epoch milliseconds): what lasts beyond one request (a subscription) ends then. */
  readonly expiresAt?: number | undefined;
}

const holdsAny = (caller: Caller, scopes: readonly string[]) => scopes.some((scope) => caller.scopes.has(scope));

/** The reach a caller has for a permission, or undefined when its token holds no scope that allows it. */
export function reachFor(caller: Caller, permission: Permission): Reach | undefined {
  const allowed = PERMISSIONS[permission];
  if (holdsAny(caller, allowed.tenant)) return { tenant: caller.tenant };
  if (caller.customerId && holdsAny(caller, allowed.own)) {
    return {
      tenant: caller.tenant,
      company: { customerNumber: caller.customerId, legalEntityId: caller.legalEntityId },
    };
  }
  return undefined;
}

/** The scopes that would allow a permission, for FORBIDDEN errors. */
export function scopesAllowing(permission: Permission): string[] {
  const allowed = PERMISSIONS[permission];
  return [...allowed.tenant, ...allowed.own];
}
