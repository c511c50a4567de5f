/**
 * Every field of every mutation input reaches the store and comes back: adding a field to a GraphQL input and
 * forgetting it in the validation (zod drops unknown keys), in the domain's mapping or in a store fails here. The
 * list of input fields is read from the served schema, so a new field without a sample below fails the first test.
 */
import { isInputObjectType, isListType, isNonNullType, type GraphQLInputType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema } from '../src/graphql/schema.js';
import { startTestServer, type TestServer } from './helpers.js';

type Json = unknown;
/** Two valid values of a field (`a` when creating, `b` when changing), and where the answer shows it. */
interface Sample {
  a: Json;
  b: Json;
  read(node: Record<string, any>): Json;
  /** Taken when creating only (an id); a change keeps the value it had. */
  createOnly?: boolean;
}

let sequence = 0;
const unique = (prefix: string) => `${prefix}${process.pid}-${++sequence}`;
const same =
  (field: string) =>
  (node: Record<string, any>): Json =>
    node[field];

const PROFILE: Record<string, Sample> = {
  title: { a: 'Dr', b: 'Prof', read: same('title') },
  firstName: { a: 'Ada', b: 'Grace', read: same('firstName') },
  middleName: { a: 'B.', b: 'M.', read: same('middleName') },
  lastName: { a: 'Lovelace', b: 'Hopper', read: same('lastName') },
  contactEmail: { a: 'ada@fields.example', b: 'grace@fields.example', read: same('contactEmail') },
  contactPhone: { a: '+49 30 1234', b: '+1 555 0100', read: same('contactPhone') },
  company: { a: 'Analytical', b: 'Navy', read: same('company') },
  preferredLanguage: { a: 'de_DE', b: 'fr_FR', read: same('preferredLanguage') },
  preferredCurrency: { a: 'EUR', b: 'GBP', read: same('preferredCurrency') },
  preferredSite: { a: 'eu', b: 'uk', read: same('preferredSite') },
  active: { a: true, b: false, read: same('active') },
  onHold: { a: true, b: false, read: same('onHold') },
  b2b: {
    a: { companyRegistrationId: 'REG-FIELDS-A' },
    b: { companyRegistrationId: 'REG-FIELDS-B' },
    read: (node) => node.b2b && { companyRegistrationId: node.b2b.companyRegistrationId },
  },
  mixins: { a: { loyalty: { tier: 'gold', points: 3 } }, b: { loyalty: { tier: 'silver' } }, read: same('mixins') },
  type: { a: 'CONTACT', b: 'CUSTOMER', read: same('type') },
  photoUrl: { a: 'https://example.com/a.png', b: 'https://example.com/b.jpg', read: same('photoUrl') },
  mixinSchemas: {
    a: { loyalty: 'https://schemas.example/loyalty.v1.json' },
    b: { loyalty: 'https://schemas.example/loyalty.v2.json', notes: 'https://schemas.example/notes.json' },
    read: same('mixinSchemas'),
  },
};

const ADDRESS: Record<string, Sample> = {
  contactName: { a: 'Ada', b: 'Grace', read: same('contactName') },
  companyName: { a: 'Analytical', b: 'Navy', read: same('companyName') },
  street: { a: 'Main Street', b: 'High Street', read: same('street') },
  streetNumber: { a: '1', b: '2a', read: same('streetNumber') },
  streetAppendix: { a: 'Back', b: 'Front', read: same('streetAppendix') },
  extraLine1: { a: 'x1', b: 'y1', read: same('extraLine1') },
  extraLine2: { a: 'x2', b: 'y2', read: same('extraLine2') },
  extraLine3: { a: 'x3', b: 'y3', read: same('extraLine3') },
  extraLine4: { a: 'x4', b: 'y4', read: same('extraLine4') },
  zipCode: { a: '10115', b: 'EC1A 1BB', read: same('zipCode') },
  city: { a: 'Berlin', b: 'London', read: same('city') },
  country: { a: 'DE', b: 'GB', read: same('country') },
  state: { a: 'BE', b: 'LND', read: same('state') },
  contactPhone: { a: '+49 30 1', b: '+44 20 2', read: same('contactPhone') },
  tags: { a: ['BILLING', 'home'], b: ['SHIPPING'], read: same('tags') },
  // The only address stays the default whatever a change says: `true` both times.
  isDefault: { a: true, b: true, read: same('isDefault') },
  mixins: { a: { dock: { gate: 7 } }, b: { dock: { gate: 2 } }, read: same('mixins') },
  mixinSchemas: {
    a: { dock: 'https://schemas.example/dock.v1.json' },
    b: { dock: 'https://schemas.example/dock.v2.json' },
    read: same('mixinSchemas'),
  },
};

