/**
 * The publisher's own descriptions of the Customer Service (contract/emporix/), both versions, driven against the
 * running service: every operation (but the import and password-migration ones, the issue "Restrictions and bulk
 * import"), in the order a client would call them, each with the request example of the description where it has
 * one, taken verbatim. Every answer has a success status the description declares for it, and its body is valid
 * against the description's schema of that status (ajv over the description itself), as well as against ours
 * (the REST client holds every answer to the served document).
 */
import { Ajv, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.js';
import { restClient } from './support/rest-client.js';
import { deref, OFFICIAL_FILES, operationsOf, readOfficial } from './support/official-api.js';

const addFormats = ajvFormats.default;
type Json = Record<string, any>;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

/** Each `$ref` of a schema taken out of the document, made to name the document by its id. */
function anchored(node: unknown, id: string): unknown {
  if (Array.isArray(node)) return node.map((item) => anchored(item, id));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [
      key,
      key === '$ref' && typeof value === 'string' && value.startsWith('#') ? `${id}${value}` : anchored(value, id),
    ]),
  );
}

/** The calls of a client's day, in order; `{n}` and `{a}` are filled in from the answers before them. */
const SCENARIO: readonly [method: string, path: string, query?: string][] = [
  ['post', '/customer/{tenant}/customers'],
  ['get', '/customer/{tenant}/customers/{customerNumber}', 'expand=addresses,accounts,mixin'],
  ['get', '/customer/{tenant}/customers', 'q=firstName:John&sort=lastName&pageNumber=1&pageSize=10&expand=accounts'],
  ['post', '/customer/{tenant}/customers/search', 'pageSize=10'],
  ['put', '/customer/{tenant}/customers/{customerNumber}'],
  ['patch', '/customer/{tenant}/customers/{customerNumber}'],
  ['post', '/customer/{tenant}/customers/{customerNumber}/accounts/internal', 'sendPasswordResetNotifications=false'],
  ['post', '/customer/{tenant}/customers/{customerNumber}/addresses'],
  ['get', '/customer/{tenant}/customers/{customerNumber}/addresses'],
  ['get', '/customer/{tenant}/customers/{customerNumber}/addresses/{addressId}'],
  ['put', '/customer/{tenant}/customers/{customerNumber}/addresses/{addressId}'],
  ['patch', '/customer/{tenant}/customers/{customerNumber}/addresses/{addressId}'],
  ['post', '/customer/{tenant}/customers/{customerNumber}/addresses/{addressId}/tags', 'tags=BILLING,SHIPPING'],
  ['delete', '/customer/{tenant}/customers/{customerNumber}/addresses/{addressId}/tags', 'tags=SHIPPING'],
  ['delete', '/customer/{tenant}/customers/{customerNumber}/addresses/{addressId}'],
  ['delete', '/customer/{tenant}/customers/{customerNumber}'],
];

