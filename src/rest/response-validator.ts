/**
 * Checks an answer of the REST API against the OpenAPI document: the status is one the operation declares, the
 * declared headers are there and of their type, and the body is of the declared media type and schema (ajv, JSON
 * Schema 2020-12 as OpenAPI 3.1 uses it, formats included). For tests: every REST answer a test receives can be
 * held to the published contract. The service does not import it.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { buildOpenApiDocument, type OpenApiDocument } from './openapi.js';
import { BASE_PATH, matchRoute } from './routes.js';

// ajv-formats is CommonJS: under NodeNext its default import is module.exports, whose `default` is the plugin.
const addFormats = ajvFormats.default;

export interface AnswerToCheck {
  /** The request's method and path (without the query string). */
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** Header names in any case; node:http's IncomingHttpHeaders and fetch's Headers both fit. */
  readonly headers: Headers | Readonly<Record<string, string | string[] | undefined>>;
  /** The body as received ('' for none). */
  readonly body: string;
}

type Json = Record<string, unknown>;

const ROOT = 'urn:customer-graph:openapi';

/** What matchRoute answers for a request that reaches no operation. */
const GENERIC_ERRORS: Record<number, string | undefined> = {
  400: 'BadRequest',
  404: 'NotFound',
  405: 'MethodNotAllowed',
};

/** The document's `#/components/schemas/X` refs, pointed at the copy of the schemas that ajv holds. */
function pointed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pointed);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [
      key,
      key === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')
        ? `${ROOT}#/$defs/${v.slice('#/components/schemas/'.length)}`
        : pointed(v),
    ]),
  );
}

function headerOf(headers: AnswerToCheck['headers'], name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
  return Array.isArray(entry) ? entry.join(', ') : entry;
}

export interface ResponseValidator {
  /** What is wrong with the answer; empty when it is as the document says. */
  problems(answer: AnswerToCheck): string[];
  /** Throws an Error listing the problems, if any. */
  assert(answer: AnswerToCheck): void;
}

export function createResponseValidator(document: OpenApiDocument = buildOpenApiDocument()): ResponseValidator {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  // Header values are text; their schemas say integer: coerced, as a client would read them.
  const headerAjv = new Ajv2020({ strict: true, coerceTypes: true });
  ajv.addSchema({ $id: ROOT, $defs: pointed(document.components.schemas) as Json });
  const compiled = new Map<string, ValidateFunction>();
  const validator = (key: string, schema: unknown, instance: Ajv2020 = ajv) => {
    let validate = compiled.get(key);
    if (!validate) {
      validate = instance.compile(pointed(schema) as Json);
      compiled.set(key, validate);
    }
    return validate;
  };

  const resolve = (value: unknown): Json => {
    const target = (value as { $ref?: string }).$ref;
    if (!target) return value as Json;
    const [, kind, name] = /^#\/components\/(\w+)\/(.+)$/.exec(target) ?? [];
    const found = (document.components as Record<string, Record<string, unknown>>)[kind ?? '']?.[name ?? ''];
    if (!found) throw new Error(`The document has no ${target}`);
    return found as Json;
  };

  /** The operation the request reached, or undefined for a path or method that the API does not have. */
  function operationOf(method: string, path: string): { id: string; responses: Json } | undefined {
    const match = matchRoute(method, path);
    if (!match.ok) return undefined;
    const operation = document.paths[`${BASE_PATH}${match.route.path}`]?.[match.route.method.toLowerCase()];
    return operation ? { id: operation.operationId, responses: operation.responses } : undefined;
  }

  function problems(answer: AnswerToCheck): string[] {
    const found: string[] = [];
    const operation = operationOf(answer.method, answer.path);
    const where = operation ? operation.id : `${answer.method} ${answer.path}`;
    // A path or method the API does not have answers with the generic errors of the document.
    const generic = GENERIC_ERRORS[answer.status];
    const declared = operation
      ? operation.responses[String(answer.status)]
      : generic && document.components.responses[generic];
    if (!declared) return [`${where}: status ${answer.status} is not declared`];
    const response = resolve(declared);

    for (const [name, spec] of Object.entries((response.headers ?? {}) as Json)) {
      const header = resolve(spec);
      const value = headerOf(answer.headers, name);
      if (value === undefined) {
        if (header.required) found.push(`${where} ${answer.status}: header ${name} is missing`);
        continue;
      }
      const validate = validator(
        `header ${where} ${answer.status} ${name}`,
        { type: 'object', properties: { value: header.schema } },
        headerAjv,
      );
      if (!validate({ value }))
        found.push(`${where} ${answer.status}: header ${name}: ${headerAjv.errorsText(validate.errors)}`);
    }

    const content = response.content as Record<string, { schema: unknown }> | undefined;
    // A HEAD answer has the headers of its GET and never a body.
    if (answer.method === 'HEAD') {
      if (answer.body !== '') found.push(`${where} ${answer.status}: an answer to HEAD has no body`);
      return found;
    }
    if (!content) {
      if (answer.body !== '')
        found.push(`${where} ${answer.status}: declares no body, got ${JSON.stringify(answer.body.slice(0, 80))}`);
      return found;
    }
    const mediaType = headerOf(answer.headers, 'content-type')?.split(';')[0]?.trim().toLowerCase();
    const media = mediaType ? content[mediaType] : undefined;
    if (!media) {
      found.push(
        `${where} ${answer.status}: content-type ${mediaType ?? '(none)'} is not one of ${Object.keys(content).join(', ')}`,
      );
      return found;
    }
    let body: unknown;
    try {
      body = JSON.parse(answer.body);
    } catch {
      found.push(`${where} ${answer.status}: the body is not JSON: ${JSON.stringify(answer.body.slice(0, 80))}`);
      return found;
    }
    const validate = validator(`body ${where} ${answer.status} ${mediaType}`, media.schema);
    if (!validate(body)) {
      for (const error of validate.errors ?? []) {
        found.push(
          `${where} ${answer.status}: body${error.instancePath} ${error.message} ${JSON.stringify(error.params)}`,
        );
      }
    }
    return found;
  }

  return {
    problems,
    assert(answer) {
      const found = problems(answer);
      if (found.length > 0) throw new Error(`The answer is not as the OpenAPI document says:\n${found.join('\n')}`);
    },
  };
}
