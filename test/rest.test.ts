/**
 * The REST API over HTTP, on the started service (both modes, both stores): every route with its statuses, headers
 * and bodies, the failures REST.md names (401 fault bodies, the path's tenant, 403, 404, 405, 409, 413, 415, 400),
 * that a refused request writes nothing, the q language, sort, paging, expand and the Count headers, the docs, and
 * /metrics and the masked 500. Every answer is checked against the OpenAPI document (response-validator.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRODUCTION, STORE, startTestServer, type TestServer } from './helpers.js';
import { restClient } from './support/rest-client.js';
import { fixtures, type Fixtures } from './tenant-fixtures.js';

let server: TestServer;
let seed: Fixtures;
let rest: ReturnType<typeof restClient>;
const BASE = '/customer/acme/customers';

beforeAll(async () => {
  server = await startTestServer();
  seed = fixtures(server.service);
  rest = restClient(server, await server.token());
});
afterAll(() => server?.close());

let n = 0;
const unique = () => `${process.pid}r${++n}`;

async function createCustomer(body: Record<string, unknown> = {}): Promise<string> {
  const id = unique();
  const answer = await rest('POST', `${BASE}?sendPasswordResetNotifications=false`, {
    body: { lastName: `Rest${id}`, contactEmail: `rest${id}@example.com`, ...body },
  });
  expect(answer.status, answer.text).toBe(201);
  return answer.json.id as string;
}

describe('customers', () => {
  it('POST creates (201 {id}); GET reads it back; the id is its customer number', async () => {
    const created = await rest('POST', BASE, {
      body: { firstName: 'Ada', lastName: 'Lovelace', contactEmail: `ada${unique()}@example.com`, company: 'Engines' },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(created.json)).toEqual(['id']);
    const read = await rest('GET', `${BASE}/${created.json.id}`);
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({
      id: created.json.id,
      customerNumber: created.json.id,
      firstName: 'Ada',
      lastName: 'Lovelace',
      company: 'Engines',
      active: false,
      onHold: false,
      businessModel: 'B2C',
      preferredLanguage: 'en_US',
      preferredCurrency: 'USD',
      preferredSite: 'main',
      metadata: { version: 2 },
    });
    // Fields without a value are left out; addresses, accounts and mixins only with expand.
    expect(read.json).not.toHaveProperty('middleName');
    expect(read.json).not.toHaveProperty('addresses');
    expect(read.json).not.toHaveProperty('accounts');
    expect(read.json).not.toHaveProperty('mixins');
  });

  it('a custom id, and customerNumber as its other name; a taken or deleted number is 409', async () => {
    const id = `CUST-${unique()}`;
    expect((await rest('POST', BASE, { body: { id, lastName: 'X' } })).json).toEqual({ id });
    const taken = await rest('POST', BASE, { body: { customerNumber: id, lastName: 'Y' } });
    expect(taken.status).toBe(409);
    expect(taken.json).toMatchObject({ status: 409, type: 'conflict' });
    expect((await rest('DELETE', `${BASE}/${id}`)).status).toBe(202);
    const reused = await rest('POST', BASE, { body: { id, lastName: 'Z' } });
    expect(reused.status).toBe(409);
    expect(reused.json.message).toMatch(/deleted/);
    const differ = await rest('POST', BASE, { body: { id: 'a1', customerNumber: 'a2' } });
    expect(differ.status).toBe(400);
    expect(differ.json.details).toEqual([
      { field: 'customerNumber', type: 'invalid_value', message: 'must equal id when both are given' },
    ]);
  });

  it('an email used by an account of the tenant is 409, and nothing is written', async () => {
    const email = `dup${unique()}@example.com`;
    await createCustomer({ contactEmail: email });
    const before = await seed.count('acme');
    const again = await rest('POST', BASE, { body: { lastName: 'Dup', contactEmail: email.toUpperCase() } });
    expect(again.status).toBe(409);
    expect(await seed.count('acme')).toBe(before);
  });

  it('invalid input is 400 with details naming the fields, in REST terms', async () => {
    const bad = await rest('POST', BASE, { body: { contactEmail: 'not-an-email', preferredCurrency: 'ABCD' } });
    expect(bad.status).toBe(400);
    expect(bad.json.type).toBe('bad_request');
    expect(bad.json.details.map((d: { field: string }) => d.field).sort()).toEqual([
      'contactEmail',
      'preferredCurrency',
    ]);
    const unknown = await rest('POST', BASE, { body: { lastName: 'X', nickname: 'x', metadata: { version: 3 } } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.details).toEqual(
      expect.arrayContaining([
        { field: 'nickname', type: 'unknown_field', message: 'is not a property of this body' },
        { field: 'metadata.version', type: 'read_only', message: 'is read-only' },
      ]),
    );
    const wrongType = await rest('POST', BASE, { body: { active: 'yes' } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.details).toEqual([
      { field: 'active', type: 'invalid_value', message: 'must be true or false' },
    ]);
  });

  it('text that no store can hold (U+0000, an unpaired surrogate) is 400 naming the field, and writes nothing', async () => {
    const id = await createCustomer();
    const address = (await rest('POST', `${BASE}/${id}/addresses`, { body: { contactName: 'A', country: 'DE' } })).json
      .id;
    const refused = (answer: { status: number; json: any }, fields: string[]) => {
      expect(answer.status).toBe(400);
      expect(answer.json.details.map((d: { field: string }) => d.field).sort()).toEqual([...fields].sort());
      for (const detail of answer.json.details) {
        expect(detail).toMatchObject({ type: 'invalid_value', message: expect.stringMatching(/U\+0000|surrogate/) });
      }
    };
    const before = await seed.count('acme');
    const read = await rest('GET', `${BASE}/${id}?expand=addresses,mixin:*`);
    for (const bad of ['a\u0000b', 'a\ud800b']) {
      refused(await rest('POST', BASE, { body: { firstName: bad } }), ['firstName']);
      refused(await rest('POST', BASE, { body: { id: bad } }), ['id']);
      refused(await rest('PUT', `${BASE}/PUT-${unique()}`, { body: { lastName: bad } }), ['lastName']);
      refused(await rest('PUT', `${BASE}/${id}`, { body: { mixins: { [bad]: 1 } } }), ['mixins']);
      refused(await rest('PATCH', `${BASE}/${id}`, { body: { company: 'C', mixins: { a: [bad] } } }), ['mixins.a[0]']);
      refused(await rest('POST', `${BASE}/${id}/accounts/internal`, { body: { email: `x${bad}@example.com` } }), [
        'email',
      ]);
      refused(await rest('POST', `${BASE}/${id}/addresses`, { body: { contactName: bad, country: 'DE' } }), [
        'contactName',
      ]);
      refused(
        await rest('PUT', `${BASE}/${id}/addresses/${address}`, {
          body: { contactName: 'A', country: 'DE', city: bad },
        }),
        ['city'],
      );
      refused(await rest('PATCH', `${BASE}/${id}/addresses/${address}`, { body: { tags: [bad] } }), ['tags[0]']);
      const search = await rest('POST', `${BASE}/search`, { body: { q: `lastName:"${bad}"` } });
      expect(search.status).toBe(400);
      expect(search.json.details[0]).toMatchObject({ field: 'q', type: 'invalid_value' });
      const nested = await rest('POST', `${BASE}/search`, { body: { q: `mixins.note:"${bad}"` } });
      expect(nested.status).toBe(400);
    }
    // In the path or the query string: percent-decoded, U+0000 is an id nothing has, and bad text in q or tags.
    expect((await rest('GET', `${BASE}/${id}/addresses/a%00b`)).status).toBe(404);
    expect((await rest('PATCH', `${BASE}/${id}/addresses/a%00b`, { body: { city: 'X' } })).status).toBe(404);
    refused(await rest('POST', `${BASE}/${id}/addresses/${address}/tags?tags=ok,a%00b`), ['tags[1]']);
    expect((await rest('GET', `${BASE}?q=lastName:a%00b`)).status).toBe(400);
    expect(await seed.count('acme')).toBe(before);
    expect(await rest('GET', `${BASE}/${id}?expand=addresses,mixin:*`)).toMatchObject({ status: 200, json: read.json });
  });

  it('PUT creates (201 {id}) or updates (204); metadata.version, when given, must be the current one (409)', async () => {
    const id = `PUT-${unique()}`;
    const created = await rest('PUT', `${BASE}/${id}`, { body: { lastName: 'Put', firstName: 'First' } });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({ id });
    const updated = await rest('PUT', `${BASE}/${id}`, {
      body: { lastName: 'Put', firstName: 'Second', metadata: { version: 1 } },
      contentType: 'application/merge-patch+json',
    });
    expect(updated.status).toBe(204);
    expect(updated.text).toBe('');
    const stale = await rest('PUT', `${BASE}/${id}`, { body: { firstName: 'Third', metadata: { version: 1 } } });
    expect(stale.status).toBe(409);
    expect(stale.json).toMatchObject({ status: 409, type: 'conflict' });
    const read = await rest('GET', `${BASE}/${id}`);
    expect(read.json).toMatchObject({ firstName: 'Second', metadata: { version: 2 } });
    const otherId = await rest('PUT', `${BASE}/${id}`, { body: { id: 'another' } });
    expect(otherId.status).toBe(400);
    expect(otherId.json.details[0].field).toBe('id');
  });

  it('PATCH changes the given fields and answers the customer (200)', async () => {
    const id = await createCustomer({ firstName: 'Keep', company: 'Old' });
    const patched = await rest('PATCH', `${BASE}/${id}`, {
      body: { company: 'New', active: true, metadata: { version: 2 } },
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      id,
      firstName: 'Keep',
      company: 'New',
      active: true,
      metadata: { version: 3 },
    });
    const stale = await rest('PATCH', `${BASE}/${id}`, { body: { company: 'Newer', metadata: { version: 2 } } });
    expect(stale.status).toBe(409);
    expect((await rest('GET', `${BASE}/${id}`)).json.company).toBe('New');
    const missing = await rest('PATCH', `${BASE}/NOPE-${unique()}`, { body: { company: 'X' } });
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ status: 404, type: 'not_found' });
  });

  it('DELETE answers 202; the customer is gone (404)', async () => {
    const id = await createCustomer();
    const deleted = await rest('DELETE', `${BASE}/${id}`);
    expect(deleted.status).toBe(202);
    expect(deleted.text).toBe('');
    expect((await rest('GET', `${BASE}/${id}`)).status).toBe(404);
    expect((await rest('DELETE', `${BASE}/${id}`)).status).toBe(404);
  });

  it('b2b: a registration id joins the legal entity; businessModel is B2B', async () => {
    const registration = `REG-${unique()}`;
    const id = await createCustomer({ company: 'Emporix', b2b: { companyRegistrationId: registration } });
    const read = await rest('GET', `${BASE}/${id}`);
    expect(read.json.businessModel).toBe('B2B');
    expect(read.json.b2b).toEqual({
      companyRegistrationId: registration,
      legalEntities: [{ id: expect.any(String), name: 'Emporix', contactAssignmentId: expect.any(String) }],
    });
  });

  it('accounts: POST .../accounts/internal adds one (201 {id}); its email must be free (409)', async () => {
    const id = await createCustomer();
    const email = `second${unique()}@example.com`;
    const added = await rest('POST', `${BASE}/${id}/accounts/internal`, { body: { email } });
    expect(added.status).toBe(201);
    expect(added.json).toEqual({ id });
    expect((await rest('POST', `${BASE}/${id}/accounts/internal`, { body: { email } })).status).toBe(409);
    const read = await rest('GET', `${BASE}/${id}?expand=accounts`);
    expect(read.json.accounts).toEqual([{ id: expect.stringMatching(/@example\.com$/) }, { id: email }]);
    const bad = await rest('POST', `${BASE}/${id}/accounts/internal`, { body: { email: 'nope' } });
    expect(bad.status).toBe(400);
    expect(bad.json.details[0].field).toBe('email');
  });

  it('expand: addresses, accounts and mixin:* in any order; anything else is 400', async () => {
    const id = await createCustomer({ mixins: { loyalty: { level: 'gold' } } });
    await rest('POST', `${BASE}/${id}/addresses`, { body: { contactName: 'A', country: 'DE' } });
    const all = await rest('GET', `${BASE}/${id}?expand=mixin:*,accounts,addresses`);
    expect(all.json.addresses).toHaveLength(1);
    expect(all.json.accounts).toHaveLength(1);
    expect(all.json.mixins).toEqual({ loyalty: { level: 'gold' } });
    expect(all.json.defaultAddress).toEqual(all.json.addresses[0]);
    const bad = await rest('GET', `${BASE}/${id}?expand=orders`);
    expect(bad.status).toBe(400);
    expect(bad.json.details[0]).toMatchObject({ field: 'expand', type: 'invalid_value' });
  });

  it('list parameters repeated, as openapi-fetch sends arrays, mean their comma-separated form', async () => {
    const id = await createCustomer({ mixins: { loyalty: { level: 'gold' } } });
    const address = await rest('POST', `${BASE}/${id}/addresses`, { body: { contactName: 'A', country: 'DE' } });
    const repeated = await rest('GET', `${BASE}/${id}?expand=mixin&expand=accounts&expand=addresses`);
    expect(repeated.status).toBe(200);
    expect(repeated.json).toEqual((await rest('GET', `${BASE}/${id}?expand=mixin:*,accounts,addresses`)).json);
    const sorted = await rest('GET', `${BASE}?sort=lastName&sort=id:desc&pageSize=5`);
    expect(sorted.json).toEqual((await rest('GET', `${BASE}?sort=lastName,id:desc&pageSize=5`)).json);
    const tags = `${BASE}/${id}/addresses/${address.json.id}/tags`;
    expect((await rest('POST', `${tags}?tags=BILLING&tags=SHIPPING`)).status).toBe(204);
    expect((await rest('GET', `${BASE}/${id}/addresses/${address.json.id}`)).json.tags).toEqual([
      'BILLING',
      'SHIPPING',
    ]);
    // The official description's metadataCreatedAt, in q and sort, is metadata.createdAt.
    const since = encodeURIComponent('metadataCreatedAt:>"2020-01-01T00:00:00Z"');
    const newest = await rest('GET', `${BASE}?q=${since}&sort=metadataCreatedAt:desc&pageSize=3`);
    expect(newest.status).toBe(200);
    expect(newest.json).toEqual(
      (
        await rest(
          'GET',
          `${BASE}?q=${since.replace('metadataCreatedAt', 'metadata.createdAt')}&sort=metadata.createdAt:desc&pageSize=3`,
        )
      ).json,
    );
    // A name that an object has by its prototype is no field: a 400, never a masked 500.
    const prototypeName = await rest('GET', `${BASE}?q=constructor:x`);
    expect(prototypeName.status).toBe(400);
    expect(prototypeName.json.details[0]).toMatchObject({ field: 'q', type: 'unknown_field' });
    const twice = await rest('GET', `${BASE}?pageSize=5&pageSize=6`);
    expect(twice.status).toBe(400);
    expect(twice.json.details[0]).toMatchObject({ field: 'pageSize', type: 'invalid_value' });
  });

  it("the official description's type and photoUrl: taken, shown, queried, cleared, checked", async () => {
    const id = await createCustomer({ type: 'CONTACT', photoUrl: 'https://example.com/ada.png' });
    const read = await rest('GET', `${BASE}/${id}`);
    expect(read.json).toMatchObject({ type: 'CONTACT', photoUrl: 'https://example.com/ada.png' });
    const found = await rest('GET', `${BASE}?q=${encodeURIComponent(`type:CONTACT id:${id}`)}`);
    expect(found.json.map((c: { id: string }) => c.id)).toEqual([id]);
    const patched = await rest('PATCH', `${BASE}/${id}`, { body: { type: 'CUSTOMER', photoUrl: null } });
    expect(patched.status).toBe(200);
    expect(patched.json.type).toBe('CUSTOMER');
    expect(patched.json).not.toHaveProperty('photoUrl');
    const bad = await rest('PATCH', `${BASE}/${id}`, { body: { type: 'PARTNER', photoUrl: 'ftp://example.com/a' } });
    expect(bad.status).toBe(400);
    expect(bad.json.details.map((d: { field: string }) => d.field).sort()).toEqual(['photoUrl', 'type']);
    expect((await rest('GET', `${BASE}/${id}`)).json.metadata.version).toBe(patched.json.metadata.version);
  });

  it("metadata.mixins (the official description's links to mixin schemas): taken, shown, changed, checked", async () => {
    const schemas = { loyalty: 'https://schemas.example/loyalty.v1.json' };
    const id = await createCustomer({ metadata: { mixins: schemas }, mixins: { loyalty: { level: 'gold' } } });
    const read = await rest('GET', `${BASE}/${id}`);
    expect(read.json.metadata).toMatchObject({ version: 2, mixins: schemas });
    const viaGraphQL = await server.gql('query($n: String!) { customer(customerNumber: $n) { mixinSchemas } }', {
      n: id,
    });
    expect(viaGraphQL.data?.customer).toEqual({ mixinSchemas: schemas });
    // A change without metadata.mixins keeps them.
    const patched = await rest('PATCH', `${BASE}/${id}`, { body: { firstName: 'Ada' } });
    expect(patched.json.metadata.mixins).toEqual(schemas);
    const cleared = await rest('PATCH', `${BASE}/${id}`, { body: { metadata: { mixins: null } } });
    expect(cleared.json.metadata).not.toHaveProperty('mixins');
    const bad = await rest('PATCH', `${BASE}/${id}`, { body: { metadata: { mixins: { loyalty: 'not a url' } } } });
    expect(bad.status).toBe(400);
    expect(bad.json.details).toEqual([
      { field: 'metadata.mixins.loyalty', type: 'invalid_value', message: 'must be an http or https URL' },
    ]);
    const address = await rest('POST', `${BASE}/${id}/addresses`, {
      body: { contactName: 'A', metadata: { mixins: { dock: 'https://schemas.example/dock.json' } } },
    });
    expect((await rest('GET', `${BASE}/${id}/addresses/${address.json.id}`)).json.metadata).toEqual({
      version: 1,
      mixins: { dock: 'https://schemas.example/dock.json' },
    });
  });

  it('search takes q in the body and, as an older official description has it, as a parameter: both must hold', async () => {
    const id = await createCustomer({ firstName: 'Searchable', company: 'Both Ways' });
    const both = await rest('POST', `${BASE}/search?q=${encodeURIComponent('company:"Both Ways"')}`, {
      body: { q: `id:${id}` },
    });
    expect(both.json.map((c: { id: string }) => c.id)).toEqual([id]);
    const none = await rest('POST', `${BASE}/search?q=${encodeURIComponent('company:"Other"')}`, {
      body: { q: `id:${id}` },
    });
    expect(none.json).toEqual([]);
    const customer = (await rest('GET', `${BASE}/${id}`)).json;
    expect(customer.metadataCreatedAt).toBe(customer.metadata.createdAt);
  });

  it('a password is refused with what to do instead: this service keeps none', async () => {
    const refused = await rest('POST', BASE, { body: { lastName: 'P', password: 'secret-123' } });
    expect(refused.status).toBe(400);
    expect(refused.json.details).toEqual([
      {
        field: 'password',
        type: 'not_allowed',
        message:
          'is not taken: this service keeps no passwords; the customer sets one through the password reset (sendPasswordResetNotifications=true)',
      },
    ]);
    expect(refused.text).not.toContain('secret-123');
  });

  it('an own login has no providerId (the official description types it as a string, never null)', async () => {
    const id = await createCustomer();
    const read = await rest('GET', `${BASE}/${id}?expand=accounts`);
    expect(read.json.accounts).toHaveLength(1);
    expect(read.json.accounts[0]).toEqual({ id: expect.any(String) });
  });
});

describe('addresses', () => {
  it('metadata.version: each change raises it; a PUT or PATCH made to another version is 409, writing nothing', async () => {
    const id = await createCustomer();
    const added = await rest('POST', `${BASE}/${id}/addresses`, { body: { contactName: 'A', country: 'DE' } });
    const path = `${BASE}/${id}/addresses/${added.json.id}`;
    const patched = await rest('PATCH', path, { body: { city: 'Bonn', metadata: { version: 1 } } });
    expect(patched.json).toMatchObject({ city: 'Bonn', metadata: { version: 2 } });
    const stale = await rest('PATCH', path, { body: { city: 'Köln', metadata: { version: 1 } } });
    expect(stale.status).toBe(409);
    expect(stale.json.message).toBe(`Address ${added.json.id} is at version 2, not 1.`);
    const staleReplace = await rest('PUT', path, { body: { contactName: 'B', metadata: { version: 5 } } });
    expect(staleReplace.status).toBe(409);
    // A PUT that would create the address cannot be made to a version of it.
    expect((await rest('PUT', `${path}x`, { body: { contactName: 'B', metadata: { version: 1 } } })).status).toBe(409);
    expect((await rest('GET', path)).json).toMatchObject({ contactName: 'A', city: 'Bonn', metadata: { version: 2 } });
    // What GET answered can be sent back as it is: its metadata.version makes the PUT safe.
    const read = (await rest('GET', path)).json;
    expect((await rest('PUT', path, { body: { ...read, city: 'Bonn-Beuel' } })).status).toBe(204);
    expect((await rest('GET', path)).json.metadata.version).toBe(3);
  });

  it("need only contactName, as the official description says, and keep mixins; GraphQL shows country as ''", async () => {
    const id = await createCustomer();
    const added = await rest('POST', `${BASE}/${id}/addresses`, {
      body: { contactName: 'Only A Name', mixins: { dock: { gate: 7 } } },
    });
    expect(added.status, added.text).toBe(201);
    const read = await rest('GET', `${BASE}/${id}/addresses/${added.json.id}`);
    expect(read.json).toEqual({
      id: added.json.id,
      contactName: 'Only A Name',
      tags: [],
      isDefault: true,
      mixins: { dock: { gate: 7 } },
      metadata: { version: 1 },
    });
    const viaGraphQL = await server.gql(
      'query($n: String!, $a: ID!) { customerAddress(customerNumber: $n, addressId: $a) { country mixins } }',
      { n: id, a: added.json.id },
    );
    expect(viaGraphQL.data?.customerAddress).toEqual({ country: '', mixins: { dock: { gate: 7 } } });
    const patched = await rest('PATCH', `${BASE}/${id}/addresses/${added.json.id}`, {
      body: { country: 'fr', mixins: null },
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ country: 'FR' });
    expect(patched.json).not.toHaveProperty('mixins');
    const cleared = await rest('PATCH', `${BASE}/${id}/addresses/${added.json.id}`, { body: { country: null } });
    expect(cleared.json).not.toHaveProperty('country');
    const bad = await rest('POST', `${BASE}/${id}/addresses`, { body: { country: 'DE', mixins: [1] } });
    expect(bad.status).toBe(400);
    expect(bad.json.details.map((d: { field: string }) => d.field).sort()).toEqual(['contactName', 'mixins']);
  });

  it('POST adds (201 {id}), GET lists (default first) and reads one, PATCH (200), PUT (201/204), DELETE (204)', async () => {
    const id = await createCustomer();
    const first = await rest('POST', `${BASE}/${id}/addresses`, {
      body: { contactName: 'First', country: 'de', city: 'Berlin', tags: ['BILLING'] },
    });
    expect(first.status).toBe(201);
    const custom = `addr${unique()}`;
    const second = await rest('POST', `${BASE}/${id}/addresses`, {
      body: { id: custom, contactName: 'Second', country: 'FR' },
    });
    expect(second.json).toEqual({ id: custom });
    const listed = await rest('GET', `${BASE}/${id}/addresses`);
    expect(listed.status).toBe(200);
    expect(listed.json.map((a: { id: string; isDefault: boolean }) => [a.id, a.isDefault])).toEqual([
      [first.json.id, true],
      [custom, false],
    ]);
    expect(listed.json[0]).toEqual({
      id: first.json.id,
      contactName: 'First',
      city: 'Berlin',
      country: 'DE',
      tags: ['BILLING'],
      isDefault: true,
      metadata: { version: 1 },
    });
    const one = await rest('GET', `${BASE}/${id}/addresses/${custom}`);
    expect(one.json).toMatchObject({ id: custom, contactName: 'Second', country: 'FR' });

    const patched = await rest('PATCH', `${BASE}/${id}/addresses/${custom}`, {
      body: { city: 'Paris', isDefault: true },
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ id: custom, city: 'Paris', isDefault: true });

    const replaced = await rest('PUT', `${BASE}/${id}/addresses/${custom}`, {
      body: { contactName: 'Third', country: 'IT' },
    });
    expect(replaced.status).toBe(204);
    // PUT replaces every field: the city is gone.
    expect((await rest('GET', `${BASE}/${id}/addresses/${custom}`)).json).toEqual({
      id: custom,
      contactName: 'Third',
      country: 'IT',
      tags: [],
      isDefault: true,
      metadata: { version: 3 },
    });
    const newId = `put${unique()}`;
    const createdByPut = await rest('PUT', `${BASE}/${id}/addresses/${newId}`, {
      body: { contactName: 'New', country: 'ES' },
    });
    expect(createdByPut.status).toBe(201);
    expect(createdByPut.json).toEqual({ id: newId });

    expect((await rest('DELETE', `${BASE}/${id}/addresses/${newId}`)).status).toBe(204);
    expect((await rest('GET', `${BASE}/${id}/addresses/${newId}`)).status).toBe(404);
    // Every change to an address is a version of the customer.
    expect((await rest('GET', `${BASE}/${id}`)).json.metadata.version).toBe(8);
  });

  it("PUT: an id in the body (as read from this API) must be the path's, whether the PUT replaces or creates", async () => {
    const id = await createCustomer();
    const existing = `put${unique()}`;
    expect(
      (await rest('PUT', `${BASE}/${id}/addresses/${existing}`, { body: { contactName: 'New', country: 'ES' } }))
        .status,
    ).toBe(201);
    const sameId = await rest('PUT', `${BASE}/${id}/addresses/${existing}`, {
      body: { id: existing, contactName: 'Newer', country: 'ES' },
    });
    expect(sameId.status).toBe(204);
    const fresh = `put${unique()}`;
    for (const path of [existing, fresh]) {
      const otherId = await rest('PUT', `${BASE}/${id}/addresses/${path}`, {
        body: { id: `other${unique()}`, contactName: 'Renamed', country: 'ES' },
      });
      expect(otherId.status).toBe(400);
      expect(otherId.json.details).toEqual([
        { field: 'id', type: 'invalid_value', message: expect.stringContaining(JSON.stringify(path)) },
      ]);
    }
    const listed = await rest('GET', `${BASE}/${id}/addresses`);
    expect(listed.json.map((a: { id: string; contactName: string }) => [a.id, a.contactName])).toEqual([
      [existing, 'Newer'],
    ]);
  });

  it('tags: POST adds (kept once), DELETE removes (204); tags is required', async () => {
    const id = await createCustomer();
    const address = (
      await rest('POST', `${BASE}/${id}/addresses`, { body: { contactName: 'T', country: 'DE', tags: ['A'] } })
    ).json.id;
    const path = `${BASE}/${id}/addresses/${address}/tags`;
    expect((await rest('POST', `${path}?tags=B,A,C`)).status).toBe(204);
    expect((await rest('GET', `${BASE}/${id}/addresses/${address}`)).json.tags).toEqual(['A', 'B', 'C']);
    expect((await rest('DELETE', `${path}?tags=A,Z`)).status).toBe(204);
    expect((await rest('GET', `${BASE}/${id}/addresses/${address}`)).json.tags).toEqual(['B', 'C']);
    const missing = await rest('POST', path);
    expect(missing.status).toBe(400);
    expect(missing.json.details).toEqual([{ field: 'tags', type: 'missing', message: expect.any(String) }]);
    const bad = await rest('POST', `${path}?tags=${encodeURIComponent('no spaces')}`);
    expect(bad.status).toBe(400);
    expect(bad.json.details[0].field).toMatch(/^tags/);
  });

  it("another customer's address, or a missing one, is 404; a taken id is 409; the default cannot be undefaulted", async () => {
    const a = await createCustomer();
    const b = await createCustomer();
    const ofA = (await rest('POST', `${BASE}/${a}/addresses`, { body: { contactName: 'A', country: 'DE' } })).json.id;
    expect((await rest('GET', `${BASE}/${b}/addresses/${ofA}`)).status).toBe(404);
    expect((await rest('PATCH', `${BASE}/${b}/addresses/${ofA}`, { body: { city: 'X' } })).status).toBe(404);
    expect((await rest('DELETE', `${BASE}/${b}/addresses/${ofA}`)).status).toBe(404);
    expect((await rest('POST', `${BASE}/${b}/addresses/${ofA}/tags?tags=X`)).status).toBe(404);
    expect((await rest('GET', `${BASE}/NOPE-${unique()}/addresses`)).status).toBe(404);
    const taken = await rest('PUT', `${BASE}/${b}/addresses/${ofA}`, { body: { contactName: 'B', country: 'DE' } });
    expect(taken.status).toBe(409);
    const undefault = await rest('PATCH', `${BASE}/${a}/addresses/${ofA}`, { body: { isDefault: false } });
    expect(undefault.status).toBe(400);
    expect(undefault.json.details[0].field).toBe('isDefault');
    const required = await rest('POST', `${BASE}/${a}/addresses`, { body: { country: 'DE' } });
    expect(required.status).toBe(400);
    expect(required.json.details).toEqual([{ field: 'contactName', type: 'missing', message: 'is required' }]);
  });
});

describe('the requests REST.md refuses', () => {
  it('401: no token, a malformed or badly signed token, an expired one; the fault body', async () => {
    const invalid = {
      fault: { faultstring: 'Invalid access token', detail: { errorcode: 'oauth.v2.InvalidAccessToken' } },
    };
    const none = await rest('GET', BASE, { token: null });
    expect(none.status).toBe(401);
    expect(none.json).toEqual(invalid);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const garbage = await rest('GET', BASE, { token: 'not.a.jwt' });
    expect(garbage.json).toEqual(invalid);
    expect(garbage.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    const basic = await rest('GET', BASE, { token: null, headers: { authorization: 'Basic abc' } });
    expect(basic.status).toBe(401);
    const expired = await rest('GET', BASE, { token: await server.token({}, { ttlSeconds: -10 }) });
    expect(expired.status).toBe(401);
    expect(expired.json).toEqual({
      fault: {
        faultstring: 'Access Token expired',
        detail: { errorcode: 'keymanagement.service.access_token_expired' },
      },
    });
    // Writes too, before their body is looked at.
    expect((await rest('POST', BASE, { token: null, body: { lastName: 'X' } })).status).toBe(401);
  });

  it("400 when the path's tenant is not the token's (or not a tenant at all)", async () => {
    for (const tenant of ['globex', 'ACME', 'a', 'acme-1']) {
      const answer = await rest('GET', `/customer/${tenant}/customers`);
      expect(answer.status, tenant).toBe(400);
      expect(answer.json).toEqual({
        status: 400,
        type: 'bad_request',
        message: 'The tenant information provided with the request is not valid.',
        details: [
          {
            field: 'tenant',
            type: 'invalid_value',
            message: "the path's {tenant} must be the tenant the token was issued for, in lowercase",
          },
        ],
      });
    }
  });

  it('403 names the scopes that would allow it; expand=addresses needs an address-reading scope', async () => {
    const readOnly = await server.token({ scope: 'customer.customer_read' });
    const refused = await rest('POST', BASE, { token: readOnly, body: { lastName: 'X' } });
    expect(refused.status).toBe(403);
    expect(refused.json.type).toBe('forbidden');
    expect(refused.json.message).toContain('customer.customer_manage');
    const id = await createCustomer();
    const own = await server.token({ scope: 'customer.customer_read_own', customer_id: id });
    expect((await rest('GET', `${BASE}/${id}`, { token: own })).status).toBe(404);
    const withAddresses = await rest('GET', `${BASE}?expand=addresses`, { token: own });
    expect(withAddresses.status).toBe(403);
    expect(withAddresses.json.message).toContain('customer.customer_read');
  });

  it('404 for a path that names no endpoint, 405 with Allow for a method it does not take', async () => {
    const nowhere = await rest('GET', '/customer/acme/orders');
    expect(nowhere.status).toBe(404);
    expect(nowhere.json).toMatchObject({ status: 404, type: 'not_found' });
    const wrong = await rest('DELETE', BASE);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD, POST');
  });

  it('415 for a body that is not JSON; 400 for malformed JSON, a missing body, a body that is not an object', async () => {
    const before = await seed.count('acme');
    const form = await rest('POST', BASE, { body: 'lastName=X', contentType: 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect(form.json).toMatchObject({ status: 415, type: 'unsupported_media_type' });
    const mergeOnPost = await rest('POST', BASE, {
      body: { lastName: 'X' },
      contentType: 'application/merge-patch+json',
    });
    expect(mergeOnPost.status).toBe(415);
    const latin = await rest('POST', BASE, {
      body: { lastName: 'X' },
      contentType: 'application/json; charset=latin1',
    });
    expect(latin.status).toBe(415);
    const malformed = await rest('POST', BASE, { body: '{"lastName": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.json.details[0]).toMatchObject({ field: 'body', type: 'invalid_syntax' });
    const missing = await rest('POST', BASE, { headers: { 'content-type': 'application/json' } });
    expect(missing.status).toBe(400);
    expect(missing.json.details[0]).toMatchObject({ field: 'body', type: 'missing' });
    const array = await rest('POST', BASE, { body: '[]' });
    expect(array.status).toBe(400);
    expect(await seed.count('acme')).toBe(before);
  });

  it('400 for a body that is not UTF-8, which writes nothing (its bytes are not read as U+FFFD)', async () => {
    const before = await seed.count('acme');
    const body = Buffer.concat([Buffer.from('{"lastName":"a'), Buffer.from([0xc3, 0x28]), Buffer.from('b"}')]);
    const answer = await rest('POST', BASE, { body });
    expect(answer.status).toBe(400);
    expect(answer.json.details).toEqual([
      { field: 'body', type: 'invalid_syntax', message: 'is not valid UTF-8, the only encoding JSON has' },
    ]);
    expect(await seed.count('acme')).toBe(before);
  });

  it('answers with Cache-Control: no-store and X-Content-Type-Options: nosniff, success or failure', async () => {
    const id = await createCustomer();
    const answers = await Promise.all([
      rest('GET', `${BASE}/${id}`),
      rest('GET', BASE),
      rest('GET', `${BASE}/nobody-${id}`),
      rest('GET', `${BASE}?pageSize=0`),
      rest('GET', BASE, { token: null }),
      rest('DELETE', BASE),
    ]);
    expect(
      answers.map((a) => [a.status, a.headers.get('cache-control'), a.headers.get('x-content-type-options')]),
    ).toEqual([200, 200, 404, 400, 401, 405].map((status) => [status, 'no-store', 'nosniff']));
  });

  it('413 for a body over the limit, which writes nothing', async () => {
    const before = await seed.count('acme');
    const huge = await rest('POST', BASE, { body: { lastName: 'x'.repeat(200_000) } });
    expect(huge.status).toBe(413);
    expect(huge.json).toMatchObject({ status: 413, type: 'payload_too_large' });
    expect(await seed.count('acme')).toBe(before);
  });

  it('400 for unknown, repeated or invalid query parameters', async () => {
    const unknown = await rest('GET', `${BASE}?limit=5`);
    expect(unknown.status).toBe(400);
    expect(unknown.json.details).toEqual([{ field: 'limit', type: 'unknown_field', message: expect.any(String) }]);
    const twice = await rest('GET', `${BASE}?pageSize=5&pageSize=6`);
    expect(twice.status).toBe(400);
    for (const [query, field] of [
      ['pageSize=0', 'pageSize'],
      ['pageSize=201', 'pageSize'],
      ['pageSize=abc', 'pageSize'],
      ['pageNumber=0', 'pageNumber'],
      ['sort=middleName', 'sort'],
      ['sort=lastName:up', 'sort'],
      ['sendPasswordResetNotifications=maybe', 'sendPasswordResetNotifications'],
    ] as const) {
      const path = field === 'sendPasswordResetNotifications' ? `${BASE}?${query}` : `${BASE}?${query}`;
      const method = field === 'sendPasswordResetNotifications' ? 'POST' : 'GET';
      const answer = await rest(method, path, method === 'POST' ? { body: { lastName: 'X' } } : {});
      expect(answer.status, query).toBe(400);
      expect(answer.json.details[0].field, query).toBe(field);
    }
  });

  it('a failed operation changes nothing: a refused address change leaves the customer as it was', async () => {
    const id = await createCustomer();
    const before = await seed.fingerprint('acme', id);
    const answers = [
      await rest('POST', `${BASE}/${id}/addresses`, { body: { contactName: 'X', country: 'ZZ' } }),
      await rest('PATCH', `${BASE}/${id}`, { body: { preferredCurrency: 'nope' } }),
      await rest('PUT', `${BASE}/${id}`, { body: { firstName: 'Y', metadata: { version: 99 } } }),
      await rest('POST', `${BASE}/${id}/accounts/internal`, { body: { email: 'bad' } }),
    ];
    expect(answers.map((a) => a.status)).toEqual([400, 400, 409, 400]);
    expect(await seed.fingerprint('acme', id)).toBe(before);
  });
});

describe('lists', () => {
  const tag = `L${process.pid}x${Date.now()}`;
  const ids: string[] = [];
  beforeAll(async () => {
    for (const [i, lastName] of ['Baker', 'adams', 'Clark', 'Adams', 'Doe'].entries()) {
      ids.push(
        await createCustomer({
          // Ordered ids: ties of an order are broken by id.
          id: `${tag}-${i}`,
          company: `${tag}-co`,
          lastName,
          firstName: `F${i}`,
          active: i % 2 === 0,
          ...(i === 0 ? { middleName: 'Middle', mixins: { loyalty: { level: 'gold' }, score: 3 } } : {}),
        }),
      );
    }
  });
  const q = (expression: string) => `q=${encodeURIComponent(`company:"${tag}-co" ${expression}`.trim())}`;

  it('GET /customers: the page, Count over all pages, X-Total-Count on request', async () => {
    const page = await rest('GET', `${BASE}?${q('')}&pageSize=2`, { headers: { 'x-total-count': 'true' } });
    expect(page.status).toBe(200);
    expect(page.json.map((c: { id: string }) => c.id)).toEqual(ids.slice(0, 2));
    expect(page.headers.get('count')).toBe('5');
    expect(page.headers.get('x-total-count')).toBe('5');
    const second = await rest('GET', `${BASE}?${q('')}&pageSize=2&pageNumber=3`);
    expect(second.json.map((c: { id: string }) => c.id)).toEqual(ids.slice(4));
    expect(second.headers.get('count')).toBe('5');
    expect(second.headers.get('x-total-count')).toBeNull();
    const beyond = await rest('GET', `${BASE}?${q('')}&pageSize=2&pageNumber=9`);
    expect(beyond.json).toEqual([]);
    expect(beyond.headers.get('count')).toBe('5');
  });

  it('sort: fields with :asc / :desc in any case; ties by id', async () => {
    const names = async (sort: string) =>
      (await rest('GET', `${BASE}?${q('')}&sort=${sort}`)).json.map((c: { lastName: string }) => c.lastName);
    expect(await names('lastName')).toEqual(['adams', 'Adams', 'Baker', 'Clark', 'Doe']);
    expect(await names('lastName:DESC,firstName:asc')).toEqual(['Doe', 'Clark', 'Baker', 'adams', 'Adams']);
    expect(await names('metadata.createdAt:desc')).toEqual(['Doe', 'Adams', 'Clark', 'adams', 'Baker']);
  });

  it('POST /customers/search takes q in the body', async () => {
    const found = await rest('POST', `${BASE}/search?pageSize=10`, { body: { q: `company:"${tag}-co" active:true` } });
    expect(found.status).toBe(200);
    expect(found.json.map((c: { id: string }) => c.id)).toEqual([ids[0], ids[2], ids[4]]);
    expect(found.headers.get('count')).toBe('3');
    const bad = await rest('POST', `${BASE}/search`, { body: { q: 'nickname:x' } });
    expect(bad.status).toBe(400);
    expect(bad.json.details[0]).toMatchObject({ field: 'q', type: 'unknown_field' });
  });

  it('each q form', async () => {
    const match = async (expression: string) => {
      const answer = await rest('GET', `${BASE}?${q(expression)}&pageSize=50`);
      expect(answer.status, `${expression}: ${answer.text}`).toBe(200);
      expect(answer.headers.get('count')).toBe(String(answer.json.length));
      return answer.json.map((c: { id: string }) => ids.indexOf(c.id));
    };
    expect(await match('lastName:Adams')).toEqual([3]);
    expect(await match('lastName:("Adams","Doe")')).toEqual([3, 4]);
    expect(await match('firstName:F1')).toEqual([1]);
    expect(await match('middleName:Middle')).toEqual([0]);
    expect(await match(`id:(${ids[1]},${ids[2]})`)).toEqual([1, 2]);
    expect(await match(`customerNumber:${ids[3]}`)).toEqual([3]);
    expect(await match('active:false')).toEqual([1, 3]);
    expect(await match('onHold:false active:true')).toEqual([0, 2, 4]);
    expect(await match('businessModel:B2C')).toEqual([0, 1, 2, 3, 4]);
    expect(await match('businessModel:B2B')).toEqual([]);
    expect(await match('lastName:~DAM')).toEqual([1, 3]);
    expect(await match('lastName:~k')).toEqual([0, 2]);
    expect(await match('middleName:null')).toEqual([1, 2, 3, 4]);
    expect(await match('contactPhone:null')).toEqual([0, 1, 2, 3, 4]);
    expect(await match('mixins.loyalty:exists')).toEqual([0]);
    expect(await match('mixins.loyalty:missing')).toEqual([1, 2, 3, 4]);
    expect(await match('mixins.loyalty.level:gold')).toEqual([0]);
    expect(await match('mixins.score:3')).toEqual([0]);
    expect(await match('mixins.score:"3"')).toEqual([]);
    expect(await match('metadata.version:2')).toEqual([0, 1, 2, 3, 4]);
    expect(await match('metadata.version:>2')).toEqual([]);
    expect(await match('metadata.version:(>=1 AND <3)')).toEqual([0, 1, 2, 3, 4]);
    expect(await match('metadata.createdAt:>="2020-01-01T00:00:00Z"')).toEqual([0, 1, 2, 3, 4]);
    expect(await match('metadata.modifiedAt:<"2020-01-01"')).toEqual([]);
    expect(await match('b2b.companyRegistrationId:null b2b.legalEntities.id:null')).toEqual([0, 1, 2, 3, 4]);
    expect(await match('preferredLanguage:en_US preferredCurrency:USD preferredSite:main')).toEqual([0, 1, 2, 3, 4]);
    expect(await match('title:null contactEmail:~example.com')).toEqual([0, 1, 2, 3, 4]);
  });

  it('malformed q is 400 naming the problem', async () => {
    for (const expression of [
      'lastName',
      'lastName:',
      'nickname:x',
      'active:maybe',
      'metadata.version:>x',
      'a:b OR c:d',
    ]) {
      const answer = await rest('GET', `${BASE}?q=${encodeURIComponent(expression)}`);
      expect(answer.status, expression).toBe(400);
      expect(answer.json.details[0].field, expression).toBe('q');
    }
  });

  it('a page that would skip more than 10 000 customers is 400 saying so', async () => {
    const far = await rest('GET', `${BASE}?pageSize=100&pageNumber=102`);
    expect(far.status).toBe(400);
    expect(far.json.details[0]).toMatchObject({ field: 'pageNumber' });
    expect((await rest('GET', `${BASE}?pageSize=100&pageNumber=101&${q('')}`)).status).toBe(200);
  });

  it('expand on a list: one statement per kind of row, however long the page', async () => {
    const statements = async (pageSize: number) => {
      const before = await server.statements();
      const page = await rest('GET', `${BASE}?${q('')}&pageSize=${pageSize}&expand=addresses,accounts`);
      expect(page.json).toHaveLength(pageSize);
      return (await server.statements()) - before;
    };
    expect(await statements(5)).toBe(await statements(1));
  });

  it('HEAD answers the headers of GET without a body', async () => {
    const head = await rest('HEAD', `${BASE}?${q('')}`);
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(head.headers.get('count')).toBe('5');
  });
});

describe('docs, metrics and errors', () => {
  it('the OpenAPI document and its page are served where introspection is on (development)', async () => {
    const document = await fetch(`${server.url}/customer/openapi.json`);
    const page = await fetch(`${server.url}/customer/docs`);
    expect(page.status).toBe(200);
    if (PRODUCTION) {
      expect(document.status).toBe(404);
      expect(await page.text()).toContain('off in this mode');
    } else {
      expect(document.status).toBe(200);
      expect((await document.json()).openapi).toBe('3.1.0');
      expect(await page.text()).toContain('swagger-ui');
    }
  });

  it('/metrics counts REST requests by route, status and outcome', async () => {
    await rest('GET', `${BASE}/NOPE-metrics`);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/rest_requests_total\{route="getCustomer",method="GET",status="404",outcome="error"\} [1-9]/);
    expect(text).toMatch(/rest_requests_total\{route="createCustomer",method="POST",status="201",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/rest_request_duration_seconds_count\{route="getCustomer"\} [1-9]/);
  });

  it('an unexpected failure is a masked 500 with the request id, and writes nothing', async () => {
    const email = `fails${unique()}@example.com`;
    const query = (sql: string) => server.service.store.query(sql, []);
    // Fault injection in the real database, as test/customers.test.ts does: the event log refuses this password reset.
    if (STORE === 'postgres') {
      await query(`CREATE FUNCTION refuse_rest_notification() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'event log unavailable'; END $$`);
      await query(`CREATE TRIGGER refuse_rest_notification BEFORE INSERT ON events FOR EACH ROW
        WHEN (NEW.payload::jsonb -> 'data' ->> 'email' = '${email}') EXECUTE FUNCTION refuse_rest_notification()`);
    } else {
      await query(`CREATE TEMP TRIGGER refuse_rest_notification BEFORE INSERT ON events
        WHEN json_extract(NEW.payload, '$.data.email') = '${email}' BEGIN SELECT RAISE(ABORT, 'event log unavailable'); END`);
    }
    try {
      const before = await seed.count('acme');
      const answer = await rest('POST', BASE, {
        body: { lastName: 'Fails', contactEmail: email },
        headers: { 'x-request-id': 'req-rest-500' },
      });
      expect(answer.status).toBe(500);
      expect(answer.json).toEqual({
        status: 500,
        type: 'internal_server_error',
        message: 'Unexpected error (request id req-rest-500).',
      });
      expect(answer.text).not.toMatch(/event log|sqlite|postgres/i);
      expect(await seed.count('acme')).toBe(before);
    } finally {
      if (STORE === 'postgres') {
        await query('DROP TRIGGER refuse_rest_notification ON events');
        await query('DROP FUNCTION refuse_rest_notification');
      } else {
        await query('DROP TRIGGER refuse_rest_notification');
      }
    }
  });
});
