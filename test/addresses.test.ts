/**
 * The address rules of issue 2, over HTTP: required fields, the default address, replace vs. patch, tags, the
 * address queries, NOT_FOUND and CONFLICT.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDomain, type DomainError } from '../src/domain/index.js';
import type { Reach } from '../src/domain/store.js';
import { expectError, ok, startTestServer, type GraphQLResponse, type TestServer } from './helpers.js';

const ADDRESS = /* GraphQL */ `
  id contactName companyName street streetNumber streetAppendix extraLine1 extraLine2 extraLine3 extraLine4
  zipCode city country state contactPhone tags isDefault metadata { version } customer { customerNumber }
`;
const ADD = `mutation($n: String!, $input: AddressInput!) {
  addCustomerAddress(customerNumber: $n, input: $input) { ${ADDRESS} } }`;
const UPDATE = `mutation($n: String!, $a: ID!, $input: AddressInput!) {
  updateCustomerAddress(customerNumber: $n, addressId: $a, input: $input) { ${ADDRESS} } }`;
const PATCH = `mutation($n: String!, $a: ID!, $input: AddressPatchInput!) {
  patchCustomerAddress(customerNumber: $n, addressId: $a, input: $input) { ${ADDRESS} } }`;
const DELETE = `mutation($n: String!, $a: ID!) {
  deleteCustomerAddress(customerNumber: $n, addressId: $a) { customerNumber addressId } }`;
const ADD_TAGS = `mutation($n: String!, $a: ID!, $tags: [String!]!) {
  addCustomerAddressTags(customerNumber: $n, addressId: $a, tags: $tags) { ${ADDRESS} } }`;
const REMOVE_TAGS = `mutation($n: String!, $a: ID!, $tags: [String!]!) {
  removeCustomerAddressTags(customerNumber: $n, addressId: $a, tags: $tags) { ${ADDRESS} } }`;
const ADDRESSES = `query($n: String!, $tag: String) {
  customer(customerNumber: $n) { addresses(tag: $tag) { id tags isDefault } defaultAddress { id } } }`;
const ONE = `query($n: String!, $a: ID!) { customerAddress(customerNumber: $n, addressId: $a) { ${ADDRESS} } }`;

type Address = Record<string, any>;
type Options = { token?: string };

let server: TestServer;
/** A token of another tenant, "globex". */
let otherTenant: string;

beforeAll(async () => {
  server = await startTestServer();
  otherTenant = await server.token({ tenant: 'globex' });
});
afterAll(() => server.close());

/** A new customer with no addresses; returns its number. */
async function newCustomer(options: Options = {}): Promise<string> {
  return ok(await server.gql(`mutation { createCustomer(input: {}) { id } }`, {}, options)).id;
}

const BERLIN = { contactName: 'John Doe', country: 'DE' };

const addAddress = (n: string, input: Address = BERLIN, options: Options = {}) =>
  server.gql(ADD, { n, input }, options);
const updateAddress = (n: string, a: string, input: Address, options: Options = {}) =>
  server.gql(UPDATE, { n, a, input }, options);
const patchAddress = (n: string, a: string, input: Address, options: Options = {}) =>
  server.gql(PATCH, { n, a, input }, options);
const deleteAddress = (n: string, a: string, options: Options = {}) => server.gql(DELETE, { n, a }, options);
const addTags = (n: string, a: string, tags: string[], options: Options = {}) =>
  server.gql(ADD_TAGS, { n, a, tags }, options);
const removeTags = (n: string, a: string, tags: string[], options: Options = {}) =>
  server.gql(REMOVE_TAGS, { n, a, tags }, options);

/** Adds an address and returns its id. */
async function added(n: string, input: Address = BERLIN): Promise<string> {
  return ok(await addAddress(n, input)).id;
}

/** The customer's addresses (default first) and its default address. */
async function addressesOf(n: string, tag?: string): Promise<{ addresses: Address[]; defaultAddress: Address | null }> {
  return ok(await server.gql(ADDRESSES, { n, tag }));
}

/** Which of the customer's addresses is the default, as ids: [default, ...others]. */
async function defaults(n: string): Promise<{ default: string | undefined; flagged: string[] }> {
  const { addresses, defaultAddress } = await addressesOf(n);
  return { default: defaultAddress?.id, flagged: addresses.filter((a) => a.isDefault).map((a) => a.id) };
}

