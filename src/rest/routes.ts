/**
 * The REST API's endpoints as data (REST.md's table of 16): method, path, the operation of the operation table that
 * each performs (the one its GraphQL twin performs, so both APIs ask the same permission), query parameters,
 * request body, answers. The OpenAPI document, the request decoding (request.ts) and the handlers' types are made from it;
 * {@link matchRoute} finds the endpoint of a request.
 */
import type { z } from 'zod';
import type { Permission } from '../auth/scopes.js';
import { CUSTOMER_FIELDS } from '../operations/fields.js';
import { type OperationName, permissionOf } from '../operations/index.js';
import {
  badRequest,
  methodNotAllowed,
  resourceNotFound,
  type ErrorStatus,
  type RestError,
  type RestResponse,
} from './errors.js';
import {
  PAGE_NUMBER_MAX,
  PAGE_SIZE,
  parseExpand,
  parsePageNumber,
  parsePageSize,
  parseSendPasswordResetNotifications,
  parseSort,
  parseTagList,
  SORT_FIELDS,
  EXPAND_NAMES,
  type Expand,
} from './params.js';
import { parseQ, Q_LIMITS } from './q.js';
import {
  AccountBodySchema,
  AddressCreateBodySchema,
  AddressPatchBodySchema,
  AddressReplaceBodySchema,
  CustomerCreateBodySchema,
  CustomerUpdateBodySchema,
  SearchBodySchema,
} from './representation.js';

/** Every path starts with this; `{tenant}` must be the token's (params.ts: checkTenant). */
export const BASE_PATH = '/customer/{tenant}';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A JSON Schema, as the OpenAPI document holds it. */
export type JsonSchema = Record<string, unknown>;

/** The query parameters of the API: how each is read, and how the OpenAPI document describes it. */
export const QUERY_PARAMETERS = {
  q: {
    parse: (value: string | undefined) => (value ? parseQ(value) : []),
    description:
      'Conditions that must all hold, separated by spaces, e.g. `lastName:Doe active:true metadata.version:>3`; see REST.md "The q language".',
    schema: { type: 'string', maxLength: Q_LIMITS.length },
  },
  sort: {
    parse: parseSort,
    description: `Fields, comma-separated or repeated, each optionally \`:asc\` or \`:desc\` (any case); default metadata.createdAt ascending. Sortable: ${Object.keys(SORT_FIELDS).join(', ')}.`,
    schema: {
      type: 'array',
      items: {
        type: 'string',
        pattern: `^(${Object.keys(SORT_FIELDS)
          .map((field) => field.replace('.', '\\.'))
          .join('|')})(:([aA][sS][cC]|[dD][eE][sS][cC]))?$`,
      },
    },
    explode: false,
  },
  pageNumber: {
    parse: parsePageNumber,
    description: 'The page, from 1.',
    schema: { type: 'integer', minimum: 1, maximum: PAGE_NUMBER_MAX, default: 1 },
  },
  pageSize: {
    parse: parsePageSize,
    description: `Customers a page, at most ${PAGE_SIZE.max}.`,
    schema: { type: 'integer', minimum: 1, maximum: PAGE_SIZE.max, default: PAGE_SIZE.default },
  },
  expand: {
    parse: parseExpand,
    description:
      'Parts to add to each customer, in any order, comma-separated or repeated: addresses (needs a scope that may read addresses), accounts, mixin or mixin:* (its mixins).',
    schema: { type: 'array', items: { type: 'string', enum: EXPAND_NAMES } },
    explode: false,
  },
  sendPasswordResetNotifications: {
    parse: parseSendPasswordResetNotifications,
    description: "Whether a new customer's account is sent a password-reset notification.",
    schema: { type: 'boolean', default: true },
  },
  tags: {
    parse: parseTagList,
    description: 'Tags, comma-separated or repeated.',
    schema: { type: 'array', items: { type: 'string' }, minItems: 1 },
    explode: false,
    required: true,
  },
} as const satisfies Record<
  string,
  {
    parse: (value: string | undefined) => unknown;
    description: string;
    schema: JsonSchema;
    explode?: false;
    required?: true;
  }