describe.each(OFFICIAL_FILES.map((file, index) => [file, index] as const))(
  'the official description %s',
  (file, index) => {
    const official = readOfficial(file);
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(official, 'official');
    const operations = operationsOf(official);

    /** The description's schema of a status's JSON body, compiled; undefined when that status has no body. */
    function validatorOf(spec: Json, status: number): ValidateFunction | undefined {
      const response = spec.responses?.[String(status)] && deref(official, spec.responses[String(status)]);
      const schema = response?.content?.['application/json']?.schema;
      return schema ? ajv.compile(anchored(schema, 'official') as Json) : undefined;
    }

    function exampleOf(spec: Json): unknown {
      const body = spec.requestBody && deref(official, spec.requestBody);
      const content = body?.content?.['application/json'];
      if (!content) return undefined;
      const first = content.examples ? Object.values(content.examples as Json)[0] : undefined;
      return first ? deref(official, first as Json).value : content.example;
    }

    it('serves every operation with its request example, each answer valid against the description', async () => {
      // A tenant of its own: the examples use fixed emails, which are unique within a tenant.
      const tenant = `official${index}`;
      const rest = restClient(server, await server.token({ tenant }));
      const values: Record<string, string> = { tenant };
      let called = 0;
      let validated = 0;
      for (const [method, path, query] of SCENARIO) {
        const operation = operations.find((op) => op.method === method && op.path === path);
        if (!operation) continue; // Not in this version (the account assignment is only in the older one).
        const example = exampleOf(operation.spec);
        const body =
          example ?? (method === 'post' && path.endsWith('/addresses') ? { contactName: 'John Doe' } : undefined);
        const url = path.replace(/\{(\w+)\}/g, (_, name: string) => values[name]!) + (query ? `?${query}` : '');
        const answer = await rest(method.toUpperCase(), url, body === undefined ? {} : { body });
        const where = `${file}: ${method.toUpperCase()} ${url} → ${answer.status} ${answer.text.slice(0, 300)}`;
        const declared = Object.keys(operation.spec.responses).filter((status) => status.startsWith('2'));
        expect(declared, where).toContain(String(answer.status));
        const validate = validatorOf(operation.spec, answer.status);
        if (validate) {
          expect(validate(answer.json) ? [] : validate.errors, where).toEqual([]);
          validated += 1;
        }
        if (method === 'post' && path.endsWith('/customers')) values.customerNumber = answer.json.id;
        if (method === 'post' && path.endsWith('/addresses')) values.addressId = answer.json.id;
        called += 1;
      }
      expect(called).toBe(
        operations.filter((op) => SCENARIO.some(([m, p]) => m === op.method && p === op.path)).length,
      );
      expect(called).toBeGreaterThanOrEqual(15);
      // Every answer with a body that the description gives a schema for: reads, lists, ids of what was created.
      expect(validated).toBeGreaterThanOrEqual(7);
      // And the schemas do hold something: a customer whose flags are text is refused.
      const read = operations.find((op) => op.method === 'get' && op.path.endsWith('/customers/{customerNumber}'))!;
      expect(validatorOf(read.spec, 200)!({ id: '1', active: 'yes' })).toBe(false);
    });

    it("answers failures with the description's bodies: 400, 401, 403, 404", async () => {
      const tenant = `official${index}fail`;
      const rest = restClient(server, await server.token({ tenant }));
      const read = operations.find((op) => op.method === 'get' && op.path.endsWith('/customers/{customerNumber}'))!;
      const base = `/customer/${tenant}/customers`;
      const failures = [
        await rest('GET', `${base}/00000000?expand=orders`),
        await rest('GET', `${base}/00000000`, { token: null }),
        await rest('GET', `${base}/00000000`, {
          token: await server.token({ tenant, scope: 'webhook.subscription_read' }),
        }),
        await rest('GET', `${base}/00000000`),
      ];
      expect(failures.map((answer) => answer.status)).toEqual([400, 401, 403, 404]);
      for (const answer of failures) {
        const validate = validatorOf(read.spec, answer.status);
        expect(validate, String(answer.status)).toBeDefined();
        expect(validate!(answer.json) ? [] : validate!.errors, `${answer.status} ${answer.text}`).toEqual([]);
      }
    });

    it('finds a customer the examples made, by the search example', async () => {
      const rest = restClient(server, await server.token({ tenant: `official${index}search` }));
      const create = operations.find((op) => op.method === 'post' && op.path === '/customer/{tenant}/customers')!;
      const search = operations.find((op) => op.path === '/customer/{tenant}/customers/search')!;
      const base = `/customer/official${index}search/customers`;
      const created = await rest('POST', `${base}?sendPasswordResetNotifications=false`, {
        body: exampleOf(create.spec),
      });
      expect(created.status).toBe(201);
      const found = await rest('POST', `${base}/search`, { body: exampleOf(search.spec) });
      expect(found.json.map((c: { id: string }) => c.id)).toEqual([created.json.id]);
    });
  },
);