const customerAddress = async (n: string, a: string, options: Options = {}) =>
  ok<Address | null>(await server.gql(ONE, { n, a }, options));

const versionOf = async (n: string) =>
  ok(await server.gql(`query($n: String!) { customer(customerNumber: $n) { metadata { version } } }`, { n })).metadata
    .version as number;

const NO_FIELDS = {
  companyName: null,
  street: null,
  streetNumber: null,
  streetAppendix: null,
  extraLine1: null,
  extraLine2: null,
  extraLine3: null,
  extraLine4: null,
  zipCode: null,
  city: null,
  state: null,
  contactPhone: null,
};

const FULL = {
  contactName: 'Jane Roe',
  companyName: 'Roe & Co',
  street: 'Main Street',
  streetNumber: '42a',
  streetAppendix: 'Back building',
  extraLine1: 'c/o Reception',
  extraLine2: 'Floor 3',
  extraLine3: 'Room 301',
  extraLine4: 'Desk 7',
  zipCode: '10115',
  city: 'Berlin',
  country: 'DE',
  state: 'Berlin',
  contactPhone: '+49 30 1234567',
  tags: ['BILLING'],
};

describe('required fields', () => {
  it('stores an address with only contactName and country, normalising the country', async () => {
    const n = await newCustomer();
    const address = ok(await addAddress(n, { contactName: 'Jo', country: 'fr' }));
    expect(address).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{10}$/),
      contactName: 'Jo',
      country: 'FR',
      ...NO_FIELDS,
      tags: [],
      isDefault: true,
      metadata: { version: 1 },
      customer: { customerNumber: n },
    });
  });

  it('refuses an empty contact name and an unknown country, listing both', async () => {
    const n = await newCustomer();
    const response = await addAddress(n, { contactName: '  ', country: 'XY' });
    expectError(response, 'BAD_USER_INPUT', ['input.contactName', 'input.country']);
    expect(response.status).toBe(400);
    expect((await addressesOf(n)).addresses).toEqual([]);
  });

  it('a variable missing contactName is BAD_USER_INPUT, not an unexpected error; country may be left out', async () => {
    const n = await newCustomer();
    const response = await addAddress(n, { country: 'DE' });
    expectError(response, 'BAD_USER_INPUT', ['input']);
    expect(response.status).toBe(400);
    expect(response.errors![0]!.extensions!.details[0].message).toContain('"contactName"');
    expect((await addressesOf(n)).addresses).toEqual([]);
    // The official description requires contactName only.
    expect((await addAddress(n, { contactName: 'Jo' })).errors).toBeUndefined();
  });

  it('a required variable that is not given at all is BAD_USER_INPUT naming it', async () => {
    const n = await newCustomer();
    const response = await server.gql(
      `mutation ($n: String!, $input: AddressInput!) { addCustomerAddress(customerNumber: $n, input: $input) { id } }`,
      { n },
    );
    expectError(response, 'BAD_USER_INPUT', ['input']);
    expect(response.status).toBe(400);
    expect((await addressesOf(n)).addresses).toEqual([]);
  });

  it('patch refuses null for contactName, and takes it for country', async () => {
    const n = await newCustomer();
    const a = await added(n);
    expectError(await patchAddress(n, a, { contactName: null, country: null }), 'BAD_USER_INPUT', [
      'input.contactName',
    ]);
    expect((await patchAddress(n, a, { country: null })).errors).toBeUndefined();
  });
});