>;

export type QueryParameter = keyof typeof QUERY_PARAMETERS;

/** The JSON answers, by the name the OpenAPI document gives their schema. */
export type AnswerSchema = 'Customer' | 'Address' | 'Id';

export interface Answer {
  readonly status: 200 | 201 | 202 | 204;
  readonly description: string;
  /** The JSON body: one of the named schemas, or a list of them. */
  readonly body?: { readonly schema: AnswerSchema; readonly list?: true };
  /** List answers carry `Count` (and `X-Total-Count` when asked). */
  readonly countHeaders?: true;
}

export interface RequestBody {
  /** The name of its schema in the OpenAPI document. */
  readonly name: string;
  readonly schema: z.ZodType;
  readonly mediaTypes: readonly string[];
}

export interface RouteSpec {
  readonly id: string;
  readonly method: Method;
  /** Under {@link BASE_PATH}. */
  readonly path: string;
  /** What it does: an operation of the operation table, whose permission it asks. */
  readonly operation: OperationName;
  readonly summary: string;
  /** What the GraphQL API calls the same operation. */
  readonly graphql: string;
  readonly query: readonly QueryParameter[];
  readonly body?: RequestBody;
  readonly answers: readonly Answer[];
  /** The failures it may answer with: 401 has its own body (errors.ts: unauthorized). */
  readonly errors: readonly (ErrorStatus | 401)[];
}

const JSON_BODY = ['application/json'] as const;
/** REST.md: PUT and PATCH accept both. */
const MERGE_BODY = ['application/json', 'application/merge-patch+json'] as const;

const FAILS = [400, 401, 403, 429, 500, 503] as const;
const FAILS_ON_CUSTOMER = [400, 401, 403, 404, 429, 500, 503] as const;
const FAILS_WITH_BODY = [400, 401, 403, 404, 409, 413, 415, 429, 500, 503] as const;

const listAnswer = {
  status: 200,
  description: 'The customers of the page; Count: how many match over all pages.',
  body: { schema: 'Customer', list: true },
  countHeaders: true,
} as const;
const idAnswer = (status: 201, what: string) =>
  ({ status, description: `Created: the ${what}.`, body: { schema: 'Id' } }) as const;

