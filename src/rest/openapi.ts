/**
 * The REST API's OpenAPI 3.1 document, generated from the route table (routes.ts) and the zod schemas of the bodies
 * and answers (representation.ts, errors.ts): nothing in it is written twice, so it cannot drift from what the
 * service parses and answers. Served by docs.ts; test/rest-openapi.test.ts validates it with an OpenAPI validator
 * and response-validator.ts checks answers against it.
 */
import { permissionOf } from '../operations/index.js';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { PERMISSIONS, type Permission } from '../auth/scopes.js';
import {
  ERROR_TYPES,
  ErrorBodySchema,
  ErrorDetailSchema,
  FaultBodySchema,
  TENANT_DETAIL,
  TENANT_MESSAGE,
  type ErrorDetail,
  type ErrorStatus,
} from './errors.js';
import {
  AccountJsonSchema,
  AddressJsonSchema,
  CustomerJsonSchema,
  IdJsonSchema,
  LegalEntityJsonSchema,
} from '../domain/representation.js';
import { BASE_PATH, QUERY_PARAMETERS, ROUTES, type Answer, type JsonSchema, type Route } from './routes.js';

export type OpenApiDocument = {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  tags: { name: string; description: string }[];
  security: Record<string, string[]>[];
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, JsonSchema>;
    parameters: Record<string, JsonSchema>;
    headers: Record<string, JsonSchema>;
    responses: Record<string, JsonSchema>;
    securitySchemes: Record<string, JsonSchema>;
  };
};

export type Operation = {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  parameters: { $ref: string }[];
  requestBody?: JsonSchema;
  responses: Record<string, JsonSchema>;
  'x-permission': Permission;
};

const SCHEMA_REF = '#/components/schemas/';
const ref = (kind: string, name: string) => ({ $ref: `#/components/${kind}/${name}` });

/** The schemas of the answers (as zod outputs them) and of the bodies (as zod takes them in). */
const ANSWER_SCHEMAS = {
  Customer: CustomerJsonSchema,
  Address: AddressJsonSchema,
  Account: AccountJsonSchema,
  LegalEntity: LegalEntityJsonSchema,
  Id: IdJsonSchema,
  Error: ErrorBodySchema,
  ErrorDetail: ErrorDetailSchema,
  Fault: FaultBodySchema,
};

function jsonSchemas(schemas: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const { schemas: out } = z.toJSONSchema(registry, { io, uri: (id) => `${SCHEMA_REF}${id}` });
  // OpenAPI 3.1's dialect is the document's, and a component is named by its key: neither needs saying again.
  return Object.fromEntries(
    Object.entries(out).map(([id, { $schema: _dialect, $id: _id, ...schema }]) => [id, schema as JsonSchema]),
  );
}

function bodySchemas(): Record<string, z.ZodType> {
  const bodies: Record<string, z.ZodType> = {};
  for (const route of ROUTES) if ('body' in route) bodies[route.body.name] = route.body.schema;
  return bodies;
}

const STATUS_NAMES: Record<ErrorStatus | 401, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  503: 'ServiceUnavailable',
};

const ERROR_WHEN: Record<ErrorStatus, { description: string; message: string; details?: ErrorDetail[] }> = {
  400: {
    description: `An invalid body, parameter or q; or a {tenant} that is not the token's.`,
    message: TENANT_MESSAGE,
    details: [TENANT_DETAIL],
  },
  403: {
    description: 'The token lacks the scope.',
    message: 'Not allowed: the token needs one of the scopes customer.customer_read, customer.customer_manage.',
  },
  404: {
    description: 'The customer or address does not exist for this caller.',
    message: 'Customer 13869000 not found.',
  },
  405: { description: 'The path exists, the method does not.', message: 'The method POST is not allowed here.' },
  409: {
    description:
      'A stale metadata.version, an email already used by an account of the tenant, a customer number or address id taken (or deleted).',
    message: 'The customer has changed: version 7 is current, not 6.',
  },
  413: { description: 'The body is larger than the service accepts.', message: 'The request body is too large.' },
  415: {
    description: 'The body is not JSON (PUT and PATCH also take application/merge-patch+json).',
    message: 'The request body must be application/json.',
  },
  429: {
    description:
      "The tenant has its share of expensive reads (lists with unindexed conditions, deep pages, counts, searches) in flight and more waiting; retry after Retry-After's seconds.",
    message: 'Too many expensive requests of this tenant are in progress. Retry after 1 second.',
  },
  500: { description: 'An unexpected error, logged with the request id.', message: 'Unexpected error.' },
  503: {
    description: 'The database cannot be reached; retry later.',
    message: 'The service is unavailable: its database cannot be reached. Retry later.',
  },
};

function errorResponses(): Record<string, JsonSchema> {
  const responses: Record<string, JsonSchema> = {};
  for (const [key, when] of Object.entries(ERROR_WHEN)) {
    const status = Number(key) as ErrorStatus;
    responses[STATUS_NAMES[status]] = {
      description: when.description,
      ...(status === 503 || status === 429
        ? { headers: { 'Retry-After': { schema: { type: 'integer', minimum: 0 } } } }
        : {}),
      ...(status === 405 ? { headers: { Allow: { schema: { type: 'string' }, required: true } } } : {}),
      content: {
        'application/json': {
          schema: ref('schemas', 'Error'),
          example: {
            status,
            type: ERROR_TYPES[status],
            message: when.message,
            ...(when.details ? { details: when.details } : {}),
          },
        },
      },
    };
  }
  responses.Unauthorized = {
    description: 'No token, or one that is malformed, badly signed, expired, or for no valid tenant.',
    headers: { 'WWW-Authenticate': { schema: { type: 'string' }, required: true } },
    content: {
      'application/json': {
        schema: ref('schemas', 'Fault'),
        examples: {
          invalid: {
            value: {
              fault: { faultstring: 'Invalid access token', detail: { errorcode: 'oauth.v2.InvalidAccessToken' } },
            },
          },
          expired: {
            value: {
              fault: {
                faultstring: 'Access Token expired',
                detail: { errorcode: 'keymanagement.service.access_token_expired' },
              },
            },
          },
        },
      },
    },
  };
  return responses;
}

