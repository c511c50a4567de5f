/**
 * The OpenAPI 3.1 document generated from the route table and the zod schemas: valid for a real OpenAPI validator
 * (@readme/openapi-parser, which also rejects a broken copy), complete (every endpoint, its parameters, bodies,
 * answers, the error bodies, bearer JWT, Count/X-Total-Count), and the response validator that tests use to hold
 * every REST answer to it: it accepts the answers the service makes and names what is wrong with others.
 */
import { compileErrors, validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import { PERMISSIONS } from '../src/auth/scopes.js';
import { permissionOf } from '../src/operations/index.js';
import { StoreBusyError, StoreUnavailableError, type Address, type Customer } from '../src/domain/store.js';
import {
  errorResponse,
  forbidden,
  invalidTenant,
  methodNotAllowed,
  payloadTooLarge,
  resourceNotFound,
  RestError,
  toErrorResponse,
  unauthorized,
  unsupportedMediaType,
} from '../src/rest/errors.js';
import { buildOpenApiDocument } from '../src/rest/openapi.js';
import { NO_EXPAND } from '../src/rest/params.js';
import { addressJson, customerJson } from '../src/domain/representation.js';
import { createResponseValidator, type AnswerToCheck } from '../src/rest/response-validator.js';
import { BASE_PATH, ROUTES } from '../src/rest/routes.js';
import { newAddress, newCustomer } from './support/store.js';

/** Every field readable, as for a tenant-wide reader. */
const READABLE = { b2b: true, defaultAddress: true, accounts: true };

const document = buildOpenApiDocument();
const checker = createResponseValidator(document);

async function validationErrors(doc: unknown): Promise<string | undefined> {
  // The parser dereferences what it is given: it gets a copy.
  const result = await validate(structuredClone(doc) as Parameters<typeof validate>[0]);
  return result.valid && result.warnings.length === 0 ? undefined : compileErrors(result);
}

const CUSTOMER: Customer = {
  pk: 1,
  tenant: 'demo',
  ...newCustomer('13869000', {
    firstName: 'John',
    lastName: 'Doe',
    contactEmail: 'john.doe@example.com',
    preferredLanguage: 'en_US',
    mixins: { loyalty: { level: 'gold' } },
    modifiedAt: Date.parse('2026-01-02T00:00:00Z'),
  }),
};

const ADDRESS: Address = {
  pk: 1,
  tenant: 'demo',
  ...newAddress('a1', 1, { contactName: 'John Doe', zipCode: '11011', tags: ['BILLING'], isDefault: true }),
};

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };
const PATHS = {
  list: '/customer/demo/customers',
  one: '/customer/demo/customers/13869000',
  addresses: '/customer/demo/customers/13869000/addresses',
  address: '/customer/demo/customers/13869000/addresses/a1',
};

