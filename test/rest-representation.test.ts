/**
 * Customers, addresses and accounts as REST JSON (contract/REST.md "Customers as JSON"), against fixtures taken
 * from the seed's examples; the same fields as the GraphQL types of contract/schema.graphql; and the request bodies:
 * checked for shape and handed to the domain's own validation as exactly the input it takes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Account, Address, Customer, Membership } from '../src/domain/store.js';
import {
  parseAddressInput,
  parseAddressPatch,
  parseCustomerChanges,
  parseCustomerCreate,
  parseEmail,
} from '../src/domain/validation.js';
import { RestBadRequest } from '../src/rest/errors.js';
import { NO_EXPAND } from '../src/rest/params.js';
import {
  AccountJsonSchema,
  AddressJsonSchema,
  addressJson,
  CustomerJsonSchema,
  customerJson,
  LegalEntityJsonSchema,
} from '../src/domain/representation.js';
import {
  AccountBodySchema,
  AddressCreateBodySchema,
  AddressPatchBodySchema,
  AddressReplaceBodySchema,
  CustomerCreateBodySchema,
  CustomerUpdateBodySchema,
  parseBody,
  SearchBodySchema,
  toAddressInput,
  toAddressPatch,
  toAddressReplacement,
  toCustomerChanges,
  toCustomerCreate,
} from '../src/rest/representation.js';
import { ROOT } from './support/built-service.js';
import { newAddress, newCustomer } from './support/store.js';
import { TUTORIAL_CREATE_BODY, TUTORIAL_CUSTOMER } from './support/tutorial.js';

/** Every field readable, as for a tenant-wide reader. */
const READABLE = { b2b: true, defaultAddress: true, accounts: true };

const CREATED = Date.parse('2026-01-05T09:00:00.000Z');
const MODIFIED = Date.parse('2026-01-06T10:30:00.000Z');

/** The tutorial's customer (seeds/customer-service-tutorial.txt), as the domain's row. */
const JOHN: Customer = {
  pk: 1,
  tenant: 'mytenant',
  ...newCustomer('13869000', {
    title: 'MR',
    firstName: 'John',
    lastName: 'Doe',
    contactEmail: 'john.doe@emporix.com',
    contactPhone: '123456789',
    company: 'Emporix',
    preferredLanguage: 'de_DE',
    companyRegistrationId: '123-456-789',
    mixins: { loyalty: { level: 'gold' } },
    version: 6,
    createdAt: CREATED,
    modifiedAt: MODIFIED,
  }),
};

const BERLIN: Address = {
  pk: 10,
  tenant: 'mytenant',
  ...newAddress('e6eae2c789', 1, {
    contactName: 'John Doe',
    street: 'Platz der Republik',
    zipCode: '11011',
    state: 'Berlin',
    contactPhone: '123456789',
    tags: ['BILLING', 'SHIPPING', 'PRIMARY_CONTACT'],
    isDefault: true,
    createdAt: CREATED,
    modifiedAt: MODIFIED,
  }),
};

const WAREHOUSE: Address = {
  ...BERLIN,
  pk: 11,
  id: 'b05c20e034',
  contactName: 'Goods In',
  companyName: 'Emporix',
  street: null,
  streetNumber: null,
  streetAppendix: '',
  zipCode: null,
  state: null,
  tags: [],
  isDefault: false,
};

const MEMBERSHIP: Membership = {
  customerPk: 1,
  assignmentId: 'D436432',
  legalEntity: {
    pk: 5,
    tenant: 'mytenant',
    id: 'D165356',
    registrationId: '123-456-789',
    name: 'Emporix',
    createdAt: CREATED,
  },
};

const ACCOUNTS: Account[] = [
  {
    pk: 20,
    tenant: 'mytenant',
    id: 'acc-1',
    customerPk: 1,
    email: 'john.doe@emporix.com',
    providerId: null,
    createdAt: CREATED,
  },
  {
    pk: 21,
    tenant: 'mytenant',
    id: 'acc-2',
    customerPk: 1,
    email: 'john@social.example',
    providerId: 'google',
    createdAt: CREATED,
  },
];

