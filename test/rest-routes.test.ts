/**
 * The route table against contract/REST.md's table of endpoints (methods, paths, query parameters, success
 * statuses), its permissions against AUTH.md's scope table and the GraphQL twin of each endpoint, and the matcher:
 * every endpoint found with its path parameters, HEAD as GET, 404 and 405 otherwise.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphQLObjectType } from 'graphql';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { PERMISSIONS, type Permission } from '../src/auth/scopes.js';
import { permissionOf } from '../src/operations/index.js';
import type { OrderTerm } from '../src/domain/store.js';
import { fieldPermission } from '../src/graphql/field-permission.js';
import { publicSchema } from '../src/graphql/schema.js';
import type { RestResponse } from '../src/rest/errors.js';
import type { Expand } from '../src/rest/params.js';
import type { Condition } from '../src/rest/q.js';
import {
  BASE_PATH,
  dispatch,
  isRestPath,
  matchRoute,
  permissionsOf,
  ROUTES,
  type RestCall,
  type RestHandlers,
  type RouteById,
} from '../src/rest/routes.js';
import { RULES, type Rule } from './support/auth-matrix.js';
import { ROOT } from './support/built-service.js';

const REST_MD = readFileSync(join(ROOT, 'contract/REST.md'), 'utf8');

/** The rows of REST.md's endpoint table (not those of its error table). */
const TABLE = REST_MD.split('\n')
  .filter((line) => /^\| \d+ \| `[A-Z]+ \//.test(line))
  .map((line) => {
    const [, number, endpoint, query, success, scopes] = line.split('|').map((cell) => cell.trim());
    const [, method, path] = /^`(\w+) (\S+)`$/.exec(endpoint!)!;
    return { number: Number(number), method: method!, path: path!, query: query!, success: success!, scopes: scopes! };
  });

describe("the route table is REST.md's", () => {
  it('its 16 endpoints, in order, under /customer/{tenant}', () => {
    expect(TABLE).toHaveLength(16);
    expect(ROUTES.map((r) => `${r.method} ${r.path}`)).toEqual(TABLE.map((row) => `${row.method} ${row.path}`));
    expect(BASE_PATH).toBe('/customer/{tenant}');
    expect(REST_MD).toContain('All paths start with `/customer/{tenant}`');
    expect(new Set(ROUTES.map((r) => r.id)).size).toBe(16);
  });

  it("the query parameters of each, and those the publisher's own description adds", () => {
    // customer-service-api.yml gives the account assignment the parameter that REST.md's restored table lost, and
    // its older version gives search a q parameter (beside the body's).
    const described: Record<string, { before?: string[]; after?: string[] }> = {
      'POST /customers/{customerNumber}/accounts/internal': { after: ['sendPasswordResetNotifications'] },
      'POST /customers/search': { before: ['q'] },
    };
    for (const [i, row] of TABLE.entries()) {
      // The query column names parameters in backquotes; `{"q": ...}` and `{"email": ...}` are bodies.
      const named = [...row.query.split('body')[0]!.matchAll(/`(\w+)`/g)].map((m) => m[1]!);
      const route = `${row.method} ${row.path}`;
      const { before = [], after = [] } = described[route] ?? {};
      expect([...ROUTES[i]!.query], route).toEqual([...before, ...named, ...after]);
    }
  });

  it('the success statuses of each', () => {
    for (const [i, row] of TABLE.entries()) {
      // "as 1": the search answers as the list does.
      const success = /^as (\d+)$/.test(row.success) ? TABLE[Number(row.success.slice(3)) - 1]!.success : row.success;
      const statuses = [...success.matchAll(/\b(20[0-9])\b/g)].map((m) => Number(m[1]));
      expect(
        ROUTES[i]!.answers.map((a) => a.status),
        `${row.method} ${row.path}`,
      ).toEqual(statuses);
    }
  });

  it('bodies where REST.md has them, for every POST, PUT and PATCH but the tags', () => {
    const withBody = ROUTES.filter((r) => 'body' in r).map((r) => r.id);
    expect(withBody).toEqual([
      'createCustomer',
      'searchCustomers',
      'upsertCustomer',
      'patchCustomer',
      'assignAccount',
      'addAddress',
      'upsertAddress',
      'patchAddress',
    ]);
    for (const route of ROUTES) {
      if (!('body' in route)) continue;
      expect(route.body.mediaTypes, route.id).toEqual(
        route.method === 'POST' ? ['application/json'] : ['application/json', 'application/merge-patch+json'],
      );
    }
  });

  it('list answers carry Count', () => {
    expect(ROUTES.filter((r) => r.answers.some((a) => 'countHeaders' in a)).map((r) => r.id)).toEqual([
      'listCustomers',
      'searchCustomers',
    ]);
  });
});

/** REST.md's scope column in AUTH.md's rows. */
const SCOPE_COLUMN: Record<string, Rule> = {
  read: 'read',
  create: 'create',
  update: 'update',
  delete: 'delete',
  'assign account': 'parts',
  'read addresses': 'addresses',
  'address writes': 'parts',
  'tag writes': 'parts',
};

const sorted = (scopes: readonly string[]) => [...scopes].sort();

describe('permissions: one scope table for REST and GraphQL', () => {
  it("each endpoint's permission allows exactly the scopes AUTH.md lists for it", () => {
    for (const [i, row] of TABLE.entries()) {
      const route = ROUTES[i]!;
      const expected = RULES[SCOPE_COLUMN[row.scopes]!];
      expect(sorted(PERMISSIONS[permissionOf(route.operation)].tenant), route.id).toEqual(sorted(expected.tenant));
      expect(sorted(PERMISSIONS[permissionOf(route.operation)].own), route.id).toEqual(sorted(expected.own));
    }
  });

  it('each endpoint needs the permission its GraphQL twin checks (src/graphql)', () => {
    const schema = publicSchema();
    for (const route of ROUTES) {
      // `Type.field`, or a root field of the query or mutation type.
      const [typeName, fieldName] = route.graphql.includes('.') ? route.graphql.split('.') : [undefined, route.graphql];
      const types = typeName
        ? [schema.getType(typeName) as GraphQLObjectType]
        : [schema.getQueryType()!, schema.getMutationType()!];
      const field = types.map((type) => type.getFields()[fieldName!]).find((found) => found !== undefined);
      expect(field, `GraphQL field ${route.graphql}`).toBeDefined();
      expect(fieldPermission(field!), `${route.id} (GraphQL ${route.graphql})`).toBe(permissionOf(route.operation));
    }
  });

  it('expand=addresses also needs readAddresses', () => {
    const get = ROUTES.find((r) => r.id === 'getCustomer')!;
    const addresses: Expand = { addresses: true, accounts: false, mixins: false };
    expect(permissionsOf(get)).toEqual(['read']);
    expect(permissionsOf(get, { ...addresses, addresses: false, accounts: true, mixins: true })).toEqual(['read']);
    expect(permissionsOf(get, addresses)).toEqual<Permission[]>(['read', 'readAddresses']);
    const list = ROUTES.find((r) => r.id === 'listAddresses')!;
    expect(permissionsOf(list, addresses)).toEqual(['readAddresses']);
  });
});

describe('matchRoute', () => {
  it('finds every endpoint, with its path parameters', () => {
    for (const route of ROUTES) {
      const path = `/customer/demo${route.path}`.replace('{customerNumber}', 'C-1').replace('{addressId}', 'a-9');
      const match = matchRoute(route.method, path);
      expect(match.ok && match.route.id, `${route.method} ${path}`).toBe(route.id);
      if (!match.ok) continue;
      expect(match.params).toEqual({
        tenant: 'demo',
        ...(route.path.includes('{customerNumber}') ? { customerNumber: 'C-1' } : {}),
        ...(route.path.includes('{addressId}') ? { addressId: 'a-9' } : {}),
      });
    }
  });

  it('decodes path parameters', () => {
    const match = matchRoute('GET', '/customer/demo/customers/a%20b%2Fc');
    expect(match.ok && match.params.customerNumber).toBe('a b/c');
    const bad = matchRoute('GET', '/customer/demo/customers/%E0%A4%A');
    expect(!bad.ok && bad.error.body()).toEqual({
      status: 400,
      type: 'bad_request',
      message: 'Invalid customerNumber: is not a valid percent-encoded path segment',
      details: [
        { field: 'customerNumber', type: 'invalid_value', message: 'is not a valid percent-encoded path segment' },
      ],
    });
  });

  it('serves HEAD as GET', () => {
    const match = matchRoute('HEAD', '/customer/demo/customers/1/addresses');
    expect(match.ok && match.route.id).toBe('listAddresses');
  });

  it('POST /customers/search searches; other methods there name the customer "search"', () => {
    const id = (method: string) => {
      const match = matchRoute(method, '/customer/demo/customers/search');
      return match.ok ? match.route.id : match.error.status;
    };
    expect(id('POST')).toBe('searchCustomers');
    expect(id('GET')).toBe('getCustomer');
    expect(id('PUT')).toBe('upsertCustomer');
    expect(id('PATCH')).toBe('patchCustomer');
    expect(id('DELETE')).toBe('deleteCustomer');
  });

  it('405 with the allowed methods where the path exists', () => {
    const refused = (method: string, path: string) => {
      const match = matchRoute(method, path);
      if (match.ok) throw new Error(`${method} ${path} matched`);
      return { status: match.error.status, allow: match.error.headers.allow };
    };
    expect(refused('DELETE', '/customer/demo/customers')).toEqual({ status: 405, allow: 'GET, HEAD, POST' });
    expect(refused('POST', '/customer/demo/customers/1')).toEqual({
      status: 405,
      allow: 'GET, HEAD, PUT, PATCH, DELETE',
    });
    expect(refused('GET', '/customer/demo/customers/1/accounts/internal')).toEqual({ status: 405, allow: 'POST' });
    expect(refused('PUT', '/customer/demo/customers/1/addresses/a/tags')).toEqual({
      status: 405,
      allow: 'POST, DELETE',
    });
    expect(refused('OPTIONS', '/customer/demo/customers/1/addresses')).toEqual({
      status: 405,
      allow: 'GET, HEAD, POST',
    });
  });

  it('404 for paths that name no endpoint', () => {
    for (const path of [
      '/customer/demo',
      '/customer/demo/',
      '/customer/demo/customers/',
      '/customer/demo/customers//addresses',
      '/customer/demo/customer',
      '/customer/demo/customers/1/accounts',
      '/customer/demo/customers/1/addresses/a/tags/x',
      '/customer//customers',
      '/customers',
      '/graphql',
    ]) {
      const match = matchRoute('GET', path);
      expect(!match.ok && match.error.body(), path).toEqual({
        status: 404,
        type: 'not_found',
        message: 'The requested resource does not exist.',
      });
    }
  });

  it('the REST paths are those under /customer/', () => {
    expect(isRestPath('/customer/demo/customers')).toBe(true);
    expect(isRestPath('/customers')).toBe(false);
    expect(isRestPath('/graphql')).toBe(false);
  });
});

describe('handlers', () => {
  it('are typed by their route, and dispatch calls the one of the call', async () => {
    const handlers = Object.fromEntries(
      ROUTES.map((route) => [
        route.id,
        async (context: string, call: RestCall) => ({ status: 200, headers: {}, body: `${context} ${call.route.id}` }),
      ]),
    ) as unknown as RestHandlers<string>;
    for (const route of ROUTES) {
      const call = {
        route,
        params: { tenant: 'demo' },
        query: {},
        body: undefined,
        totalCountHeader: false,
      } as RestCall;
      expect((await dispatch(handlers, 'ctx', call)).body).toBe(`ctx ${route.id}`);
    }

    // What each handler is handed, by its route (checked by tsc).
    type List = RestCall<RouteById<'listCustomers'>>;
    expectTypeOf<List['query']['q']>().toEqualTypeOf<Condition[]>();
    expectTypeOf<List['query']['sort']>().toEqualTypeOf<OrderTerm[] | undefined>();
    expectTypeOf<List['query']['pageSize']>().toEqualTypeOf<number>();
    expectTypeOf<List['query']['expand']>().toEqualTypeOf<Expand>();
    expectTypeOf<List['body']>().toEqualTypeOf<undefined>();
    type Patch = RestCall<RouteById<'patchAddress'>>;
    expectTypeOf<Patch['params']>().toEqualTypeOf<{
      readonly tenant: string;
      readonly customerNumber: string;
      readonly addressId: string;
    }>();
    // A body's fields are JSON-typed when decoded; their rules are the domain's.
    expectTypeOf<Patch['body']['city']>().toEqualTypeOf<unknown>();
    type Tags = RestCall<RouteById<'addAddressTags'>>;
    expectTypeOf<Tags['query']['tags']>().toEqualTypeOf<string[]>();
    expectTypeOf<RestHandlers<string>['getCustomer']>().returns.toEqualTypeOf<Promise<RestResponse>>();
  });
});
