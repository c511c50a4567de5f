/**
 * The customer and account rules of issue 2, over HTTP against the real service: numbers, accounts and emails,
 * defaults, the password-reset event, upsert/patch semantics, versions, B2B legal entities, delete, validation,
 * "invalid input writes nothing", and tenant isolation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, expectError, ok, STORE, startTestServer, type GraphQLResponse, type TestServer } from './helpers.js';

const CUSTOMER = /* GraphQL */ `
  id customerNumber title firstName middleName lastName contactEmail contactPhone company
  preferredLanguage preferredCurrency preferredSite active onHold type photoUrl businessModel mixins
  b2b { companyRegistrationId legalEntities { id name contactAssignmentId } }
  metadata { version createdAt modifiedAt }
  accounts { id email providerId createdAt }
`;
const CREATE = `mutation($input: CustomerCreateInput!, $send: Boolean) {
  createCustomer(input: $input, sendPasswordResetNotifications: $send) { ${CUSTOMER} } }`;
const UPSERT = `mutation($n: String!, $input: CustomerUpsertInput!, $v: Int) {
  upsertCustomer(customerNumber: $n, input: $input, expectedVersion: $v) { created customer { ${CUSTOMER} } } }`;
const PATCH = `mutation($n: String!, $input: CustomerPatchInput!, $v: Int) {
  patchCustomer(customerNumber: $n, input: $input, expectedVersion: $v) { ${CUSTOMER} } }`;
const DELETE = `mutation($n: String!) {
  deleteCustomer(customerNumber: $n) { customerNumber deletedAddresses deletedAccounts } }`;
const ASSIGN = `mutation($n: String!, $email: String!) {
  assignCustomerAccount(customerNumber: $n, email: $email) { id email providerId createdAt } }`;
const READ = `query($n: String!) { customer(customerNumber: $n) { ${CUSTOMER} } }`;
const LIST = `query($s: String!) { customers(filter: { search: $s }) { totalCount edges { node { id } } } }`;

const ADD_ADDRESS = `mutation($n: String!, $input: AddressInput!) {
  addCustomerAddress(customerNumber: $n, input: $input) { id } }`;
const PATCH_ADDRESS = `mutation($n: String!, $a: ID!, $input: AddressPatchInput!) {
  patchCustomerAddress(customerNumber: $n, addressId: $a, input: $input) { id } }`;
const DELETE_ADDRESS = `mutation($n: String!, $a: ID!) {
  deleteCustomerAddress(customerNumber: $n, addressId: $a) { addressId } }`;
const ADD_TAGS = `mutation($n: String!, $a: ID!, $tags: [String!]!) {
  addCustomerAddressTags(customerNumber: $n, addressId: $a, tags: $tags) { tags } }`;
const REMOVE_TAGS = `mutation($n: String!, $a: ID!, $tags: [String!]!) {
  removeCustomerAddressTags(customerNumber: $n, addressId: $a, tags: $tags) { tags } }`;

type Customer = Record<string, any>;
type Options = { token?: string };

let server: TestServer;
/** A token of another tenant, "globex". */
let otherTenant: string;

beforeAll(async () => {
  server = await startTestServer();
  otherTenant = await server.token({ tenant: 'globex' });
});
afterAll(() => server.close());

let counter = 0;
/** A fresh email (or id) for each use, so that tests never collide on the tenant-wide uniqueness rules. */
const unique = (prefix: string) => `${prefix}${++counter}`;
const freshEmail = () => `${unique('user')}@example.com`;

const createCustomer = (input: Customer, options: Options & { send?: boolean } = {}) =>
  server.gql(CREATE, { input, send: options.send }, options);
const upsertCustomer = (n: string, input: Customer, options: Options & { expectedVersion?: number } = {}) =>
  server.gql(UPSERT, { n, input, v: options.expectedVersion }, options);
const patchCustomer = (n: string, input: Customer, options: Options & { expectedVersion?: number } = {}) =>
  server.gql(PATCH, { n, input, v: options.expectedVersion }, options);
const deleteCustomer = (n: string, options: Options = {}) => server.gql(DELETE, { n }, options);
const assignAccount = (n: string, email: string, options: Options = {}) => server.gql(ASSIGN, { n, email }, options);
const addAddress = (n: string, input: Customer = { contactName: 'Jo', country: 'DE' }, options: Options = {}) =>
  server.gql(ADD_ADDRESS, { n, input }, options);
const patchAddress = (n: string, a: string, input: Customer) => server.gql(PATCH_ADDRESS, { n, a, input });
const deleteAddress = (n: string, a: string) => server.gql(DELETE_ADDRESS, { n, a });
const addTags = (n: string, a: string, tags: string[]) => server.gql(ADD_TAGS, { n, a, tags });
const removeTags = (n: string, a: string, tags: string[]) => server.gql(REMOVE_TAGS, { n, a, tags });

/** Creates a customer and returns it. */
async function created(input: Customer = {}, options: Options & { send?: boolean } = {}): Promise<Customer> {
  return ok(await createCustomer(input, options));
}

async function read(n: string, options: Options = {}): Promise<Customer | null> {
  return ok<Customer | null>(await server.gql(READ, { n }, options));
}