describe('the default address', () => {
  it("makes a customer's first address its default, even when the input says otherwise", async () => {
    const n = await newCustomer();
    const first = ok(await addAddress(n, { ...BERLIN, isDefault: false }));
    expect(first.isDefault).toBe(true);
    const second = ok(await addAddress(n));
    expect(second.isDefault).toBe(false);
    expect(await defaults(n)).toEqual({ default: first.id, flagged: [first.id] });
  });

  it('making one address default clears the flag on the others (add, update and patch)', async () => {
    const n = await newCustomer();
    const a = await added(n);
    const b = ok(await addAddress(n, { ...BERLIN, isDefault: true })).id;
    expect(await defaults(n)).toEqual({ default: b, flagged: [b] });
    const c = await added(n);
    ok(await updateAddress(n, c, { ...BERLIN, isDefault: true }));
    expect(await defaults(n)).toEqual({ default: c, flagged: [c] });
    ok(await patchAddress(n, a, { isDefault: true }));
    expect(await defaults(n)).toEqual({ default: a, flagged: [a] });
  });

  it('the default stays default until another one is made default', async () => {
    const n = await newCustomer();
    const a = await added(n);
    expectError(await patchAddress(n, a, { isDefault: false }), 'BAD_USER_INPUT', ['input.isDefault']);
    expectError(await updateAddress(n, a, { ...BERLIN, isDefault: false }), 'BAD_USER_INPUT', ['input.isDefault']);
    ok(await patchAddress(n, a, { city: 'Bonn' }));
    expect(await defaults(n)).toEqual({ default: a, flagged: [a] });
  });

  it('deleting the default makes the oldest remaining address the default', async () => {
    const n = await newCustomer();
    const oldest = await added(n);
    const middle = await added(n);
    const newest = await added(n);
    ok(await patchAddress(n, middle, { isDefault: true }));
    ok(await patchAddress(n, newest, { isDefault: true }));
    expect(ok(await deleteAddress(n, newest))).toEqual({ customerNumber: n, addressId: newest });
    expect(await defaults(n)).toEqual({ default: oldest, flagged: [oldest] });
  });

  it('deleting another address leaves the default alone; deleting the last leaves none', async () => {
    const n = await newCustomer();
    const a = await added(n);
    const b = await added(n);
    ok(await deleteAddress(n, b));
    expect(await defaults(n)).toEqual({ default: a, flagged: [a] });
    ok(await deleteAddress(n, a));
    expect(await addressesOf(n)).toEqual({ addresses: [], defaultAddress: null });
  });

  it('lists the default first, then the others by age', async () => {
    const n = await newCustomer();
    const a = await added(n);
    const b = await added(n);
    const c = await added(n);
    ok(await patchAddress(n, c, { isDefault: true }));
    expect((await addressesOf(n)).addresses.map((address) => address.id)).toEqual([c, a, b]);
  });
});

describe('update and patch', () => {
  it('updateCustomerAddress replaces every field: what the input omits becomes empty', async () => {
    const n = await newCustomer();
    const a = ok(await addAddress(n, FULL)).id;
    const replaced = ok(await updateAddress(n, a, { contactName: 'New Name', country: 'AT', city: 'Wien' }));
    expect(replaced).toEqual({
      id: a,
      ...NO_FIELDS,
      contactName: 'New Name',
      country: 'AT',
      city: 'Wien',
      tags: [],
      isDefault: true,
      metadata: { version: 2 },
      customer: { customerNumber: n },
    });
  });

  it("updateCustomerAddress takes input.id only as the replaced address's own id (BAD_USER_INPUT otherwise)", async () => {
    const n = await newCustomer();
    const a = ok(await addAddress(n, FULL));
    const other = await added(n, { ...BERLIN, id: `other-${n}` });
    for (const id of [other, 'never-an-address', 'not an id']) {
      const refused = await updateAddress(n, a.id, { ...BERLIN, id });
      expectError(refused, 'BAD_USER_INPUT', ['input.id']);
      expect(refused.status).toBe(400);
    }
    expect(await customerAddress(n, a.id)).toEqual(a);
    expect(await customerAddress(n, other)).toMatchObject({ id: other, contactName: BERLIN.contactName });
    expect(ok(await updateAddress(n, a.id, { ...BERLIN, id: a.id, city: 'Bonn' }))).toMatchObject({
      id: a.id,
      city: 'Bonn',
    });
    expect(ok(await updateAddress(n, a.id, { ...BERLIN, id: null })).city).toBeNull();
  });

  it('patchCustomerAddress keeps the omitted fields and an explicit null clears one', async () => {
    const n = await newCustomer();
    const a = ok(await addAddress(n, FULL)).id;
    const patched = ok(await patchAddress(n, a, { city: 'Potsdam', extraLine2: null, state: null }));
    expect(patched).toEqual({
      ...FULL,
      id: a,
      city: 'Potsdam',
      extraLine2: null,
      state: null,
      isDefault: true,
      metadata: { version: 2 },
      customer: { customerNumber: n },
    });
    expect(ok(await patchAddress(n, a, { tags: null })).tags).toEqual([]);
  });

  it('every address change raises the customer version by one', async () => {
    const n = await newCustomer();
    const start = await versionOf(n);
    const a = await added(n);
    ok(await updateAddress(n, a, BERLIN));
    ok(await patchAddress(n, a, { city: 'Bonn' }));
    ok(await deleteAddress(n, a));
    expect(await versionOf(n)).toBe(start + 4);
  });

  it('each change to an address raises its own metadata.version; expectedVersion must be the current one', async () => {
    const n = await newCustomer();
    const version = async (a: string) => (await customerAddress(n, a))!.metadata.version as number;
    const PATCH_AT = `mutation($n: String!, $a: ID!, $input: AddressPatchInput!, $v: Int) {
      patchCustomerAddress(customerNumber: $n, addressId: $a, input: $input, expectedVersion: $v) { city metadata { version } } }`;
    const UPDATE_AT = `mutation($n: String!, $a: ID!, $input: AddressInput!, $v: Int) {
      updateCustomerAddress(customerNumber: $n, addressId: $a, input: $input, expectedVersion: $v) { metadata { version } } }`;
    const a = await added(n);
    expect(await version(a)).toBe(1);
    expect(ok(await server.gql(PATCH_AT, { n, a, input: { city: 'Bonn' }, v: 1 }))).toEqual({
      city: 'Bonn',
      metadata: { version: 2 },
    });
    const stale = await server.gql(PATCH_AT, { n, a, input: { city: 'Köln' }, v: 1 });
    expectError(stale, 'CONFLICT');
    expect(stale.errors![0]!.message).toBe(`Address ${a} is at version 2, not 1.`);
    expectError(await server.gql(UPDATE_AT, { n, a, input: BERLIN, v: 7 }), 'CONFLICT');
    expect((await customerAddress(n, a))!.city).toBe('Bonn');
    ok(await addTags(n, a, ['BILLING']));
    ok(await removeTags(n, a, ['BILLING']));
    expect(await version(a)).toBe(4);
    // Another address made default takes the flag from this one: a change to this one too.
    const b = await added(n, { ...BERLIN, isDefault: true });
    expect([await version(a), await version(b)]).toEqual([5, 1]);
    // Deleting the default promotes the oldest remaining address: a change to it.
    ok(await deleteAddress(n, b));
    expect(await version(a)).toBe(6);
    expect(ok(await server.gql(UPDATE_AT, { n, a, input: BERLIN, v: 6 })).metadata.version).toBe(7);
  });
});