function parameters(): Record<string, JsonSchema> {
  const params: Record<string, JsonSchema> = {
    tenant: {
      name: 'tenant',
      in: 'path',
      required: true,
      description: "The token's tenant.",
      schema: { type: 'string', minLength: 3, maxLength: 16, pattern: '^[a-z][a-z0-9]+$' },
    },
    customerNumber: { name: 'customerNumber', in: 'path', required: true, schema: { type: 'string' } },
    addressId: { name: 'addressId', in: 'path', required: true, schema: { type: 'string' } },
    XTotalCount: {
      name: 'X-Total-Count',
      in: 'header',
      description: 'true: also answer the count in an X-Total-Count header.',
      schema: { type: 'string', enum: ['true', 'false'] },
    },
  };
  for (const [name, spec] of Object.entries(QUERY_PARAMETERS)) {
    params[name] = {
      name,
      in: 'query',
      description: spec.description,
      ...('required' in spec ? { required: true } : {}),
      schema: spec.schema,
      ...('explode' in spec ? { style: 'form', explode: false } : {}),
    };
  }
  return params;
}

const HEADERS = {
  Count: {
    description: 'How many customers match, over all pages.',
    required: true,
    schema: { type: 'integer', minimum: 0 },
  },
  'X-Total-Count': {
    description: 'The same number as Count, when the request sent X-Total-Count: true.',
    schema: { type: 'integer', minimum: 0 },
  },
};

/** Who may call an operation: the scope table of src/auth/scopes.ts, which GraphQL uses too. */
function scopesText(permission: Permission): string {
  const { tenant, own } = PERMISSIONS[permission];
  const owned = own.length
    ? ` On a customer's own token (one with customer_id), also ${own.join(', ')}: for customers of the caller's company only.`
    : '';
  return `Needs one of the scopes ${tenant.join(', ')}.${owned}`;
}

function answer(spec: Answer): JsonSchema {
  const response: JsonSchema = { description: spec.description };
  if (spec.countHeaders) {
    response.headers = { Count: ref('headers', 'Count'), 'X-Total-Count': ref('headers', 'X-Total-Count') };
  }
  if (spec.body) {
    const item = ref('schemas', spec.body.schema);
    response.content = { 'application/json': { schema: spec.body.list ? { type: 'array', items: item } : item } };
  }
  return response;
}

const TAGS: Record<string, string> = {
  Customers: "Customers' profiles: create, read, list, search, update, delete.",
  Addresses: "A customer's addresses and their tags.",
  Accounts: "A customer's login accounts.",
};

function tagOf(route: Route): string {
  if (route.path.includes('/addresses')) return 'Addresses';
  if (route.path.includes('/accounts')) return 'Accounts';
  return 'Customers';
}

function operation(route: Route): Operation {
  const pathParams = [...`${BASE_PATH}${route.path}`.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const expands = (route.query as readonly string[]).includes('expand');
  const description = [
    scopesText(permissionOf(route.operation)),
    expands ? ` expand=addresses also needs ${PERMISSIONS.readAddresses.tenant.join(' or ')}.` : '',
    `\n\nThe GraphQL API's \`${route.graphql}\` does the same.`,
  ].join('');
  const op: Operation = {
    operationId: route.id,
    summary: route.summary,
    description,
    tags: [tagOf(route)],
    parameters: [
      ...pathParams.map((name) => ref('parameters', name)),
      ...route.query.map((name) => ref('parameters', name)),
      ...(route.answers.some((a: Answer) => a.countHeaders) ? [ref('parameters', 'XTotalCount')] : []),
    ],
    responses: {},
    'x-permission': permissionOf(route.operation),
  };
  if ('body' in route) {
    op.requestBody = {
      required: true,
      content: Object.fromEntries(
        route.body.mediaTypes.map((type) => [type, { schema: ref('schemas', route.body.name) }]),
      ),
    };
  }
  for (const spec of route.answers as readonly Answer[]) op.responses[String(spec.status)] = answer(spec);
  for (const status of route.errors) op.responses[String(status)] = ref('responses', STATUS_NAMES[status]);
  return op;
}

function packageVersion(): string {
  // src/rest and dist/rest are both two folders below package.json.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildOpenApiDocument(): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const route of ROUTES) {
    const path = `${BASE_PATH}${route.path}`;
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Customer Service (customer-graph)',
      version: packageVersion(),
      description:
        "The Customer Service's REST API, served beside the GraphQL API by the same service, under the same rules: every row is the token's tenant's, and every operation checks the scopes that its GraphQL twin checks.",
    },
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      schemas: { ...jsonSchemas(ANSWER_SCHEMAS, 'output'), ...jsonSchemas(bodySchemas(), 'input') },
      parameters: parameters(),
      headers: HEADERS,
      responses: errorResponses(),
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            "A JWT signed with a key the service accepts, with the claims tenant (the path's {tenant}), scope (space-separated OAuth scopes) and sub. Locally, `npm run token -- --tenant demo --scope all` prints one; in development, opened on this machine, this page has one filled in.",
        },
      },
    },
  };
}