/** Public addresses literally (no DNS): accepted as they are, and never sent to (the endpoints are paused). */
const WEBHOOK: Record<string, Sample> = {
  url: { a: 'https://93.184.215.14/a', b: 'https://93.184.215.14/b', read: same('url') },
  description: { a: 'orders', b: 'billing', read: same('description') },
  eventTypes: { a: ['customer.created'], b: ['customer.updated', 'customer.deleted'], read: same('eventTypes') },
};

/** The samples of each mutation input type, by field; nested input types by their own name. */
const SAMPLES: Record<string, Record<string, Sample>> = {
  CustomerCreateInput: {
    ...PROFILE,
    id: { a: 'set-below', b: null, read: same('customerNumber'), createOnly: true },
  },
  CustomerUpsertInput: PROFILE,
  CustomerPatchInput: PROFILE,
  CustomerB2BInput: {
    companyRegistrationId: {
      a: 'REG-FIELDS-A',
      b: 'REG-FIELDS-B',
      read: (node) => node.b2b?.companyRegistrationId ?? null,
    },
  },
  AddressInput: { ...ADDRESS, id: { a: 'set-below', b: null, read: same('id'), createOnly: true } },
  AddressPatchInput: ADDRESS,
  CreateWebhookEndpointInput: WEBHOOK,
  UpdateWebhookEndpointInput: {
    ...WEBHOOK,
    active: { a: false, b: true, read: same('active') },
  },
};

const ADDRESS_FIELDS = Object.keys(ADDRESS).join(' ');
/** What the answer shows of a customer: every field with a sample (so a new one is read back too), and its addresses. */
const CUSTOMER_FIELDS = `customerNumber ${Object.keys(PROFILE)
  .map((field) => (field === 'b2b' ? 'b2b { companyRegistrationId }' : field))
  .join(' ')} addresses { id ${ADDRESS_FIELDS} }`;

function namedInput(type: GraphQLInputType): GraphQLInputType {
  return isNonNullType(type) || isListType(type) ? namedInput(type.ofType) : type;
}