/** Raw SQL on the service's own database (`?` placeholders). */
const query = (sql: string, params: unknown[] = []) => server.service.store.query(sql, params);
const TABLES = [
  'customers',
  'addresses',
  'accounts',
  'legal_entities',
  'customer_legal_entities',
  // Every number ever claimed, with the time its customer was deleted.
  'customer_numbers',
  'events',
];

/** Every row of every table: "writes nothing" means this is the same before and after. */
const dump = async () =>
  Object.fromEntries(
    await Promise.all(TABLES.map(async (table) => [table, await query(`SELECT * FROM ${table} ORDER BY 1, 2`)])),
  );

/** The password resets announced for one customer, as the event log holds them. */
const resetsOf = async (customerNumber: string) =>
  (await query(`SELECT tenant, type, payload FROM events WHERE type = 'customer.password-reset' ORDER BY pk`))
    .map((row: any) => ({ ...row, payload: typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload }))
    .filter((row) => row.payload.data.customerNumber === customerNumber);

const modifiedAt = (customer: Customer) => Date.parse(customer.metadata.modifiedAt);

describe('customer numbers', () => {
  it('generates a unique 8-digit number, which is also the id', async () => {
    const first = await created();
    const second = await created();
    expect(first.customerNumber).toMatch(/^\d{8}$/);
    expect(first.id).toBe(first.customerNumber);
    expect(second.customerNumber).not.toBe(first.customerNumber);
  });

  it('takes a custom id of 1..66 letters, digits, _ and -', async () => {
    const id = `${unique('Custom_id-')}${'x'.repeat(40)}`;
    expect((await created({ id })).customerNumber).toBe(id);
    expect((await created({ id: 'a'.repeat(66) })).customerNumber).toBe('a'.repeat(66));
    expectError(await createCustomer({ id: 'a'.repeat(67) }), 'BAD_USER_INPUT', ['input.id']);
    expectError(await createCustomer({ id: 'with space' }), 'BAD_USER_INPUT', ['input.id']);
    expectError(await createCustomer({ id: 'ümlaut' }), 'BAD_USER_INPUT', ['input.id']);
  });

  it('refuses a custom id that is already taken (CONFLICT)', async () => {
    const id = unique('taken-');
    await created({ id, firstName: 'First' });
    const again = await createCustomer({ id, firstName: 'Second' });
    expectError(again, 'CONFLICT');
    expect(again.status).toBe(409);
    expect((await read(id))!.firstName).toBe('First');
  });

  it("never reuses a deleted customer's number, neither by create nor by upsert (CONFLICT)", async () => {
    const id = unique('gone-');
    await created({ id });
    ok(await deleteCustomer(id));
    expectError(await createCustomer({ id }), 'CONFLICT');
    expectError(await upsertCustomer(id, { firstName: 'Back' }), 'CONFLICT');
    expect(await read(id)).toBeNull();
  });
});