/** REST.md's endpoints, in its order. */
export const ROUTES = [
  {
    id: 'listCustomers',
    method: 'GET',
    path: '/customers',
    operation: 'customerPage',
    summary: 'Retrieves a list of customer profiles.',
    graphql: 'customers',
    query: ['q', 'sort', 'pageNumber', 'pageSize', 'expand'],
    answers: [listAnswer],
    errors: FAILS,
  },
  {
    id: 'createCustomer',
    method: 'POST',
    path: '/customers',
    operation: 'createCustomer',
    summary: 'Creates a new customer.',
    graphql: 'createCustomer',
    query: ['sendPasswordResetNotifications'],
    body: { name: 'CustomerCreate', schema: CustomerCreateBodySchema, mediaTypes: JSON_BODY },
    answers: [idAnswer(201, 'customer number')],
    errors: [400, 401, 403, 409, 413, 415, 429, 500, 503],
  },
  {
    id: 'searchCustomers',
    method: 'POST',
    path: '/customers/search',
    operation: 'customerPage',
    summary:
      'Searches customer profiles with a q expression in the body (a q parameter too, as an older version of the official description has it: both must hold).',
    graphql: 'customers',
    query: ['q', 'sort', 'pageNumber', 'pageSize', 'expand'],
    body: { name: 'CustomerSearch', schema: SearchBodySchema, mediaTypes: JSON_BODY },
    answers: [listAnswer],
    errors: [400, 401, 403, 413, 415, 429, 500, 503],
  },
  {
    id: 'upsertCustomer',
    method: 'PUT',
    path: '/customers/{customerNumber}',
    operation: 'upsertCustomer',
    summary: "Updates a customer's profile, or creates it under this number when it does not exist.",
    graphql: 'upsertCustomer',
    query: ['sendPasswordResetNotifications'],
    body: { name: 'CustomerUpdate', schema: CustomerUpdateBodySchema, mediaTypes: MERGE_BODY },
    answers: [idAnswer(201, 'customer number'), { status: 204, description: 'Updated.' }],
    errors: FAILS_WITH_BODY,
  },
  {
    id: 'patchCustomer',
    method: 'PATCH',
    path: '/customers/{customerNumber}',
    operation: 'patchCustomer',
    summary: "Updates the given fields of a customer's profile.",
    graphql: 'patchCustomer',
    query: [],
    body: { name: 'CustomerUpdate', schema: CustomerUpdateBodySchema, mediaTypes: MERGE_BODY },
    answers: [{ status: 200, description: 'The customer.', body: { schema: 'Customer' } }],
    errors: FAILS_WITH_BODY,
  },
  {
    id: 'getCustomer',
    method: 'GET',
    path: '/customers/{customerNumber}',
    operation: 'customer',
    summary: "Retrieves a specified customer's profile.",
    graphql: 'customer',
    query: ['expand'],
    answers: [{ status: 200, description: 'The customer.', body: { schema: 'Customer' } }],
    errors: FAILS_ON_CUSTOMER,
  },
  {
    id: 'deleteCustomer',
    method: 'DELETE',
    path: '/customers/{customerNumber}',
    operation: 'deleteCustomer',
    summary: "Deletes a specified customer's profile and the accounts associated with it.",
    graphql: 'deleteCustomer',
    query: [],
    answers: [{ status: 202, description: 'Deleted.' }],
    errors: FAILS_ON_CUSTOMER,
  },
  {
    id: 'assignAccount',
    method: 'POST',
    path: '/customers/{customerNumber}/accounts/internal',
    operation: 'assignCustomerAccount',
    summary: 'Assigns a customer account to an existing customer profile.',
    graphql: 'assignCustomerAccount',
    query: ['sendPasswordResetNotifications'],
    body: { name: 'AccountAssignment', schema: AccountBodySchema, mediaTypes: JSON_BODY },
    answers: [idAnswer(201, 'customer number')],
    errors: FAILS_WITH_BODY,
  },
  {
    id: 'listAddresses',
    method: 'GET',
    path: '/customers/{customerNumber}/addresses',
    operation: 'customerAddresses',
    summary: 'Retrieves the addresses of a specified customer, default first.',
    graphql: 'Customer.addresses',
    query: [],
    answers: [{ status: 200, description: 'The addresses.', body: { schema: 'Address', list: true } }],
    errors: FAILS_ON_CUSTOMER,
  },
  {
    id: 'addAddress',
    method: 'POST',
    path: '/customers/{customerNumber}/addresses',
    operation: 'addCustomerAddress',
    summary: "Adds an address to a specified customer's profile.",
    graphql: 'addCustomerAddress',
    query: [],
    body: { name: 'AddressCreate', schema: AddressCreateBodySchema, mediaTypes: JSON_BODY },
    answers: [idAnswer(201, 'address id')],
    errors: FAILS_WITH_BODY,
  },
  {
    id: 'upsertAddress',
    method: 'PUT',
    path: '/customers/{customerNumber}/addresses/{addressId}',
    operation: 'upsertCustomerAddress',
    summary: 'Replaces a specified customer address, or adds it under this id when it does not exist.',
    graphql: 'updateCustomerAddress',
    query: [],
    body: { name: 'AddressReplace', schema: AddressReplaceBodySchema, mediaTypes: MERGE_BODY },
    answers: [idAnswer(201, 'address id'), { status: 204, description: 'Updated.' }],
    errors: FAILS_WITH_BODY,
  },
  {
    id: 'patchAddress',
    method: 'PATCH',
    path: '/customers/{customerNumber}/addresses/{addressId}',
    operation: 'patchCustomerAddress',
    summary: 'Updates the given fields of a specified customer address.',
    graphql: 'patchCustomerAddress',
    query: [],
    body: { name: 'AddressPatch', schema: AddressPatchBodySchema, mediaTypes: MERGE_BODY },
    answers: [{ status: 200, description: 'The address.', body: { schema: 'Address' } }],
    errors: FAILS_WITH_BODY,
  },
  {
    id: 'getAddress',
    method: 'GET',
    path: '/customers/{customerNumber}/addresses/{addressId}',
    operation: 'customerAddress',
    summary: 'Retrieves a specified customer address.',
    graphql: 'customerAddress',
    query: [],
    answers: [{ status: 200, description: 'The address.', body: { schema: 'Address' } }],
    errors: FAILS_ON_CUSTOMER,
  },
  {
    id: 'deleteAddress',
    method: 'DELETE',
    path: '/customers/{customerNumber}/addresses/{addressId}',
    operation: 'deleteCustomerAddress',
    summary: 'Deletes a specified customer address.',
    graphql: 'deleteCustomerAddress',
    query: [],
    answers: [{ status: 204, description: 'Deleted.' }],
    errors: FAILS_ON_CUSTOMER,
  },
  {
    id: 'addAddressTags',
    method: 'POST',
    path: '/customers/{customerNumber}/addresses/{addressId}/tags',
    operation: 'addCustomerAddressTags',
    summary: 'Adds tags to a customer address; tags it already has are kept once.',
    graphql: 'addCustomerAddressTags',
    query: ['tags'],
    answers: [{ status: 204, description: 'Added.' }],
    errors: FAILS_ON_CUSTOMER,
  },
  {
    id: 'removeAddressTags',
    method: 'DELETE',
    path: '/customers/{customerNumber}/addresses/{addressId}/tags',
    operation: 'removeCustomerAddressTags',
    summary: 'Removes tags from a customer address; tags it does not have are ignored.',
    graphql: 'removeCustomerAddressTags',
    query: ['tags'],
    answers: [{ status: 204, description: 'Removed.' }],
    errors: FAILS_ON_CUSTOMER,
  },
] as const satisfies readonly RouteSpec[];

