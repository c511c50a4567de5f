/** Object refs of the schema, declared apart from their fields so that type files can reference each other. */
import type { Account, Address, Customer, LegalEntity, Membership, StoredEvent } from '../domain/store.js';
import { builder } from './builder.js';

/** A legal entity, seen either through a customer's assignment to it or on its own (federation). */
export interface LegalEntityView {
  entity: LegalEntity;
  assignmentId: string | null;
}

export const CustomerRef = builder.objectRef<Customer>('Customer');
export const CustomerMetadataRef = builder.objectRef<Customer>('CustomerMetadata');
export const CustomerB2BRef = builder.objectRef<{ customer: Customer; memberships: Membership[] }>('CustomerB2B');
export const LegalEntityRef = builder.objectRef<LegalEntityView>('LegalEntity');
export const AddressRef = builder.objectRef<Address>('Address');
export const AccountRef = builder.objectRef<Account>('Account');

export const BusinessModelEnum = builder.enumType('BusinessModel', {
  values: {
    B2B: { description: 'The customer is assigned to at least one legal entity (company).' },
    B2C: { description: 'The customer is assigned to no legal entity.' },
  } as const,
});

/**
 * An event as GraphQL shows it. `withinReach`: it came from a read within the caller's reach (the pull query, the
 * subscription); one reached through a webhook delivery is checked again before its customer is shown.
 */
export interface EventView {
  event: StoredEvent;
  withinReach: boolean;
}
export const CustomerEventRef = builder.objectRef<EventView>('CustomerEvent');