describe('create', () => {
  it('applies the defaults', async () => {
    const customer = await created({ firstName: 'Ada' });
    expect(customer).toMatchObject({
      title: null,
      middleName: null,
      contactEmail: null,
      company: null,
      active: false,
      onHold: false,
      preferredLanguage: 'en_US',
      preferredCurrency: 'USD',
      preferredSite: 'main',
      businessModel: 'B2C',
      b2b: null,
      mixins: null,
      type: null,
      photoUrl: null,
      accounts: [],
      metadata: { version: 1 },
    });
    expect(customer.metadata.createdAt).toBe(customer.metadata.modifiedAt);
  });

  it("takes the official description's type (CUSTOMER or CONTACT) and photoUrl (http or https), and checks them", async () => {
    const customer = await created({ type: 'CONTACT', photoUrl: 'https://example.com/ada.png' });
    expect(customer).toMatchObject({ type: 'CONTACT', photoUrl: 'https://example.com/ada.png' });
    const patched = ok(
      await patchCustomer(customer.customerNumber, { type: null, photoUrl: 'http://example.com/b.jpg' }),
    );
    expect(patched).toMatchObject({ type: null, photoUrl: 'http://example.com/b.jpg' });
    expectError(await patchCustomer(customer.customerNumber, { photoUrl: 'javascript:alert(1)' }), 'BAD_USER_INPUT', [
      'input.photoUrl',
    ]);
    // An enum: GraphQL itself refuses another value, before any resolver runs.
    const refused = await patchCustomer(customer.customerNumber, { type: 'PARTNER' });
    expect(refused.errors?.[0]?.message).toMatch(/CustomerType/);
  });

  it('makes the contact email the first account, counted as a change (version 2)', async () => {
    const email = freshEmail();
    const customer = await created({ contactEmail: email });
    expect(customer.accounts).toEqual([
      { id: expect.any(String), email, providerId: null, createdAt: customer.metadata.createdAt },
    ]);
    expect(customer.metadata.version).toBe(2);
  });

  it('announces a password reset for the new account in the event log', async () => {
    const email = freshEmail();
    const customer = await created({ contactEmail: email });
    expect(await resetsOf(customer.customerNumber)).toEqual([
      {
        tenant: 'acme',
        type: 'customer.password-reset',
        payload: {
          data: {
            tenant: 'acme',
            customerNumber: customer.customerNumber,
            accountId: customer.accounts[0].id,
            email,
            site: 'main',
          },
        },
      },
    ]);
  });

  it('announces none with sendPasswordResetNotifications: false, nor without an email', async () => {
    const quiet = await created({ contactEmail: freshEmail() }, { send: false });
    expect(quiet.accounts).toHaveLength(1);
    expect(await resetsOf(quiet.customerNumber)).toEqual([]);
    const noEmail = await created({ firstName: 'No email' });
    expect(await resetsOf(noEmail.customerNumber)).toEqual([]);
  });

  it('writes the password reset in the same transaction as the customer: if it fails, nothing is written', async () => {
    const email = freshEmail();
    // Fault injection in the real database: the event log refuses this one password reset.
    if (STORE === 'postgres') {
      await query(`CREATE FUNCTION refuse_notification() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'event log unavailable'; END $$`);
      await query(`CREATE TRIGGER refuse_notification BEFORE INSERT ON events FOR EACH ROW
        WHEN (NEW.payload::jsonb -> 'data' ->> 'email' = '${email}') EXECUTE FUNCTION refuse_notification()`);
    } else {
      await query(`CREATE TEMP TRIGGER refuse_notification BEFORE INSERT ON events
        WHEN json_extract(NEW.payload, '$.data.email') = '${email}' BEGIN SELECT RAISE(ABORT, 'event log unavailable'); END`);
    }
    try {
      const before = await dump();
      const id = unique('log-fails-');
      const b2b = { companyRegistrationId: unique('REG-') };
      const response = await createCustomer({ id, contactEmail: email, company: 'Fails Ltd', b2b });
      expect(codes(response)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(response.errors![0]!.message).toBe('Unexpected error.');
      expect(await dump()).toEqual(before);
    } finally {
      if (STORE === 'postgres') {
        await query('DROP TRIGGER refuse_notification ON events');
        await query('DROP FUNCTION refuse_notification');
      } else {
        await query('DROP TRIGGER refuse_notification');
      }
    }
  });
});

describe('accounts and emails', () => {
  it("keeps an email unique among the tenant's accounts, whatever its letter case (CONFLICT)", async () => {
    const email = freshEmail();
    const owner = await created({ contactEmail: email });
    expectError(await createCustomer({ contactEmail: email.toUpperCase() }), 'CONFLICT');
    expectError(await assignAccount(owner.customerNumber, email.toUpperCase()), 'CONFLICT');
    const other = await created();
    const conflict = await assignAccount(other.customerNumber, email);
    expectError(conflict, 'CONFLICT');
    expect(conflict.status).toBe(409);
    expectError(await upsertCustomer(unique('upsert-taken-'), { contactEmail: email }), 'CONFLICT');
  });

  it('lets another tenant use the same email', async () => {
    const email = freshEmail();
    await created({ contactEmail: email });
    const elsewhere = await created({ contactEmail: email }, { token: otherTenant });
    expect(elsewhere.accounts.map((a: Customer) => a.email)).toEqual([email]);
  });

  it('assignCustomerAccount adds a login to an existing customer and raises its version', async () => {
    const first = freshEmail();
    const customer = await created({ contactEmail: first });
    const second = freshEmail();
    const account = ok(await assignAccount(customer.customerNumber, second));
    expect(account).toEqual({ id: expect.any(String), email: second, providerId: null, createdAt: expect.any(String) });
    const after = (await read(customer.customerNumber))!;
    expect(after.accounts.map((a: Customer) => a.email)).toEqual([first, second]);
    expect(after.metadata.version).toBe(customer.metadata.version + 1);
  });

  it('assignCustomerAccount checks the email and the customer', async () => {
    const customer = await created();
    expectError(await assignAccount(customer.customerNumber, 'not-an-email'), 'BAD_USER_INPUT', ['email']);
    const missing = await assignAccount(unique('missing-'), freshEmail());
    expectError(missing, 'NOT_FOUND');
    expect(missing.status).toBe(404);
  });

  it('changing contactEmail does not rename the account', async () => {
    const original = freshEmail();
    const customer = await created({ contactEmail: original });
    const changed = freshEmail();
    const patched = ok(await patchCustomer(customer.customerNumber, { contactEmail: changed }));
    expect(patched.contactEmail).toBe(changed);
    expect(patched.accounts.map((a: Customer) => a.email)).toEqual([original]);
  });
});

describe('upsert and patch', () => {
  const full = () => ({
    title: 'DR',
    firstName: 'Grace',
    middleName: 'Brewster',
    lastName: 'Hopper',
    contactEmail: freshEmail(),
    contactPhone: '+1 555 0100',
    company: 'Navy',
    preferredLanguage: 'en_GB',
    preferredCurrency: 'GBP',
    preferredSite: 'uk',
    active: true,
    onHold: true,
    mixins: { loyalty: { level: 'gold' } },
  });

  it('upsert creates a missing customer under its number (created), then updates it (not created)', async () => {
    const n = unique('upserted-');
    const first = ok(await upsertCustomer(n, { firstName: 'New' }));
    expect(first.created).toBe(true);
    expect(first.customer).toMatchObject({
      customerNumber: n,
      firstName: 'New',
      preferredLanguage: 'en_US',
      preferredCurrency: 'USD',
      preferredSite: 'main',
      active: false,
      metadata: { version: 1 },
    });
    const second = ok(await upsertCustomer(n, { lastName: 'Again' }));
    expect(second.created).toBe(false);
    expect(second.customer).toMatchObject({ firstName: 'New', lastName: 'Again', metadata: { version: 2 } });
  });

  it('upsert refuses to create under a malformed number', async () => {
    expectError(await upsertCustomer('not valid!', { firstName: 'X' }), 'BAD_USER_INPUT', ['customerNumber']);
  });

  it.each([
    ['upsert', (n: string, input: Customer) => upsertCustomer(n, input).then((r) => ok(r).customer)],
    ['patch', (n: string, input: Customer) => patchCustomer(n, input).then((r) => ok(r))],
  ])('%s sets the fields given, keeps the omitted ones, and an explicit null clears one', async (_name, change) => {
    const start = full();
    const customer = await created(start);
    const changes = { firstName: 'Amazing', middleName: null, mixins: null, title: null };
    const changed = await change(customer.customerNumber, changes);
    expect(changed).toMatchObject({ ...start, ...changes });
    expect(changed.metadata.version).toBe(customer.metadata.version + 1);
  });

  it('refuses null for a field that may not be empty', async () => {
    const customer = await created();
    const response = await patchCustomer(customer.customerNumber, { preferredLanguage: null, active: null });
    expectError(response, 'BAD_USER_INPUT', ['input.preferredLanguage', 'input.active']);
  });

  it('lets a contact email change but never be removed (BAD_USER_INPUT)', async () => {
    const customer = await created({ contactEmail: freshEmail() });
    const n = customer.customerNumber;
    const before = await dump();
    expectError(await patchCustomer(n, { contactEmail: null }), 'BAD_USER_INPUT', ['input.contactEmail']);
    const removal = await upsertCustomer(n, { contactEmail: null, firstName: 'Lost' });
    expectError(removal, 'BAD_USER_INPUT', ['input.contactEmail']);
    expect(await dump()).toEqual(before);
    const changed = freshEmail();
    expect(ok(await patchCustomer(n, { contactEmail: changed })).contactEmail).toBe(changed);
  });

  it('patch on a missing customer is NOT_FOUND', async () => {
    const response = await patchCustomer(unique('nobody-'), { firstName: 'X' });
    expectError(response, 'NOT_FOUND');
    expect(response.status).toBe(404);
  });

  it('expectedVersion that is not the current version is a CONFLICT; the current one passes', async () => {
    const customer = await created();
    const n = customer.customerNumber;
    const before = await dump();
    expectError(await patchCustomer(n, { firstName: 'Stale' }, { expectedVersion: 7 }), 'CONFLICT');
    expectError(await upsertCustomer(n, { firstName: 'Stale' }, { expectedVersion: 0 }), 'CONFLICT');
    expectError(await upsertCustomer(unique('absent-'), { firstName: 'Stale' }, { expectedVersion: 1 }), 'CONFLICT');
    expect(await dump()).toEqual(before);
    const patched = ok(await patchCustomer(n, { firstName: 'Fresh' }, { expectedVersion: 1 }));
    expect(patched.metadata.version).toBe(2);
    const upserted = ok(await upsertCustomer(n, { firstName: 'Fresher' }, { expectedVersion: 2 }));
    expect(upserted.customer.metadata.version).toBe(3);
  });

  it('a change that changes nothing keeps the version', async () => {
    const customer = await created({ firstName: 'Same' });
    const same = ok(await patchCustomer(customer.customerNumber, { firstName: 'Same' }));
    expect(same.metadata).toEqual(customer.metadata);
  });
});

describe('versions', () => {
  it('each change to a customer, its addresses or accounts raises the version by one, advances modifiedAt', async () => {
    let customer = await created({ firstName: 'Versioned' });
    const n = customer.customerNumber;
    let addressId = '';
    const changes: [string, () => Promise<unknown>][] = [
      ['patch', async () => ok(await patchCustomer(n, { lastName: 'One' }))],
      ['upsert', async () => ok(await upsertCustomer(n, { lastName: 'Two' }))],
      ['add address', async () => (addressId = ok<Customer>(await addAddress(n)).id)],
      ['patch address', async () => ok(await patchAddress(n, addressId, { city: 'Bonn' }))],
      ['tag address', async () => ok(await addTags(n, addressId, ['X']))],
      ['untag address', async () => ok(await removeTags(n, addressId, ['X']))],
      ['delete address', async () => ok(await deleteAddress(n, addressId))],
      ['assign account', async () => ok(await assignAccount(n, freshEmail()))],
    ];
    for (const [name, change] of changes) {
      await change();
      const after = (await read(n))!;
      expect({ name, version: after.metadata.version }).toEqual({ name, version: customer.metadata.version + 1 });
      expect(modifiedAt(after), name).toBeGreaterThan(modifiedAt(customer));
      customer = after;
    }
    expect(customer.metadata.version).toBe(9);
  });
});

describe('B2B', () => {
  it('assigns the customer to a legal entity named after its company, reused for the next customer', async () => {
    const registrationId = unique('REG-');
    const first = await created({ company: 'Initech', b2b: { companyRegistrationId: registrationId } });
    expect(first.businessModel).toBe('B2B');
    expect(first.b2b).toEqual({
      companyRegistrationId: registrationId,
      legalEntities: [
        {
          id: expect.stringMatching(/^L\d{12}$/),
          name: 'Initech',
          contactAssignmentId: expect.stringMatching(/^A\d{12}$/),
        },
      ],
    });
    const second = await created({ company: 'Initech Subsidiary', b2b: { companyRegistrationId: registrationId } });
    const [firstEntity] = first.b2b.legalEntities;
    const [secondEntity] = second.b2b.legalEntities;
    expect(secondEntity.id).toBe(firstEntity.id);
    expect(secondEntity.name).toBe('Initech');
    expect(secondEntity.contactAssignmentId).not.toBe(firstEntity.contactAssignmentId);
    const entities = await query('SELECT name FROM legal_entities WHERE registration_id = ?', [registrationId]);
    expect(entities).toEqual([{ name: 'Initech' }]);
    // Legal entities are the tenant's own: another tenant's customer with that registration id gets another one.
    const b2b = { companyRegistrationId: registrationId };
    const elsewhere = await created({ company: 'Initech Globex', b2b }, { token: otherTenant });
    expect(elsewhere.b2b.legalEntities).toEqual([
      { id: expect.any(String), name: 'Initech Globex', contactAssignmentId: expect.any(String) },
    ]);
    expect((await read(first.customerNumber))!.b2b).toEqual(first.b2b);
  });

  it('is B2C without a legal entity; changing or clearing the registration moves or ends the assignment', async () => {
    const customer = await created({ company: 'Hooli' });
    expect(customer.businessModel).toBe('B2C');
    const n = customer.customerNumber;
    const registrationId = unique('REG-');
    const joined = ok(await patchCustomer(n, { b2b: { companyRegistrationId: registrationId } }));
    expect(joined.businessModel).toBe('B2B');
    expect(joined.b2b.legalEntities.map((e: Customer) => e.name)).toEqual(['Hooli']);

    const moved = ok(await patchCustomer(n, { company: 'Pied Piper', b2b: { companyRegistrationId: unique('REG-') } }));
    expect(moved.b2b.legalEntities.map((e: Customer) => e.name)).toEqual(['Pied Piper']);

    const cleared = ok(await patchCustomer(n, { b2b: null }));
    expect(cleared.businessModel).toBe('B2C');
    expect(cleared.b2b).toBeNull();
  });

  it('an omitted companyRegistrationId keeps the assignment; an explicit null clears it', async () => {
    const registrationId = unique('REG-');
    const customer = await created({ company: 'Umbrella', b2b: { companyRegistrationId: registrationId } });
    const n = customer.customerNumber;
    const kept = ok(await patchCustomer(n, { b2b: {} }));
    expect(kept.b2b).toEqual(customer.b2b);
    expect(kept.metadata.version).toBe(customer.metadata.version);
    const cleared = ok(await upsertCustomer(n, { b2b: { companyRegistrationId: null } })).customer;
    expect(cleared.businessModel).toBe('B2C');
    expect(cleared.metadata.version).toBe(customer.metadata.version + 1);
  });
});

describe('delete', () => {
  it('removes the customer, its addresses, accounts, assignments; returns counts; keeps a tombstone', async () => {
    const email = freshEmail();
    const b2b = { companyRegistrationId: unique('REG-') };
    const customer = await created({ contactEmail: email, company: 'Gone Inc', b2b });
    const n = customer.customerNumber;
    ok(await assignAccount(n, freshEmail()));
    ok(await addAddress(n));
    ok(await addAddress(n));
    ok(await addAddress(n));

    expect(ok(await deleteCustomer(n))).toEqual({ customerNumber: n, deletedAddresses: 3, deletedAccounts: 2 });

    expect(await read(n)).toBeNull();
    const left = async (table: string) =>
      Number(
        (await query(`SELECT count(*) AS n FROM ${table} WHERE customer_pk NOT IN (SELECT pk FROM customers)`))[0]!.n,
      );
    for (const table of ['addresses', 'accounts', 'customer_legal_entities']) expect(await left(table)).toBe(0);
    const tombstones = await query(
      'SELECT tenant FROM customer_numbers WHERE customer_number = ? AND deleted_at IS NOT NULL',
      [n],
    );
    expect(tombstones).toEqual([{ tenant: 'acme' }]);
    // The legal entity stays for its other members, and the deleted accounts' emails are free again.
    const rejoined = await created({ contactEmail: email, b2b });
    expect(rejoined.b2b.legalEntities[0].id).toBe(customer.b2b.legalEntities[0].id);
  });

  it('a missing customer is NOT_FOUND, also the second time', async () => {
    const customer = await created();
    ok(await deleteCustomer(customer.customerNumber));
    expectError(await deleteCustomer(customer.customerNumber), 'NOT_FOUND');
    expectError(await deleteCustomer(unique('never-')), 'NOT_FOUND');
  });
});

describe('validation', () => {
  it('lists every invalid field in extensions.details (BAD_USER_INPUT, HTTP 400)', async () => {
    const response = await createCustomer({
      contactEmail: 'john.doe@',
      preferredCurrency: 'ABC',
      preferredLanguage: 'english',
      firstName: 'x'.repeat(256),
      mixins: [1, 2],
    });
    expectError(response, 'BAD_USER_INPUT', [
      'input.contactEmail',
      'input.preferredCurrency',
      'input.preferredLanguage',
      'input.firstName',
      'input.mixins',
    ]);
    expect(response.status).toBe(400);
  });

  it('checks currencies and countries against the ISO lists, not a pattern', async () => {
    expect((await created({ preferredCurrency: 'chf' })).preferredCurrency).toBe('CHF');
    expectError(await createCustomer({ preferredCurrency: 'ABC' }), 'BAD_USER_INPUT', ['input.preferredCurrency']);
    expect((await created({ preferredLanguage: 'sq_XK' })).preferredLanguage).toBe('sq_XK');
    expectError(await createCustomer({ preferredLanguage: 'en_QQ' }), 'BAD_USER_INPUT', ['input.preferredLanguage']);
    const n = (await created()).customerNumber;
    expectError(await addAddress(n, { contactName: 'Jo', country: 'QQ' }), 'BAD_USER_INPUT', ['input.country']);
    expect(ok(await addAddress(n, { contactName: 'Jo', country: 'XK' }))).toEqual({ id: expect.any(String) });
  });

  it('checks locales', async () => {
    expect((await created({ preferredLanguage: 'de' })).preferredLanguage).toBe('de');
    for (const preferredLanguage of ['de-DE', 'DE_de', 'german', '']) {
      expectError(await createCustomer({ preferredLanguage }), 'BAD_USER_INPUT', ['input.preferredLanguage']);
    }
  });

  it('checks email syntax', async () => {
    for (const contactEmail of ['plain', 'a@', '@b.com', 'a b@c.com', '']) {
      expectError(await createCustomer({ contactEmail }), 'BAD_USER_INPUT', ['input.contactEmail']);
    }
  });

  it('checks lengths: 255 by default, less where a field needs less', async () => {
    expect((await created({ lastName: 'x'.repeat(255) })).lastName).toHaveLength(255);
    const response = await createCustomer({
      lastName: 'x'.repeat(256),
      company: 'x'.repeat(256),
      title: 'x'.repeat(65),
      contactPhone: '1'.repeat(65),
    });
    expectError(response, 'BAD_USER_INPUT', ['input.lastName', 'input.company', 'input.title', 'input.contactPhone']);
  });

  it('checks tag syntax and count', async () => {
    const customer = await created();
    const n = customer.customerNumber;
    const withTags = (tags: string[]) => addAddress(n, { contactName: 'Jo', country: 'DE', tags });
    expectError(await withTags(['OK', 'not ok', '']), 'BAD_USER_INPUT', ['input.tags[1]', 'input.tags[2]']);
    const tooMany = Array.from({ length: 21 }, (_, i) => `T${i}`);
    expectError(await withTags(tooMany), 'BAD_USER_INPUT', ['input.tags']);
    const addressId = ok<Customer>(await withTags(tooMany.slice(0, 20))).id;
    expectError(await addTags(n, addressId, ['T21']), 'BAD_USER_INPUT', ['tags']);
    expectError(await addTags(n, addressId, ['bad tag']), 'BAD_USER_INPUT', ['tags[0]']);
  });

  it('takes mixins as a JSON object of at most 16 KiB', async () => {
    const fits = { blob: 'x'.repeat(16 * 1024 - 20) };
    expect((await created({ mixins: fits })).mixins).toEqual(fits);
    for (const mixins of ['text', 42, [1], true]) {
      expectError(await createCustomer({ mixins }), 'BAD_USER_INPUT', ['input.mixins']);
    }
    expectError(await createCustomer({ mixins: { blob: 'x'.repeat(16 * 1024) } }), 'BAD_USER_INPUT', ['input.mixins']);
  });

  it('takes mixins nested at most 32 levels, and refuses deeper ones however deep (no stack overflow)', async () => {
    const nest = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const post = async (depth: number) => {
      // Built as text: JSON.stringify itself overflows on the deepest value here.
      const body = `{"query":"mutation($i: CustomerCreateInput!) { createCustomer(input: $i) { mixins } }","variables":{"i":{"mixins":${nest(depth)}}}}`;
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await server.token()}` },
        body,
      });
      return {
        status: response.status,
        ...((await response.json()) as Omit<GraphQLResponse, 'status' | 'headers'>),
      } as GraphQLResponse;
    };
    expect((await post(32)).errors).toBeUndefined();
    const before = await dump();
    for (const depth of [33, 5_000, 12_000]) {
      const refused = await post(depth);
      expect(refused.status).toBe(400);
      expectError(refused, 'BAD_USER_INPUT', ['input.mixins']);
      expect(refused.errors![0]!.extensions!.details[0].message).toBe('must nest at most 32 levels deep');
    }
    expect(await dump()).toEqual(before);
  });
});

describe('text that no store can hold', () => {
  const NUL = 'a\u0000b';
  const LONE_SURROGATE = 'a\ud800b';
  const PROFILE_TEXT = [
    'title',
    'firstName',
    'middleName',
    'lastName',
    'contactEmail',
    'contactPhone',
    'company',
    'preferredLanguage',
    'preferredCurrency',
    'preferredSite',
  ];

  /** BAD_USER_INPUT (HTTP 400) naming exactly these fields, each for the character it holds. */
  function expectRefused(response: GraphQLResponse, fields: string[]) {
    expectError(response, 'BAD_USER_INPUT', fields);
    expect(response.status).toBe(400);
    for (const detail of response.errors![0]!.extensions!.details) {
      expect(detail.message).toMatch(/U\+0000|unpaired UTF-16 surrogate/);
    }
  }

  it.each([
    ['U+0000', NUL],
    ['an unpaired surrogate', LONE_SURROGATE],
  ])('%s is BAD_USER_INPUT in every text field of a customer, mixins included, and writes nothing', async (_, bad) => {
    const customer = await created({ contactEmail: freshEmail(), mixins: { kept: true } });
    const n = customer.customerNumber;
    const before = await dump();
    for (const field of PROFILE_TEXT) {
      expectRefused(await createCustomer({ [field]: bad }), [`input.${field}`]);
      expectRefused(await upsertCustomer(unique('unstorable-'), { [field]: bad }), [`input.${field}`]);
      expectRefused(await upsertCustomer(n, { [field]: bad }), [`input.${field}`]);
      expectRefused(await patchCustomer(n, { [field]: bad }), [`input.${field}`]);
    }
    expectRefused(await createCustomer({ id: bad }), ['input.id']);
    expectRefused(await upsertCustomer(bad, {}), ['customerNumber']);
    expectRefused(await createCustomer({ b2b: { companyRegistrationId: bad } }), ['input.b2b.companyRegistrationId']);
    // Anywhere inside mixins: a key (named by the object that has it), a value, an item of a list.
    expectRefused(await patchCustomer(n, { mixins: { [bad]: 1 } }), ['input.mixins']);
    expectRefused(await patchCustomer(n, { mixins: { note: bad } }), ['input.mixins.note']);
    expectRefused(await createCustomer({ mixins: { deep: [{ x: 'ok' }, { x: [bad] }] } }), [
      'input.mixins.deep[1].x[0]',
    ]);
    expectRefused(await createCustomer({ firstName: bad, lastName: bad, mixins: { a: { [bad]: bad } } }), [
      'input.firstName',
      'input.lastName',
      'input.mixins.a',
    ]);
    expectRefused(await assignAccount(n, `x${bad}@example.com`), ['email']);
    expect(await dump()).toEqual(before);
  });

  it('a paired surrogate (a character beyond U+FFFF) is text like any other', async () => {
    const emoji = 'Zo\u{1F600}e';
    const customer = await created({ firstName: emoji, mixins: { [emoji]: emoji } });
    expect(customer).toMatchObject({ firstName: emoji, mixins: { [emoji]: emoji } });
  });

  it('an id that no customer or address can have is looked up nowhere: not there, never an unexpected error', async () => {
    const n = (await created()).customerNumber;
    for (const bad of [NUL, LONE_SURROGATE]) {
      expect(await read(bad)).toBeNull();
      const address = await server.gql(
        `query($n: String!, $a: ID!) { customerAddress(customerNumber: $n, addressId: $a) { id } }`,
        { n, a: bad },
      );
      expect(address.errors).toBeUndefined();
      expect(address.data!.customerAddress).toBeNull();
      expectError(await patchCustomer(bad, { firstName: 'X' }), 'NOT_FOUND');
      expectError(await patchAddress(n, bad, { city: 'X' }), 'NOT_FOUND');
      expectError(await deleteAddress(n, bad), 'NOT_FOUND');
      expectError(await addTags(n, bad, ['T']), 'NOT_FOUND');
    }
  });
});

describe('invalid input writes nothing', () => {
  it('a create whose email conflicts after its customer row and legal entity were written', async () => {
    const email = freshEmail();
    await created({ contactEmail: email });
    const before = await dump();
    const id = unique('half-');
    const response = await createCustomer({
      id,
      contactEmail: email.toUpperCase(),
      company: 'Half Made',
      b2b: { companyRegistrationId: unique('REG-') },
    });
    expectError(response, 'CONFLICT');
    expect(await dump()).toEqual(before);
    // Nothing of it remains, not even a claim on its number.
    expect((await created({ id })).customerNumber).toBe(id);
  });

  it('an upsert that would create a customer whose email is taken', async () => {
    const email = freshEmail();
    await created({ contactEmail: email });
    const before = await dump();
    const response = await upsertCustomer(unique('half-upsert-'), {
      contactEmail: email,
      company: 'Half Made',
      b2b: { companyRegistrationId: unique('REG-') },
    });
    expectError(response, 'CONFLICT');
    expect(await dump()).toEqual(before);
  });

  it('an upsert or patch that fails validation leaves the customer as it was', async () => {
    const customer = await created({ firstName: 'Intact', contactEmail: freshEmail() });
    const n = customer.customerNumber;
    const before = await dump();
    const invalid = { firstName: 'Changed', preferredCurrency: 'NOPE', b2b: { companyRegistrationId: unique('REG-') } };
    expectError(await upsertCustomer(n, invalid), 'BAD_USER_INPUT', ['input.preferredCurrency']);
    expectError(await patchCustomer(n, invalid), 'BAD_USER_INPUT', ['input.preferredCurrency']);
    expectError(await upsertCustomer(unique('new-'), invalid), 'BAD_USER_INPUT', ['input.preferredCurrency']);
    expect(await dump()).toEqual(before);
    expect(await read(n)).toEqual(customer);
  });

  it('a mutation operation is one transaction: when one root field fails, the fields before it are undone', async () => {
    const before = await dump();
    const id = unique('undone-');
    const response = await server.gql(
      `mutation($id: ID!, $email: String!) {
        a: createCustomer(input: { id: $id, firstName: "Undone", contactEmail: $email }) { customerNumber }
        b: patchCustomer(customerNumber: "NOPE", input: { firstName: "Nobody" }) { customerNumber }
      }`,
      { id, email: freshEmail() },
    );
    expect(response.status).toBe(404);
    expect(response.data).toBeNull();
    expect(response.errors!.map((e) => [e.path, e.extensions!.code])).toEqual([[['b'], 'NOT_FOUND']]);
    expect(await dump()).toEqual(before);
    expect(await read(id)).toBeNull();

    // A failure in a nullable part of the answer counts too: nothing the operation did is kept.
    const second = await server.gql(
      `mutation($id: ID!) {
        a: createCustomer(input: { id: $id, firstName: "Undone" }) { customerNumber }
        b: createCustomer(input: { id: $id, firstName: "Twice" }) { customerNumber }
      }`,
      { id },
    );
    expect(second.data).toBeNull();
    expect(second.errors!.map((e) => [e.path, e.extensions!.code])).toEqual([[['b'], 'CONFLICT']]);
    expect(await dump()).toEqual(before);
  });

  it('the root fields of one mutation operation see what the fields before them wrote, and commit together', async () => {
    const id = unique('together-');
    const response = await server.gql(
      `mutation($id: ID!, $n: String!) {
        a: createCustomer(input: { id: $id, firstName: "Together" }) { customerNumber metadata { version } }
        b: addCustomerAddress(customerNumber: $n, input: { contactName: "Home", country: "DE" }) { isDefault }
        c: patchCustomer(customerNumber: $n, input: { lastName: "Both" }, expectedVersion: 2) {
          lastName metadata { version } addresses { contactName }
        }
      }`,
      { id, n: id },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({
      a: { customerNumber: id, metadata: { version: 1 } },
      b: { isDefault: true },
      c: { lastName: 'Both', metadata: { version: 3 }, addresses: [{ contactName: 'Home' }] },
    });
    const stored = await read(id);
    expect(stored).toMatchObject({ lastName: 'Both', metadata: { version: 3 } });
  });

  it('an invalid create writes no customer, account or notification', async () => {
    const before = await dump();
    const input = { id: unique('invalid-'), contactEmail: freshEmail(), preferredSite: 'no site!' };
    const response = await createCustomer(input);
    expectError(response, 'BAD_USER_INPUT', ['input.preferredSite']);
    expect(await dump()).toEqual(before);
  });
});

describe('tenants', () => {
  it('the same customer number in two tenants is two unrelated customers', async () => {
    const n = unique('shared-');
    const mine = await created({ id: n, firstName: 'Acme person', contactEmail: freshEmail() });
    const theirs = await created({ id: n, firstName: 'Globex person' }, { token: otherTenant });
    expect(theirs.customerNumber).toBe(n);
    expect(theirs.accounts).toEqual([]);
    expect((await read(n))!.firstName).toBe('Acme person');
    expect((await read(n, { token: otherTenant }))!.firstName).toBe('Globex person');

    ok(await deleteCustomer(n, { token: otherTenant }));
    expect(await read(n)).toEqual(mine);
    // The tombstone is the other tenant's; this tenant's customer still changes freely.
    expect(ok(await patchCustomer(n, { lastName: 'Still here' })).lastName).toBe('Still here');
  });

  it("a token of another tenant never sees or touches this tenant's customer", async () => {
    const customer = await created({ firstName: 'Private', contactEmail: freshEmail() });
    const n = customer.customerNumber;
    const token = otherTenant;
    expect(await read(n, { token })).toBeNull();
    expect(ok(await server.gql(LIST, { s: n }, { token }))).toEqual({ totalCount: 0, edges: [] });
    expectError(await patchCustomer(n, { firstName: 'Hijacked' }, { token }), 'NOT_FOUND');
    expectError(await deleteCustomer(n, { token }), 'NOT_FOUND');
    expectError(await assignAccount(n, freshEmail(), { token }), 'NOT_FOUND');
    expectError(await addAddress(n, undefined, { token }), 'NOT_FOUND');
    expect(await read(n)).toEqual(customer);
  });
});