export type Route = (typeof ROUTES)[number];
export type RouteId = Route['id'];
export type RouteById<Id extends RouteId> = Extract<Route, { id: Id }>;

/** `/customers/{customerNumber}` → `'customerNumber'`. */
type ParamNames<P extends string> = P extends `${string}{${infer Name}}${infer Rest}` ? Name | ParamNames<Rest> : never;
export type PathParams<R extends Route> = { readonly [K in ParamNames<R['path']> | 'tenant']: string };
export type QueryOf<R extends Route> = {
  readonly [K in R['query'][number]]: ReturnType<(typeof QUERY_PARAMETERS)[K]['parse']>;
};
export type BodyOf<R extends Route> = R extends { body: { schema: infer S extends z.ZodType } }
  ? z.infer<S>
  : undefined;

/** One request, decoded and checked (request.ts: decodeCall): what a handler gets. */
export interface RestCall<R extends Route = Route> {
  readonly route: R;
  readonly params: PathParams<R>;
  readonly query: QueryOf<R>;
  readonly body: BodyOf<R>;
  /** The request asked for the count in an `X-Total-Count` header too. */
  readonly totalCountHeader: boolean;
}

/**
 * The handlers the server will provide, one per endpoint, each typed by its route. `Context` is whatever the server
 * hands them (the caller, the domain, the store); they answer with a RestResponse or throw (errors.ts maps it).
 */