/** The tutorial's answer to GET .../customers/13869000?expand=addresses,accounts (its addresses' ids as given). */
const TUTORIAL_ANSWER = {
  ...TUTORIAL_CUSTOMER,
  customerNumber: '13869000',
  id: '13869000',
  b2b: {
    companyRegistrationId: '123-456-789',
    legalEntities: [{ id: 'D165356', name: 'Emporix', contactAssignmentId: 'D436432' }],
  },
  addresses: [
    {
      id: 'e6eae2c789',
      contactName: 'John Doe',
      street: 'Platz der Republik',
      streetNumber: '1',
      zipCode: '11011',
      city: 'Berlin',
      country: 'DE',
      state: 'Berlin',
      contactPhone: '123456789',
      tags: ['BILLING', 'SHIPPING', 'PRIMARY_CONTACT'],
      isDefault: true,
      metadata: { version: 1 },
    },
  ],
};

/** The served schema (a superset of contract/schema.graphql, kept equal to the printed one by schema.test.ts). */
const SCHEMA = readFileSync(join(ROOT, 'schema/schema.graphql'), 'utf8');

/** The fields of a type of the served schema. */
function graphqlFields(type: string): string[] {
  const block = new RegExp(`type ${type} \\{([^}]*)\\}`).exec(SCHEMA)?.[1];
  if (!block) throw new Error(`no type ${type}`);
  return block
    .split('\n')
    .map((line) => /^\s+(\w+)[(:]/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

describe('a customer as JSON', () => {
  it("the tutorial's answer, with addresses and accounts expanded", () => {
    const json = customerJson(
      JOHN,
      { memberships: [MEMBERSHIP], addresses: [BERLIN], accounts: ACCOUNTS },
      { addresses: true, accounts: true, mixins: false },
      READABLE,
    );
    expect(json).toMatchObject(TUTORIAL_ANSWER);
    expect(json).toEqual({
      ...TUTORIAL_ANSWER,
      contactEmail: 'john.doe@emporix.com',
      metadata: { version: 6, createdAt: '2026-01-05T09:00:00.000Z', modifiedAt: '2026-01-06T10:30:00.000Z' },
      metadataCreatedAt: '2026-01-05T09:00:00.000Z',
      // The first login account's email (the official description's `email`).
      email: 'john.doe@emporix.com',
      defaultAddress: TUTORIAL_ANSWER.addresses[0],
      accounts: [{ id: 'john.doe@emporix.com' }, { id: 'john@social.example', providerId: 'google' }],
    });
    expect(CustomerJsonSchema.parse(json)).toEqual(json);
  });

  it('addresses, accounts and mixins only when expanded; no field without a value', () => {
    const json = customerJson(JOHN, { memberships: [MEMBERSHIP], addresses: [BERLIN] }, NO_EXPAND, READABLE);
    expect(Object.keys(json)).toEqual([
      'id',
      'customerNumber',
      'title',
      'firstName',
      'lastName',
      'contactEmail',
      'contactPhone',
      'company',
      'preferredLanguage',
      'preferredCurrency',
      'preferredSite',
      'active',
      'onHold',
      'businessModel',
      'b2b',
      'metadata',
      'metadataCreatedAt',
      'defaultAddress',
    ]);
    expect(customerJson(JOHN, { memberships: [] }, { ...NO_EXPAND, mixins: true }, READABLE).mixins).toEqual({
      loyalty: { level: 'gold' },
    });
    expect(
      customerJson({ ...JOHN, mixins: null }, { memberships: [] }, { ...NO_EXPAND, mixins: true }, READABLE).mixins,
    ).toEqual({});
    expect(
      customerJson(JOHN, { memberships: [], addresses: [] }, { ...NO_EXPAND, addresses: true }, READABLE).addresses,
    ).toEqual([]);
  });

  it('a B2C customer without a registration id has no b2b; one with only an id has no legal entities', () => {
    const b2c = { ...JOHN, companyRegistrationId: null, title: null, company: null };
    const json = customerJson(b2c, { memberships: [] }, NO_EXPAND, READABLE);
    expect(json.businessModel).toBe('B2C');
    expect(json).not.toHaveProperty('b2b');
    expect(json).not.toHaveProperty('title');
    expect(json).not.toHaveProperty('company');
    expect(json).not.toHaveProperty('middleName');
    expect(customerJson(JOHN, { memberships: [] }, NO_EXPAND, READABLE)).toMatchObject({
      businessModel: 'B2C',
      b2b: { companyRegistrationId: '123-456-789', legalEntities: [] },
    });
    const nameless = { ...MEMBERSHIP, legalEntity: { ...MEMBERSHIP.legalEntity, name: null } };
    expect(
      customerJson({ ...JOHN, companyRegistrationId: null }, { memberships: [nameless] }, NO_EXPAND, READABLE).b2b,
    ).toEqual({
      legalEntities: [{ id: 'D165356', contactAssignmentId: 'D436432' }],
    });
  });

  it('defaultAddress: the default one, only when the token may read addresses', () => {
    expect(
      customerJson(JOHN, { memberships: [], addresses: [WAREHOUSE, BERLIN] }, NO_EXPAND, READABLE).defaultAddress?.id,
    ).toBe('e6eae2c789');
    expect(customerJson(JOHN, { memberships: [], addresses: [WAREHOUSE] }, NO_EXPAND, READABLE)).not.toHaveProperty(
      'defaultAddress',
    );
    expect(customerJson(JOHN, { memberships: [] }, NO_EXPAND, READABLE)).not.toHaveProperty('defaultAddress');
  });

  it("email is the first login account's, shown only to a token that may read accounts", () => {
    const withAccounts = { memberships: [], accounts: ACCOUNTS };
    expect(customerJson(JOHN, withAccounts, NO_EXPAND, READABLE).email).toBe('john.doe@emporix.com');
    expect(customerJson(JOHN, withAccounts, NO_EXPAND, { ...READABLE, accounts: false })).not.toHaveProperty('email');
    expect(customerJson(JOHN, { memberships: [], accounts: [] }, NO_EXPAND, READABLE)).not.toHaveProperty('email');
  });

  it('a part that expand asks for must be given', () => {
    expect(() => customerJson(JOHN, { memberships: [] }, { ...NO_EXPAND, addresses: true }, READABLE)).toThrow(
      /expand=addresses/,
    );
    expect(() => customerJson(JOHN, { memberships: [] }, { ...NO_EXPAND, accounts: true }, READABLE)).toThrow(
      /expand=accounts/,
    );
  });
});

describe('an address as JSON', () => {
  it("the seed reference's address, empty strings kept and nulls left out", () => {
    expect(addressJson(WAREHOUSE)).toEqual({
      id: 'b05c20e034',
      contactName: 'Goods In',
      companyName: 'Emporix',
      streetAppendix: '',
      city: 'Berlin',
      country: 'DE',
      contactPhone: '123456789',
      tags: [],
      isDefault: false,
      metadata: { version: 1 },
    });
    expect(AddressJsonSchema.parse(addressJson(BERLIN))).toEqual(addressJson(BERLIN));
  });
});

describe('the same data as the GraphQL API', () => {
  // REST's metadata.mixins is GraphQL's mixinSchemas (the official description nests the links under metadata), and
  // its metadataCreatedAt is metadata.createdAt again, under the description's name.
  it('a customer has the fields of GraphQL Customer', () => {
    const rest = Object.keys(CustomerJsonSchema.shape).filter(
      (field) => !['metadataCreatedAt', 'email'].includes(field),
    );
    expect([...rest, 'mixinSchemas'].sort()).toEqual(graphqlFields('Customer').sort());
    expect(Object.keys(CustomerJsonSchema.shape.metadata.shape).sort()).toEqual(
      [...graphqlFields('CustomerMetadata'), 'mixins'].sort(),
    );
    expect(Object.keys(CustomerJsonSchema.shape.b2b.unwrap().shape).sort()).toEqual(
      graphqlFields('CustomerB2B').sort(),
    );
    expect(Object.keys(LegalEntityJsonSchema.shape).sort()).toEqual(graphqlFields('LegalEntity').sort());
  });

  it('an address those of GraphQL Address but its customer', () => {
    expect([...Object.keys(AddressJsonSchema.shape), 'mixinSchemas'].sort()).toEqual(
      graphqlFields('Address')
        .filter((f) => f !== 'customer')
        .sort(),
    );
    expect(Object.keys(AddressJsonSchema.shape.metadata.shape).sort()).toEqual(
      [...graphqlFields('AddressMetadata'), 'mixins'].sort(),
    );
  });

  it("an account is REST.md's {id: email, providerId}", () => {
    expect(Object.keys(AccountJsonSchema.shape)).toEqual(['id', 'providerId']);
  });

  it('the bodies take the fields of the GraphQL inputs, and REST names for the rest', () => {
    const inputFields = (input: string) =>
      /input \w+ \{([^}]*)\}/
        .exec(SCHEMA.slice(SCHEMA.indexOf(`input ${input} {`)))![1]!
        .split('\n')
        .map((line) => /^\s+(\w+):/.exec(line)?.[1])
        .filter((name): name is string => name !== undefined)
        .sort();
    // GraphQL's mixinSchemas is REST's metadata.mixins.
    const keys = (schema: { shape: object }) =>
      Object.keys(schema.shape)
        .map((key) => (key === 'metadata' ? 'mixinSchemas' : key))
        .sort();
    expect(keys(CustomerCreateBodySchema)).toEqual([...inputFields('CustomerCreateInput'), 'customerNumber'].sort());
    expect(keys(CustomerUpdateBodySchema)).toEqual(
      [...inputFields('CustomerUpsertInput'), 'id', 'customerNumber'].sort(),
    );
    expect(inputFields('CustomerPatchInput')).toEqual(inputFields('CustomerUpsertInput'));
    expect(keys(AddressCreateBodySchema)).toEqual(inputFields('AddressInput'));
    expect(keys(AddressReplaceBodySchema)).toEqual(inputFields('AddressInput'));
    expect(keys(AddressPatchBodySchema)).toEqual([...inputFields('AddressPatchInput'), 'id'].sort());
  });
});

/** The 400 that parsing a body throws: its message and details. */
function rejected(run: () => unknown): {
  message: string;
  details: { field: string; type: string; message: string }[];
} {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(RestBadRequest);
    const body = (error as RestBadRequest).body();
    return { message: body.message, details: body.details ?? [] };
  }
  throw new Error('the body was accepted');
}

describe('request bodies', () => {
  it("the tutorial's create body becomes the domain's create input, which the domain accepts", () => {
    const body = TUTORIAL_CREATE_BODY;
    const input = toCustomerCreate(parseBody(CustomerCreateBodySchema, body));
    expect(input).toEqual(body);
    expect(parseCustomerCreate(input)).toEqual(body);
  });

  it('a custom number as id or customerNumber (equal when both)', () => {
    expect(toCustomerCreate(parseBody(CustomerCreateBodySchema, { id: 'C-1' }))).toEqual({ id: 'C-1' });
    expect(toCustomerCreate(parseBody(CustomerCreateBodySchema, { customerNumber: 'C-1' }))).toEqual({ id: 'C-1' });
    expect(toCustomerCreate(parseBody(CustomerCreateBodySchema, { id: 'C-1', customerNumber: 'C-1' }))).toEqual({
      id: 'C-1',
    });
    expect(rejected(() => toCustomerCreate({ id: 'C-1', customerNumber: 'C-2' })).details).toEqual([
      { field: 'customerNumber', type: 'invalid_value', message: 'must equal id when both are given' },
    ]);
    expect(parseCustomerCreate(toCustomerCreate({ customerNumber: 'C-1', lastName: 'Doe' }))).toEqual({
      id: 'C-1',
      lastName: 'Doe',
    });
  });

  it('PUT and PATCH: the changes, metadata.version as the expected version, nulls passed for the domain to judge', () => {
    const body = parseBody(CustomerUpdateBodySchema, {
      contactEmail: 'new@example.com',
      company: null,
      preferredLanguage: 'de_DE',
      metadata: { version: 6 },
    });
    const { changes, expectedVersion } = toCustomerChanges(body, '13869000');
    expect(changes).toEqual({ contactEmail: 'new@example.com', company: null, preferredLanguage: 'de_DE' });
    expect(expectedVersion).toBe(6);
    expect(parseCustomerChanges(changes)).toEqual(changes);
    expect(
      toCustomerChanges(parseBody(CustomerUpdateBodySchema, { active: true }), '1').expectedVersion,
    ).toBeUndefined();
    // null where the domain takes none: the domain's 400, in REST field names.
    const { changes: nulls } = toCustomerChanges(parseBody(CustomerUpdateBodySchema, { active: null }), '1');
    expect(() => parseCustomerChanges(nulls)).toThrow(/active/);
  });

  it("PUT and PATCH: an id or customerNumber in the body must be the path's", () => {
    expect(toCustomerChanges({ id: '13869000', customerNumber: '13869000', active: true }, '13869000').changes).toEqual(
      {
        active: true,
      },
    );
    expect(rejected(() => toCustomerChanges({ customerNumber: 'other' }, '13869000'))).toEqual({
      message: 'Invalid body: customerNumber is not the one of the path.',
      details: [
        { field: 'customerNumber', type: 'invalid_value', message: 'must equal the path\'s "13869000" when given' },
      ],
    });
    expect(rejected(() => toCustomerChanges({ id: 'other' }, '13869000')).details[0]!.field).toBe('id');
  });

  it('unknown properties are a 400, read-only ones named as such', () => {
    expect(
      rejected(() =>
        parseBody(CustomerUpdateBodySchema, {
          lastName: 'Doe',
          nickname: 'JD',
          businessModel: 'B2B',
          metadata: { version: 3, createdAt: '2026-01-01T00:00:00Z' },
          b2b: { companyRegistrationId: 'x', legalEntities: [] },
        }),
      ),
    ).toEqual({
      message:
        'Invalid body: b2b.legalEntities is read-only; metadata.createdAt is read-only; nickname is not a property of this body; businessModel is read-only',
      details: [
        { field: 'b2b.legalEntities', type: 'read_only', message: 'is read-only' },
        { field: 'metadata.createdAt', type: 'read_only', message: 'is read-only' },
        { field: 'nickname', type: 'unknown_field', message: 'is not a property of this body' },
        { field: 'businessModel', type: 'read_only', message: 'is read-only' },
      ],
    });
    // A new customer's metadata may hold its mixins' schemas (the official description), not a version.
    expect(rejected(() => parseBody(CustomerCreateBodySchema, { metadata: { version: 1 } })).details).toEqual([
      { field: 'metadata.version', type: 'read_only', message: 'is read-only' },
    ]);
    // Names an object has by its prototype are unknown properties like any other.
    expect(rejected(() => parseBody(CustomerCreateBodySchema, JSON.parse('{"constructor": 1}'))).details).toEqual([
      { field: 'constructor', type: 'unknown_field', message: 'is not a property of this body' },
    ]);
    expect(rejected(() => parseBody(AccountBodySchema, { email: 'a@b.c', providerId: 'x' })).details).toEqual([
      { field: 'providerId', type: 'unknown_field', message: 'is not a property of this body' },
    ]);
  });

  it('a property of the wrong JSON type, or a required one missing, is a 400 naming it', () => {
    expect(
      rejected(() => parseBody(CustomerCreateBodySchema, { firstName: 1, active: 'yes', mixins: [1], b2b: 'x' }))
        .details,
    ).toEqual([
      { field: 'firstName', type: 'invalid_value', message: 'must be a string' },
      { field: 'active', type: 'invalid_value', message: 'must be true or false' },
      { field: 'b2b', type: 'invalid_value', message: 'must be a JSON object' },
      { field: 'mixins', type: 'invalid_value', message: 'must be a JSON object' },
    ]);
    // The official description requires contactName only.
    expect(rejected(() => parseBody(AddressCreateBodySchema, { city: 'Berlin' }))).toEqual({
      message: 'Invalid body: contactName is required',
      details: [{ field: 'contactName', type: 'missing', message: 'is required' }],
    });
    expect(
      rejected(() => parseBody(AddressCreateBodySchema, { contactName: 'J', country: 'DE', tags: ['A', 2] })).details,
    ).toEqual([{ field: 'tags[1]', type: 'invalid_value', message: 'must be a string' }]);
    expect(rejected(() => parseBody(CustomerUpdateBodySchema, { metadata: { version: 1.5 } })).details).toEqual([
      { field: 'metadata.version', type: 'invalid_value', message: expect.stringMatching(/whole number|int/) },
    ]);
    expect(rejected(() => parseBody(AccountBodySchema, {})).details).toEqual([
      { field: 'email', type: 'missing', message: 'is required' },
    ]);
    expect(rejected(() => parseBody(SearchBodySchema, 'q=x')).details).toEqual([
      { field: 'body', type: 'invalid_value', message: 'must be a JSON object' },
    ]);
  });

  it("the seed's address body becomes the domain's address input", () => {
    const body = {
      contactName: 'John Doe',
      companyName: 'Emporix',
      street: 'Platz der Republik',
      streetNumber: '1',
      streetAppendix: '',
      extraLine1: '',
      extraLine2: '',
      extraLine3: '',
      extraLine4: '',
      zipCode: '11011',
      city: 'Berlin',
      country: 'DE',
      state: 'Berlin',
      contactPhone: '123456789',
      tags: ['BILLING', 'SHIPPING'],
      isDefault: true,
    };
    const input = toAddressInput(parseBody(AddressCreateBodySchema, body));
    expect(input).toEqual(body);
    expect(parseAddressInput(input)).toEqual(body);
    expect(
      parseAddressInput(toAddressInput(parseBody(AddressCreateBodySchema, { ...body, id: 'my-address' }))),
    ).toMatchObject({
      id: 'my-address',
    });
  });

  it("an address PUT hands its body to the domain (whose rule holds an id to the path's); a PATCH only the fields given", () => {
    const put = toAddressReplacement(
      parseBody(AddressReplaceBodySchema, { contactName: 'J', country: 'de', metadata: { version: 3 } }),
    );
    expect(put).toEqual({ input: { contactName: 'J', country: 'de' }, expectedVersion: 3 });
    expect(parseAddressInput(put.input)).toEqual({ contactName: 'J', country: 'DE' });
    // addresses.upsert refuses an id that is not the path's (test/rest.test.ts, test/addresses.test.ts).
    expect(toAddressReplacement({ id: 'a2', contactName: 'J', country: 'DE' })).toEqual({
      input: { id: 'a2', contactName: 'J', country: 'DE' },
      expectedVersion: undefined,
    });
    const patch = toAddressPatch(parseBody(AddressPatchBodySchema, { id: 'a1', city: null, tags: ['X'] }), 'a1');
    expect(patch).toEqual({ input: { city: null, tags: ['X'] }, expectedVersion: undefined });
    expect(parseAddressPatch(patch.input)).toEqual({ city: null, tags: ['X'] });
    expect(rejected(() => toAddressPatch({ id: 'a2' }, 'a1')).details[0]).toMatchObject({ field: 'id' });
  });

  it('the account and search bodies', () => {
    const { email } = parseBody(AccountBodySchema, { email: 'john.doe@example.com' });
    expect(parseEmail(email)).toBe('john.doe@example.com');
    expect(parseBody(SearchBodySchema, { q: 'lastName:Doe' })).toEqual({ q: 'lastName:Doe' });
    expect(parseBody(SearchBodySchema, {})).toEqual({});
  });
});