const answer = (method: string, path: string, status: number, headers: AnswerToCheck['headers'], body?: unknown) => ({
  method,
  path,
  status,
  headers,
  body: body === undefined ? '' : JSON.stringify(body),
});

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 for @readme/openapi-parser', async () => {
    expect(document.openapi).toBe('3.1.0');
    expect(await validationErrors(document)).toBeUndefined();
  });

  it('a broken copy is not (the validator does look)', async () => {
    const unknownRef = structuredClone(document);
    unknownRef.paths['/customer/{tenant}/customers']!.get!.parameters.push({ $ref: '#/components/parameters/nope' });
    expect(await validationErrors(unknownRef)).toBeDefined();

    const undeclaredPathParam = structuredClone(document);
    const get = undeclaredPathParam.paths['/customer/{tenant}/customers/{customerNumber}']!.get!;
    get.parameters = get.parameters.filter((p) => p.$ref !== '#/components/parameters/customerNumber');
    expect(await validationErrors(undeclaredPathParam)).toMatch(/customerNumber/);

    const duplicateId = structuredClone(document);
    duplicateId.paths['/customer/{tenant}/customers']!.post!.operationId = 'listCustomers';
    expect(await validationErrors(duplicateId)).toMatch(/operationId/);

    const notOpenApi = { ...structuredClone(document), openapi: '3.1.0', info: { title: 'x' } };
    expect(await validationErrors(notOpenApi)).toMatch(/version/);
  });

  it('has every endpoint under /customer/{tenant}, with its operationId, permission and scopes', () => {
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ path, method, op })),
    );
    expect(operations).toHaveLength(16);
    for (const route of ROUTES) {
      const op = document.paths[`${BASE_PATH}${route.path}`]?.[route.method.toLowerCase()];
      expect(op, route.id).toBeDefined();
      expect(op!.operationId).toBe(route.id);
      expect(op!['x-permission']).toBe(permissionOf(route.operation));
      for (const scope of PERMISSIONS[permissionOf(route.operation)].tenant) expect(op!.description).toContain(scope);
      expect(op!.parameters[0]).toEqual({ $ref: '#/components/parameters/tenant' });
    }
  });

  it('bearer JWT for every operation', () => {
    expect(document.security).toEqual([{ bearerAuth: [] }]);
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
  });

  it('the path {tenant} as REST.md says, query parameters as the routes take them', () => {
    expect(document.components.parameters.tenant).toMatchObject({
      in: 'path',
      required: true,
      schema: { type: 'string', minLength: 3, maxLength: 16, pattern: '^[a-z][a-z0-9]+$' },
    });
    expect(document.components.parameters.pageSize).toMatchObject({
      in: 'query',
      schema: { type: 'integer', minimum: 1, maximum: 200, default: 60 },
    });
    expect(document.components.parameters.expand).toMatchObject({
      style: 'form',
      explode: false,
      schema: { type: 'array', items: { enum: ['addresses', 'accounts', 'mixin', 'mixin:*'] } },
    });
    expect(document.components.parameters.tags).toMatchObject({ required: true, explode: false });
    const list = document.paths['/customer/{tenant}/customers']!.get!;
    expect(list.parameters.map((p) => p.$ref.split('/').at(-1))).toEqual([
      'tenant',
      'q',
      'sort',
      'pageNumber',
      'pageSize',
      'expand',
      'XTotalCount',
    ]);
    expect(document.components.parameters.XTotalCount).toMatchObject({ in: 'header', name: 'X-Total-Count' });
  });

  it('Count and X-Total-Count on the list answers', () => {
    for (const id of ['listCustomers', 'searchCustomers']) {
      const route = ROUTES.find((r) => r.id === id)!;
      const ok = document.paths[`${BASE_PATH}${route.path}`]![route.method.toLowerCase()]!.responses['200'];
      expect(ok).toMatchObject({
        headers: {
          Count: { $ref: '#/components/headers/Count' },
          'X-Total-Count': { $ref: '#/components/headers/X-Total-Count' },
        },
        content: {
          'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Customer' } } },
        },
      });
    }
    expect(document.components.headers.Count).toMatchObject({
      required: true,
      schema: { type: 'integer', minimum: 0 },
    });
  });

  it('request bodies from the zod schemas, closed to unknown properties; PUT and PATCH in two media types', () => {
    const patch = document.paths['/customer/{tenant}/customers/{customerNumber}']!.patch!;
    expect(patch.requestBody).toEqual({
      required: true,
      content: {
        'application/json': { schema: { $ref: '#/components/schemas/CustomerUpdate' } },
        'application/merge-patch+json': { schema: { $ref: '#/components/schemas/CustomerUpdate' } },
      },
    });
    for (const name of [
      'CustomerCreate',
      'CustomerUpdate',
      'CustomerSearch',
      'AccountAssignment',
      'AddressCreate',
      'AddressReplace',
      'AddressPatch',
    ]) {
      expect(document.components.schemas[name], name).toMatchObject({ type: 'object', additionalProperties: false });
    }
    expect(document.components.schemas.AddressCreate).toMatchObject({ required: ['contactName'] });
    expect(document.components.schemas.AccountAssignment).toMatchObject({ required: ['email'] });
  });

  it('the error bodies: Emporix for all but 401, the fault bodies of 401', () => {
    const get = document.paths['/customer/{tenant}/customers/{customerNumber}']!.get!;
    expect(Object.keys(get.responses)).toEqual(['200', '400', '401', '403', '404', '429', '500', '503']);
    expect(get.responses['404']).toEqual({ $ref: '#/components/responses/NotFound' });
    const unauthorizedResponse = document.components.responses.Unauthorized as Record<string, any>;
    const examples = unauthorizedResponse.content['application/json'].examples;
    expect(examples.invalid.value).toEqual(unauthorized('invalid').body);
    expect(examples.expired.value).toEqual(unauthorized('expired').body);
    const badRequest = document.components.responses.BadRequest as Record<string, any>;
    expect(badRequest.content['application/json'].example).toEqual(invalidTenant().body());
  });
});

