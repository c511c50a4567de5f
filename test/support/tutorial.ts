/** The customer the tutorial ends with, as both doors show it (the seeds' tutorial, step by step), and its session. */
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

/** The tutorial's first step, the new customer, as a REST body (CREATE_CUSTOMER below has the same in GraphQL). */
export const TUTORIAL_CREATE_BODY = {
  contactEmail: 'john.doe@example.com',
  title: 'MR',
  firstName: 'John',
  lastName: 'Doe',
  contactPhone: '123456789',
  company: 'Emporix',
  preferredLanguage: 'en_US',
  preferredCurrency: 'EUR',
  preferredSite: 'main',
  b2b: { companyRegistrationId: '123-456-789' },
};

// ---- The tutorial as GraphQL operations (docs/tutorial.md shows exactly these) ----

export const CREATE_CUSTOMER = /* GraphQL */ `
  mutation CreateCustomer {
    createCustomer(
      sendPasswordResetNotifications: true
      input: {
        contactEmail: "john.doe@example.com"
        title: "MR"
        firstName: "John"
        lastName: "Doe"
        contactPhone: "123456789"
        company: "Emporix"
        preferredLanguage: "en_US"
        preferredCurrency: "EUR"
        preferredSite: "main"
        b2b: { companyRegistrationId: "123-456-789" }
      }
    ) {
      id
    }
  }
`;

export const UPDATE_CUSTOMER = /* GraphQL */ `
  mutation UpdateCustomer($customerNumber: String!) {
    upsertCustomer(
      customerNumber: $customerNumber
      input: { contactEmail: "john.doe@emporix.com", firstName: "John", lastName: "Doe", preferredLanguage: "de_DE" }
    ) {
      created
      customer {
        id
      }
    }
  }
`;

export const ADD_ADDRESS = /* GraphQL */ `
  mutation AddAddress($customerNumber: String!) {
    addCustomerAddress(
      customerNumber: $customerNumber
      input: {
        contactName: "John Doe"
        companyName: "Emporix"
        street: "Platz der Republik"
        streetNumber: "1"
        zipCode: "11011"
        city: "Berlin"
        country: "DE"
        state: "Berlin"
        contactPhone: "123456789"
        tags: ["BILLING", "SHIPPING"]
        isDefault: true
      }
    ) {
      id
    }
  }
`;

export const TAG_ADDRESS = /* GraphQL */ `
  mutation TagAddress($customerNumber: String!, $addressId: ID!) {
    addCustomerAddressTags(customerNumber: $customerNumber, addressId: $addressId, tags: ["PRIMARY_CONTACT"]) {
      tags
    }
  }
`;

export const ACTIVATE_CUSTOMER = /* GraphQL */ `
  mutation ActivateCustomer($customerNumber: String!) {
    patchCustomer(customerNumber: $customerNumber, input: { active: true, onHold: false }) {
      active
    }
  }
`;

export const READ_CUSTOMER = /* GraphQL */ `
  query ReadCustomer($customerNumber: String!) {
    customer(customerNumber: $customerNumber) {
      title
      firstName
      lastName
      contactPhone
      company
      preferredLanguage
      preferredCurrency
      preferredSite
      metadata {
        version
      }
      customerNumber
      id
      contactEmail
      active
      onHold
      businessModel
      b2b {
        companyRegistrationId
        legalEntities {
          id
          name
          contactAssignmentId
        }
      }
      addresses {
        id
        contactName
        companyName
        street
        streetNumber
        zipCode
        city
        country
        state
        contactPhone
        tags
        isDefault
      }
      accounts {
        email
      }
    }
  }
`;

/** One step: runs an operation and answers its data, failing on any error. */
export type TutorialStep = (document: string, variables?: Record<string, unknown>) => Promise<Record<string, any>>;

/** `__typename`s left out, as clients that add them (Apollo Client, urql) answer them besides the fields asked for. */
export function withoutTypenames(value: unknown): any {
  if (Array.isArray(value)) return value.map(withoutTypenames);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== '__typename')
      .map(([key, item]) => [key, withoutTypenames(item)]),
  );
}

/** The tutorial's session through `step`, with what each step must answer; a fresh tenant each time. */
export async function runTutorial(step: TutorialStep): Promise<void> {
  const run = async (document: string, variables?: Record<string, unknown>) =>
    withoutTypenames(await step(document, variables));
  const { createCustomer } = await run(CREATE_CUSTOMER);
  const customerNumber: string = createCustomer.id;
  expect(customerNumber).toMatch(/^\d{8}$/);

  const { upsertCustomer } = await run(UPDATE_CUSTOMER, { customerNumber });
  expect(upsertCustomer).toEqual({ created: false, customer: { id: customerNumber } });

  const { addCustomerAddress } = await run(ADD_ADDRESS, { customerNumber });
  const addressId: string = addCustomerAddress.id;
  expect(addressId).toMatch(/^[0-9a-f]{10}$/);

  const { addCustomerAddressTags } = await run(TAG_ADDRESS, { customerNumber, addressId });
  expect(addCustomerAddressTags.tags).toEqual(['BILLING', 'SHIPPING', 'PRIMARY_CONTACT']);

  const { patchCustomer } = await run(ACTIVATE_CUSTOMER, { customerNumber });
  expect(patchCustomer).toEqual({ active: true });

  const { customer } = await run(READ_CUSTOMER, { customerNumber });
  expect(customer).toEqual({
    ...TUTORIAL_CUSTOMER,
    customerNumber,
    id: customerNumber,
    contactEmail: 'john.doe@emporix.com',
    addresses: [{ id: addressId, ...TUTORIAL_ADDRESS }],
    // The account keeps the email it was created with: changing contactEmail does not rename it.
    accounts: [{ email: 'john.doe@example.com' }],
  });
}
