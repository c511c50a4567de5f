/**
 * What reading a field asks of the caller beyond reaching its object, in every door: GraphQL's fields check it, and
 * REST leaves out of an answer what the caller may not read. The parts of a customer (CustomerParts) that a read
 * brings along follow from it.
 */
import type { Permission } from '../auth/scopes.js';
import type { CustomerParts } from '../domain/store.js';

export const CUSTOMER_FIELDS = {
  b2b: 'read',
  accounts: 'read',
  addresses: 'readAddresses',
  defaultAddress: 'readAddresses',
} as const satisfies Record<string, Permission>;

export const ADDRESS_FIELDS = { customer: 'read' } as const satisfies Record<string, Permission>;

/** An event's customer: a webhook scope shows events and deliveries, not the customers in them. */
export const EVENT_FIELDS = { customer: 'read' } as const satisfies Record<string, Permission>;

type Part = keyof CustomerParts;

/** Customer's fields that show a part. */
export const PART_OF_FIELD: Readonly<Record<string, Part>> = {
  addresses: 'addresses',
  defaultAddress: 'addresses',
  accounts: 'accounts',
  businessModel: 'memberships',
  b2b: 'memberships',
};

/** What reading a part asks: what its guarded field asks. A part the caller may not see is not read. */
export const PART_PERMISSION: Readonly<Record<Part, Permission>> = {
  addresses: CUSTOMER_FIELDS.addresses,
  accounts: CUSTOMER_FIELDS.accounts,
  memberships: CUSTOMER_FIELDS.b2b,
};
