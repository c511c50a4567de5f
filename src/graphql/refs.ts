/** Object refs of the schema, declared apart from their fields so that type files can reference each other. */
import type { MembershipRow } from '../store/legal-entities.js';
import type { AccountRow, AddressRow, CustomerRow, LegalEntityRow } from '../store/schema.js';
import { builder } from './builder.js';

/** A legal entity, seen either through a customer's assignment to it or on its own (federation). */
export interface LegalEntityView {
  entity: LegalEntityRow;
  assignmentId: string | null;
}

export const CustomerRef = builder.objectRef<CustomerRow>('Customer');
export const CustomerMetadataRef = builder.objectRef<CustomerRow>('CustomerMetadata');
export const CustomerB2BRef = builder.objectRef<{ customer: CustomerRow; memberships: MembershipRow[] }>('CustomerB2B');
export const LegalEntityRef = builder.objectRef<LegalEntityView>('LegalEntity');
export const AddressRef = builder.objectRef<AddressRow>('Address');
export const AccountRef = builder.objectRef<AccountRow>('Account');

export const BusinessModelEnum = builder.enumType('BusinessModel', {
  values: {
    B2B: { description: 'The customer is assigned to at least one legal entity (company).' },
    B2C: { description: 'The customer is assigned to no legal entity.' },
  } as const,
});