export type RestHandlers<Context> = {
  readonly [Id in RouteId]: (context: Context, call: RestCall<RouteById<Id>>) => Promise<RestResponse>;
};

/** Calls the handler of the call's route (TypeScript cannot relate a union of calls to a union of handlers alone). */
export function dispatch<Context>(
  handlers: RestHandlers<Context>,
  context: Context,
  call: RestCall,
): Promise<RestResponse> {
  const handler = handlers[call.route.id] as (context: Context, call: RestCall) => Promise<RestResponse>;
  return handler(context, call);
}

/**
 * The permissions a call needs: its operation's, and those of the fields `expand` adds (addresses are refused to the
 * own scopes in GraphQL too, so a customer token asking for them gets 403 rather than a customer without them).
 */
export function permissionsOf(route: Route, expand?: Expand): Permission[] {
  const fields = [expand?.addresses && CUSTOMER_FIELDS.addresses, expand?.accounts && CUSTOMER_FIELDS.accounts];
  return [
    ...new Set([permissionOf(route.operation), ...fields.filter((field) => field !== undefined && field !== false)]),
  ];
}

// ---- Matching ----

interface CompiledRoute {
  readonly route: Route;
  /** Path segments after `/customer`: a literal, or the name of a parameter. */
  readonly segments: readonly ({ literal: string } | { param: string })[];
  readonly literals: number;
}

const COMPILED: readonly CompiledRoute[] = ROUTES.map((route) => {
  const segments = `${BASE_PATH}${route.path}`
    .split('/')
    .slice(2)
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment)?.[1];
      return param ? { param } : { literal: segment };
    });
  return { route, segments, literals: segments.filter((s) => 'literal' in s).length };
});

const METHOD_ORDER: readonly string[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

export type RouteMatch =
  | { readonly ok: true; readonly route: Route; readonly params: Readonly<Record<string, string>> }
  | { readonly ok: false; readonly error: RestError };

/** Whether a path is the REST API's (the server asks before it hands a request to {@link matchRoute}). */
export const isRestPath = (path: string): boolean => path.startsWith('/customer/');

/**
 * The endpoint of a request, with its path parameters decoded; HEAD is served as GET. A path that names no endpoint
 * is a 404, a path that does with another method a 405 naming the allowed ones. Where a literal segment and a
 * parameter both fit (`/customers/search`), the endpoints of the method asked win, then the more literal path: so
 * `POST /customers/search` searches and `GET /customers/search` reads the customer numbered "search".
 */
export function matchRoute(method: string, path: string): RouteMatch {
  if (!isRestPath(path)) return { ok: false, error: resourceNotFound() };
  const segments = path.split('/').slice(2);
  const fitting = COMPILED.filter(
    (c) =>
      c.segments.length === segments.length &&
      c.segments.every((s, i) => ('literal' in s ? s.literal === segments[i] : segments[i] !== '')),
  );
  if (fitting.length === 0) return { ok: false, error: resourceNotFound() };
  const wanted = method === 'HEAD' ? 'GET' : method;
  const best = fitting.filter((c) => c.route.method === wanted).sort((a, b) => b.literals - a.literals)[0];
  if (!best) {
    const methods = new Set(fitting.flatMap((c) => (c.route.method === 'GET' ? ['GET', 'HEAD'] : [c.route.method])));
    const allow = METHOD_ORDER.filter((m) => methods.has(m));
    return { ok: false, error: methodNotAllowed(method, allow) };
  }
  const params: Record<string, string> = {};
  for (const [i, s] of best.segments.entries()) {
    if (!('param' in s)) continue;
    try {
      params[s.param] = decodeURIComponent(segments[i]!);
    } catch {
      return { ok: false, error: badRequest(s.param, 'invalid_value', 'is not a valid percent-encoded path segment') };
    }
  }
  return { ok: true, route: best.route, params };
}