describe('the response validator', () => {
  it('accepts what the service answers: lists with Count, one customer, ids, no content', () => {
    const customer = customerJson(
      CUSTOMER,
      { memberships: [], addresses: [ADDRESS], accounts: [] },
      {
        addresses: true,
        accounts: true,
        mixins: true,
      },
      READABLE,
    );
    const cases = [
      answer('GET', PATHS.list, 200, { ...JSON_TYPE, count: '1' }, [customer]),
      answer('GET', PATHS.list, 200, new Headers({ ...JSON_TYPE, Count: '0', 'X-Total-Count': '0' }), []),
      answer('POST', '/customer/demo/customers/search', 200, { ...JSON_TYPE, count: '1' }, [
        customerJson(CUSTOMER, { memberships: [] }, NO_EXPAND, READABLE),
      ]),
      answer('GET', PATHS.one, 200, JSON_TYPE, customer),
      answer('HEAD', PATHS.one, 200, JSON_TYPE),
      answer('HEAD', PATHS.list, 200, { ...JSON_TYPE, count: '3' }),
      answer('POST', PATHS.list, 201, JSON_TYPE, { id: '13869000' }),
      answer('PUT', PATHS.one, 201, JSON_TYPE, { id: '13869000' }),
      answer('PUT', PATHS.one, 204, {}),
      answer('DELETE', PATHS.one, 202, {}),
      answer('GET', PATHS.addresses, 200, JSON_TYPE, [addressJson(ADDRESS)]),
      answer('PATCH', PATHS.address, 200, JSON_TYPE, addressJson(ADDRESS)),
      answer('POST', `${PATHS.address}/tags`, 204, {}),
      answer('POST', `${PATHS.one}/accounts/internal`, 201, JSON_TYPE, { id: '13869000' }),
    ];
    for (const c of cases) expect(checker.problems(c), `${c.method} ${c.path} ${c.status}`).toEqual([]);
  });

  it('accepts every failure each endpoint declares, as errors.ts makes it', () => {
    const made: Record<number, { headers: Record<string, string>; body?: unknown }> = {
      400: errorResponse(invalidTenant()),
      401: unauthorized('expired'),
      403: errorResponse(forbidden('read')),
      404: errorResponse(resourceNotFound()),
      409: errorResponse(new RestError(409, 'The customer has changed.')),
      413: errorResponse(payloadTooLarge(1024)),
      415: errorResponse(unsupportedMediaType(['application/json'])),
      429: toErrorResponse(new StoreBusyError('Too many expensive requests of this tenant are in progress.', 1)),
      500: toErrorResponse(new Error('boom'), 'r1'),
      503: toErrorResponse(new StoreUnavailableError(new Error('ECONNREFUSED'))),
    };
    for (const route of ROUTES) {
      const path = `/customer/demo${route.path}`.replace('{customerNumber}', '1').replace('{addressId}', 'a');
      for (const status of route.errors) {
        const { headers, body } = made[status]!;
        expect(checker.problems(answer(route.method, path, status, headers, body)), `${route.id} ${status}`).toEqual(
          [],
        );
      }
    }
  });

  it('accepts the 404 and 405 of paths and methods the API does not have', () => {
    const notFound = errorResponse(resourceNotFound());
    expect(checker.problems(answer('GET', '/customer/demo/nothing', 404, notFound.headers, notFound.body))).toEqual([]);
    const refused = errorResponse(methodNotAllowed('DELETE', ['GET', 'HEAD', 'POST']));
    expect(checker.problems(answer('DELETE', PATHS.list, 405, refused.headers, refused.body))).toEqual([]);
    expect(checker.problems(answer('DELETE', PATHS.list, 405, JSON_TYPE, refused.body))).toEqual([
      'DELETE /customer/demo/customers 405: header Allow is missing',
    ]);
  });

  it('names what is wrong', () => {
    const customer = customerJson(CUSTOMER, { memberships: [] }, NO_EXPAND, READABLE);
    expect(checker.problems(answer('GET', PATHS.list, 200, JSON_TYPE, [customer]))).toEqual([
      'listCustomers 200: header Count is missing',
    ]);
    expect(checker.problems(answer('GET', PATHS.list, 200, { ...JSON_TYPE, count: 'many' }, []))).toEqual([
      'listCustomers 200: header Count: data/value must be integer',
    ]);
    expect(checker.problems(answer('GET', PATHS.one, 200, JSON_TYPE, { ...customer, nickname: 'JD' }))).toEqual([
      'getCustomer 200: body must NOT have additional properties {"additionalProperty":"nickname"}',
    ]);
    expect(checker.problems(answer('GET', PATHS.one, 200, JSON_TYPE, { ...customer, active: 'yes' }))).toEqual([
      'getCustomer 200: body/active must be boolean {"type":"boolean"}',
    ]);
    expect(
      checker.problems(
        answer('GET', PATHS.one, 200, JSON_TYPE, {
          ...customer,
          metadata: { ...customer.metadata, createdAt: 'today' },
        }),
      ),
    ).toEqual([
      expect.stringMatching(/^getCustomer 200: body\/metadata\/createdAt must match pattern/),
      'getCustomer 200: body/metadata/createdAt must match format "date-time" {"format":"date-time"}',
    ]);
    expect(checker.problems(answer('GET', PATHS.one, 418, JSON_TYPE, {}))).toEqual([
      'getCustomer: status 418 is not declared',
    ]);
    expect(checker.problems(answer('GET', PATHS.one, 200, { 'content-type': 'text/html' }, customer))).toEqual([
      'getCustomer 200: content-type text/html is not one of application/json',
    ]);
    expect(checker.problems({ ...answer('GET', PATHS.one, 200, JSON_TYPE), body: '<html>' })).toEqual([
      'getCustomer 200: the body is not JSON: "<html>"',
    ]);
    expect(checker.problems(answer('DELETE', PATHS.address, 204, JSON_TYPE, { deleted: true }))).toEqual([
      'deleteAddress 204: declares no body, got "{\\"deleted\\":true}"',
    ]);
    expect(
      checker.problems(answer('GET', PATHS.one, 401, JSON_TYPE, { status: 401, type: 'unauthorized', message: 'x' })),
    ).toEqual(expect.arrayContaining(['getCustomer 401: header WWW-Authenticate is missing']));
    expect(checker.problems(answer('GET', '/nowhere', 500, JSON_TYPE, {}))).toEqual([
      'GET /nowhere: status 500 is not declared',
    ]);
  });

  it('assert throws with the problems', () => {
    expect(() => checker.assert(answer('GET', PATHS.one, 418, JSON_TYPE, {}))).toThrow(
      'The answer is not as the OpenAPI document says:\ngetCustomer: status 418 is not declared',
    );
    expect(() => checker.assert(answer('POST', PATHS.list, 201, JSON_TYPE, { id: '1' }))).not.toThrow();
  });
});