/** `Type.field` for every field of every input object a mutation takes, nested ones included. */
function mutationInputFields(): string[] {
  const schema = buildSchema();
  const seen = new Set<string>();
  const fields: string[] = [];
  const visit = (type: GraphQLInputType) => {
    const named = namedInput(type);
    if (!isInputObjectType(named) || seen.has(named.name)) return;
    seen.add(named.name);
    for (const field of Object.values(named.getFields())) {
      fields.push(`${named.name}.${field.name}`);
      visit(field.type);
    }
  };
  for (const mutation of Object.values(schema.getMutationType()!.getFields())) {
    for (const arg of mutation.args) visit(arg.type);
  }
  return fields.sort();
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

async function ok(query: string, variables: Record<string, unknown>) {
  const response = await server.gql(query, variables);
  expect(response.errors).toBeUndefined();
  return response.data!;
}

const readCustomer = async (n: string) =>
  (await ok(`query($n: String!) { customer(customerNumber: $n) { ${CUSTOMER_FIELDS} } }`, { n })).customer;

/** Each sample's value, with the email made unique to this run (an account email is unique in the tenant). */
function input(samples: Record<string, Sample>, which: 'a' | 'b', overrides: Record<string, Json> = {}) {
  const values: Record<string, Json> = {};
  for (const [field, sample] of Object.entries(samples)) {
    if (which === 'b' && sample.createOnly) continue;
    values[field] = field === 'contactEmail' ? unique(`${which}-`) + String(sample[which]) : sample[which];
  }
  return { ...values, ...overrides };
}

function expectEach(samples: Record<string, Sample>, node: Record<string, any>, sent: Record<string, Json>) {
  const shown = Object.fromEntries(Object.keys(sent).map((field) => [field, samples[field]!.read(node)]));
  expect(shown).toEqual(sent);
}

describe('every field of a mutation input is stored and shown', () => {
  it('has a sample here for each field the schema takes (add one with a new field)', () => {
    const covered = Object.entries(SAMPLES).flatMap(([type, fields]) => Object.keys(fields).map((f) => `${type}.${f}`));
    expect(covered.sort()).toEqual(mutationInputFields());
  });

  it('createCustomer, patchCustomer and upsertCustomer keep every field they are given', async () => {
    const created = input(SAMPLES.CustomerCreateInput!, 'a', { id: unique('fields-') });
    const n = created.id as string;
    await ok(`mutation($i: CustomerCreateInput!) { createCustomer(input: $i) { customerNumber } }`, { i: created });
    expectEach(SAMPLES.CustomerCreateInput!, await readCustomer(n), created);

    const patched = input(SAMPLES.CustomerPatchInput!, 'b');
    await ok(`mutation($n: String!, $i: CustomerPatchInput!) { patchCustomer(customerNumber: $n, input: $i) { id } }`, {
      n,
      i: patched,
    });
    expectEach(SAMPLES.CustomerPatchInput!, await readCustomer(n), patched);

    const upserted = input(SAMPLES.CustomerUpsertInput!, 'a');
    const upsert = `mutation($n: String!, $i: CustomerUpsertInput!) {
      upsertCustomer(customerNumber: $n, input: $i) { created } }`;
    await ok(upsert, { n, i: upserted });
    expectEach(SAMPLES.CustomerUpsertInput!, await readCustomer(n), upserted);
    // An upsert that creates keeps them all too.
    const fresh = unique('fields-new-');
    const again = input(SAMPLES.CustomerUpsertInput!, 'b');
    expect((await ok(upsert, { n: fresh, i: again })).upsertCustomer).toEqual({ created: true });
    expectEach(SAMPLES.CustomerUpsertInput!, await readCustomer(fresh), again);
  });

  it('addCustomerAddress, updateCustomerAddress and patchCustomerAddress keep every field they are given', async () => {
    const n = unique('fields-addr-');
    await ok(`mutation($i: CustomerCreateInput!) { createCustomer(input: $i) { id } }`, { i: { id: n } });
    const added = input(SAMPLES.AddressInput!, 'a', { id: unique('addr-') });
    const a = added.id as string;
    await ok(`mutation($n: String!, $i: AddressInput!) { addCustomerAddress(customerNumber: $n, input: $i) { id } }`, {
      n,
      i: added,
    });
    const addressOf = async () => (await readCustomer(n)).addresses.find((x: { id: string }) => x.id === a);
    expectEach(SAMPLES.AddressInput!, await addressOf(), added);

    const updated = input(SAMPLES.AddressInput!, 'b');
    await ok(
      `mutation($n: String!, $a: ID!, $i: AddressInput!) {
        updateCustomerAddress(customerNumber: $n, addressId: $a, input: $i) { id } }`,
      { n, a, i: updated },
    );
    expectEach(SAMPLES.AddressInput!, await addressOf(), updated);

    const patched = input(SAMPLES.AddressPatchInput!, 'a');
    await ok(
      `mutation($n: String!, $a: ID!, $i: AddressPatchInput!) {
        patchCustomerAddress(customerNumber: $n, addressId: $a, input: $i) { id } }`,
      { n, a, i: patched },
    );
    expectEach(SAMPLES.AddressPatchInput!, await addressOf(), patched);
  });

  it('createWebhookEndpoint and updateWebhookEndpoint keep every field they are given', async () => {
    const shown = 'id url description eventTypes active';
    const created = input(SAMPLES.CreateWebhookEndpointInput!, 'a');
    const { createWebhookEndpoint } = await ok(
      `mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { ${shown} } } }`,
      { i: created },
    );
    expectEach(SAMPLES.CreateWebhookEndpointInput!, createWebhookEndpoint.endpoint, created);
    const id = createWebhookEndpoint.endpoint.id;
    for (const which of ['a', 'b'] as const) {
      const changed = input(SAMPLES.UpdateWebhookEndpointInput!, which);
      await ok(
        `mutation($id: ID!, $i: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(id: $id, input: $i) { id } }`,
        {
          id,
          i: { ...changed, active: false },
        },
      );
      const { webhookEndpoint } = await ok(`query($id: ID!) { webhookEndpoint(id: $id) { ${shown} } }`, { id });
      expectEach(SAMPLES.UpdateWebhookEndpointInput!, webhookEndpoint, { ...changed, active: false });
    }
  });
});