describe('tags', () => {
  it('keeps tags in the order first given, without duplicates', async () => {
    const n = await newCustomer();
    const a = ok(await addAddress(n, { ...BERLIN, tags: ['SHIPPING', 'BILLING', 'SHIPPING'] }));
    expect(a.tags).toEqual(['SHIPPING', 'BILLING']);
    const tagged = ok(await addTags(n, a.id, ['PRIMARY_CONTACT', 'BILLING', 'WAREHOUSE', 'PRIMARY_CONTACT']));
    expect(tagged.tags).toEqual(['SHIPPING', 'BILLING', 'PRIMARY_CONTACT', 'WAREHOUSE']);
    expect(ok(await patchAddress(n, a.id, { tags: ['B', 'A', 'B'] })).tags).toEqual(['B', 'A']);
    expect(ok(await updateAddress(n, a.id, { ...BERLIN, tags: ['Z', 'Z', 'Y'] })).tags).toEqual(['Z', 'Y']);
  });

  it('removeCustomerAddressTags removes the tags given and ignores those the address does not have', async () => {
    const n = await newCustomer();
    const a = await added(n, { ...BERLIN, tags: ['A', 'B', 'C', 'D'] });
    expect(ok(await removeTags(n, a, ['C', 'MISSING', 'A'])).tags).toEqual(['B', 'D']);
    expect(ok(await removeTags(n, a, ['MISSING'])).tags).toEqual(['B', 'D']);
  });

  it('tags are case-sensitive', async () => {
    const n = await newCustomer();
    const a = await added(n, { ...BERLIN, tags: ['billing'] });
    expect(ok(await addTags(n, a, ['BILLING'])).tags).toEqual(['billing', 'BILLING']);
  });

  it('adding tags beyond the limit writes nothing', async () => {
    const n = await newCustomer();
    const twenty = Array.from({ length: 20 }, (_, i) => `T${i}`);
    const a = await added(n, { ...BERLIN, tags: twenty });
    const version = await versionOf(n);
    expectError(await addTags(n, a, ['ONE_MORE']), 'BAD_USER_INPUT', ['tags']);
    expect(ok(await addTags(n, a, ['T3'])).tags).toEqual(twenty);
    expect(await versionOf(n)).toBe(version + 1);
  });
});

