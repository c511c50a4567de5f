/** The customer the tutorial ends with, as both doors show it (the seeds' tutorial, step by step). */
import { expect } from 'vitest';

export const TUTORIAL_ADDRESS = {
  contactName: 'John Doe',
  companyName: 'Emporix',
  street: 'Platz der Republik',
  streetNumber: '1',
  zipCode: '11011',
  city: 'Berlin',
  country: 'DE',
  state: 'Berlin',
  contactPhone: '123456789',
  tags: ['BILLING', 'SHIPPING', 'PRIMARY_CONTACT'],
  isDefault: true,
};

/** The profile after the tutorial: the upsert named neither phone, company, currency nor b2b, so they survive it. */
export const TUTORIAL_CUSTOMER = {
  title: 'MR',
  firstName: 'John',
  lastName: 'Doe',
  contactPhone: '123456789',
  company: 'Emporix',
  preferredLanguage: 'de_DE',
  preferredCurrency: 'EUR',
  preferredSite: 'main',
  // create with a contact email (2: the first account is a change), upsert, address, tag, patch.
  metadata: { version: 6 },
  active: true,
  onHold: false,
  businessModel: 'B2B',
  b2b: {
    companyRegistrationId: '123-456-789',
    legalEntities: [{ id: expect.any(String), name: 'Emporix', contactAssignmentId: expect.any(String) }],
  },
};
