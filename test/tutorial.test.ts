/**
 * The Customer Service tutorial as GraphQL operations over HTTP: create a customer, update its profile, add an
 * address, tag it, activate the customer, read it back. docs/tutorial.md's worked session shows exactly these
 * operations (checked below), and what it says about running the session twice holds.
 */
import { readFileSync } from 'node:fs';
import { parse, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, startTestServer, type GraphQLResponse, type TestServer } from './helpers.js';
import { TUTORIAL_ADDRESS, TUTORIAL_CUSTOMER } from './support/tutorial.js';

const CREATE_CUSTOMER = /* GraphQL */ `
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

const UPDATE_CUSTOMER = /* GraphQL */ `
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

const ADD_ADDRESS = /* GraphQL */ `
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

const TAG_ADDRESS = /* GraphQL */ `
  mutation TagAddress($customerNumber: String!, $addressId: ID!) {
    addCustomerAddressTags(customerNumber: $customerNumber, addressId: $addressId, tags: ["PRIMARY_CONTACT"]) {
      tags
    }
  }
`;

const ACTIVATE_CUSTOMER = /* GraphQL */ `
  mutation ActivateCustomer($customerNumber: String!) {
    patchCustomer(customerNumber: $customerNumber, input: { active: true, onHold: false }) {
      active
    }
  }
`;

const READ_CUSTOMER = /* GraphQL */ `
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

/** The tutorial's employee token: a technical client, no customer_id. */
const TUTORIAL_SCOPES = 'customer.customer_manage customer.customer_manage_own';

let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startTestServer();
  token = await server.token({ scope: TUTORIAL_SCOPES, sub: 'tutorial-client' });
});
afterAll(() => server.close());

/** Runs one step of the session and insists that it succeeded. */
async function step<T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response: GraphQLResponse<T> = await server.gql<T>(query, variables, { token });
  expect(response.errors).toBeUndefined();
  expect(response.status).toBe(200);
  return response.data!;
}

describe('the Customer Service tutorial over GraphQL', () => {
  it('creates, updates, addresses, tags, activates and reads back a customer as the tutorial shows', async () => {
    const { createCustomer } = await step(CREATE_CUSTOMER);
    const customerNumber: string = createCustomer.id;
    expect(customerNumber).toMatch(/^\d{8}$/);

    const { upsertCustomer } = await step(UPDATE_CUSTOMER, { customerNumber });
    expect(upsertCustomer).toEqual({ created: false, customer: { id: customerNumber } });

    const { addCustomerAddress } = await step(ADD_ADDRESS, { customerNumber });
    const addressId: string = addCustomerAddress.id;
    expect(addressId).toMatch(/^[0-9a-f]{10}$/);

    const { addCustomerAddressTags } = await step(TAG_ADDRESS, { customerNumber, addressId });
    expect(addCustomerAddressTags.tags).toEqual(['BILLING', 'SHIPPING', 'PRIMARY_CONTACT']);

    const { patchCustomer } = await step(ACTIVATE_CUSTOMER, { customerNumber });
    expect(patchCustomer).toEqual({ active: true });

    const { customer } = await step(READ_CUSTOMER, { customerNumber });
    expect(customer).toEqual({
      ...TUTORIAL_CUSTOMER,
      customerNumber,
      id: customerNumber,
      contactEmail: 'john.doe@emporix.com',
      addresses: [{ id: addressId, ...TUTORIAL_ADDRESS }],
      // The account keeps the email it was created with: changing contactEmail does not rename it.
      accounts: [{ email: 'john.doe@example.com' }],
    });
  });
});

const SESSION = [CREATE_CUSTOMER, UPDATE_CUSTOMER, ADD_ADDRESS, TAG_ADDRESS, ACTIVATE_CUSTOMER, READ_CUSTOMER];

describe("docs/tutorial.md's worked session", () => {
  it('shows exactly the operations this test runs, in order', () => {
    const tutorial = readFileSync(new URL('../docs/tutorial.md', import.meta.url), 'utf8');
    const shown = [...tutorial.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => print(parse(m[1]!)));
    expect(shown).toEqual(SESSION.map((document) => print(parse(document))));
  });

  it('runs a second time as it says: step 1 conflicts on the email, and passes with another one', async () => {
    // The first run is the test above; each run of this file starts on a fresh database.
    const again = await server.gql(CREATE_CUSTOMER, {}, { token });
    expect({ codes: codes(again), message: again.errors?.[0]?.message }).toEqual({
      codes: ['CONFLICT'],
      message: 'An account with email john.doe@example.com already exists.',
    });
    const otherEmail = CREATE_CUSTOMER.replace('john.doe@example.com', 'john.doe+2@example.com');
    expect((await step(otherEmail)).createCustomer.id).toMatch(/^\d{8}$/);
  });
});