describe('queries', () => {
  it('addresses(tag:) lists only the addresses with the tag, default first', async () => {
    const n = await newCustomer();
    const billing = await added(n, { ...BERLIN, tags: ['BILLING'] });
    const both = await added(n, { ...BERLIN, tags: ['SHIPPING', 'BILLING'] });
    const shipping = await added(n, { ...BERLIN, tags: ['SHIPPING'], isDefault: true });
    const ids = async (tag?: string) => (await addressesOf(n, tag)).addresses.map((a) => a.id);
    expect(await ids('SHIPPING')).toEqual([shipping, both]);
    expect(await ids('BILLING')).toEqual([billing, both]);
    expect(await ids('NONE')).toEqual([]);
    expect(await ids()).toEqual([shipping, billing, both]);
  });

  it('defaultAddress is the default, null without addresses', async () => {
    const n = await newCustomer();
    expect((await addressesOf(n)).defaultAddress).toBeNull();
    await added(n);
    const b = await added(n, { ...BERLIN, isDefault: true });
    expect((await addressesOf(n)).defaultAddress).toEqual({ id: b });
  });

  it("customerAddress returns the customer's address, and null for another customer's or an unknown one", async () => {
    const n = await newCustomer();
    const a = ok(await addAddress(n, FULL));
    expect(await customerAddress(n, a.id)).toEqual(a);
    const other = await newCustomer();
    const theirs = await added(other);
    expect(await customerAddress(n, theirs)).toBeNull();
    expect(await customerAddress(n, 'ffffffffff')).toBeNull();
    expect(await customerAddress('no-such-customer', a.id)).toBeNull();
    expect(await customerAddress(n, a.id, { token: otherTenant })).toBeNull();
  });
});

describe('NOT_FOUND and CONFLICT', () => {
  it('every address mutation on a missing customer or address is NOT_FOUND', async () => {
    const n = await newCustomer();
    const a = await added(n);
    const missing = 'ffffffffff';
    const attempts = [
      addAddress('no-such-customer'),
      updateAddress(n, missing, BERLIN),
      patchAddress(n, missing, { city: 'X' }),
      deleteAddress(n, missing),
      addTags(n, missing, ['X']),
      removeTags(n, missing, ['X']),
      updateAddress('no-such-customer', a, BERLIN),
      deleteAddress('no-such-customer', a),
    ];
    for (const response of await Promise.all(attempts)) {
      expectError(response, 'NOT_FOUND');
      expect(response.status).toBe(404);
    }
  });

  it("another customer's address is NOT_FOUND and stays as it was", async () => {
    const n = await newCustomer();
    const other = await newCustomer();
    const theirs = ok(await addAddress(other, FULL));
    expectError(await updateAddress(n, theirs.id, BERLIN), 'NOT_FOUND');
    expectError(await patchAddress(n, theirs.id, { city: 'Elsewhere' }), 'NOT_FOUND');
    expectError(await addTags(n, theirs.id, ['STOLEN']), 'NOT_FOUND');
    expectError(await removeTags(n, theirs.id, ['BILLING']), 'NOT_FOUND');
    expectError(await deleteAddress(n, theirs.id), 'NOT_FOUND');
    expect(await customerAddress(other, theirs.id)).toEqual(theirs);
  });

  it("another tenant's token finds neither the customer nor its address", async () => {
    const n = await newCustomer();
    const a = ok(await addAddress(n, FULL));
    const token = otherTenant;
    expectError(await addAddress(n, BERLIN, { token }), 'NOT_FOUND');
    expectError(await patchAddress(n, a.id, { city: 'Elsewhere' }, { token }), 'NOT_FOUND');
    expectError(await deleteAddress(n, a.id, { token }), 'NOT_FOUND');
    expect(await customerAddress(n, a.id)).toEqual(a);
  });

  it('takes a custom address id once per tenant (CONFLICT), and checks its syntax', async () => {
    const n = await newCustomer();
    const address = ok(await addAddress(n, { ...BERLIN, id: 'home-1' }));
    expect(address.id).toBe('home-1');
    const other = await newCustomer();
    const again = await addAddress(other, { ...BERLIN, id: 'home-1' });
    expectError(again, 'CONFLICT');
    expect(again.status).toBe(409);
    expect((await addressesOf(other)).addresses).toEqual([]);
    expectError(await addAddress(n, { ...BERLIN, id: 'home 1' }), 'BAD_USER_INPUT', ['input.id']);
    const elsewhere = await newCustomer({ token: otherTenant });
    expect(ok(await addAddress(elsewhere, { ...BERLIN, id: 'home-1' }, { token: otherTenant })).id).toBe('home-1');
  });
});

describe('text that no store can hold', () => {
  it.each([
    ['U+0000', 'a\u0000b'],
    ['an unpaired surrogate', 'a\udc00b'],
  ])('%s is BAD_USER_INPUT in every text field of an address, and changes nothing', async (_, bad) => {
    const n = await newCustomer();
    const a = ok(await addAddress(n, FULL));
    const refused = (response: GraphQLResponse, fields: string[]) => {
      expectError(response, 'BAD_USER_INPUT', fields);
      expect(response.status).toBe(400);
      for (const detail of response.errors![0]!.extensions!.details) {
        expect(detail.message).toMatch(/U\+0000|unpaired UTF-16 surrogate/);
      }
    };
    for (const field of [...Object.keys(NO_FIELDS), 'contactName', 'country']) {
      refused(await addAddress(n, { ...BERLIN, [field]: bad }), [`input.${field}`]);
      refused(await updateAddress(n, a.id, { ...BERLIN, [field]: bad }), [`input.${field}`]);
      refused(await patchAddress(n, a.id, { [field]: bad }), [`input.${field}`]);
    }
    refused(await addAddress(n, { ...BERLIN, id: bad }), ['input.id']);
    refused(await addAddress(n, { ...BERLIN, tags: ['ok', bad] }), ['input.tags[1]']);
    refused(await addTags(n, a.id, [bad]), ['tags[0]']);
    refused(await removeTags(n, a.id, [bad]), ['tags[0]']);
    expect((await addressesOf(n)).addresses).toHaveLength(1);
    expect(await customerAddress(n, a.id)).toEqual(a);
  });
});

describe('upsert: replace the address with this id, or add it under the id (the rule of REST PUT)', () => {
  const domain = createDomain();
  const acme: Reach = { tenant: 'acme' };
  const upsert = (n: string, a: string, input: Record<string, unknown>, reach: Reach = acme) =>
    server.service.store.transaction((tx) => domain.addresses.upsert(tx, reach, n, a, input));
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: DomainError) => ({ code: error.code, fields: error.details?.map((d) => d.field) }),
    );

  it('adds the address under the id when the customer has none with it, then replaces it', async () => {
    const n = await newCustomer();
    const id = `upsert-${n}`;
    const added = await upsert(n, id, { ...FULL });
    expect(added).toMatchObject({ created: true, address: { id, city: 'Berlin', isDefault: true } });
    const replaced = await upsert(n, id, BERLIN);
    expect(replaced).toMatchObject({ created: false, address: { id, city: null, tags: [], isDefault: true } });
    expect(await customerAddress(n, id)).toMatchObject({ id, ...BERLIN, ...NO_FIELDS, tags: [], isDefault: true });
    // Each is one change of the customer.
    expect(await versionOf(n)).toBe(3);
  });

  it("another customer's address id is CONFLICT; a missing customer NOT_FOUND; a malformed id BAD_USER_INPUT", async () => {
    const owner = await newCustomer();
    const taken = await added(owner);
    const n = await newCustomer();
    expect(await failure(upsert(n, taken, BERLIN))).toEqual({ code: 'CONFLICT', fields: undefined });
    expect((await addressesOf(n)).addresses).toEqual([]);
    expect(await failure(upsert(`missing-${n}`, 'any-id', BERLIN))).toEqual({ code: 'NOT_FOUND', fields: undefined });
    expect(await failure(upsert(n, 'no spaces', BERLIN))).toEqual({ code: 'BAD_USER_INPUT', fields: ['addressId'] });
    expect(await failure(upsert(n, 'a1', { ...BERLIN, id: 'a2' }))).toEqual({
      code: 'BAD_USER_INPUT',
      fields: ['input.id'],
    });
    expect(await failure(upsert(n, 'a1', { country: 'DE' }))).toEqual({
      code: 'BAD_USER_INPUT',
      fields: ['input.contactName'],
    });
    expect(await versionOf(n)).toBe(1);
  });
});
