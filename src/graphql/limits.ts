/**
 * The request-level safety of the GraphQL edge, as Yoga/envelop plugins: limits on document size, tokens, depth,
 * cost, aliases and directives (graphql-armor), CSRF prevention, introspection switched off by configuration,
 * field suggestions hidden in production, and trusted documents (persisted operations). The request body limit
 * sits in front of Yoga, in server.ts.
 *
 * Every refused document gets the code Yoga gives any invalid document, GRAPHQL_VALIDATION_FAILED, and its HTTP
 * status: 400 for clients that accept application/graphql-response+json (as gateways and current clients do); a
 * client that accepts only application/json gets 200, as the GraphQL-over-HTTP spec asks.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { createComplexityRule } from '@pothos/plugin-complexity';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import {
  defaultExtractPersistedOperationId,
  usePersistedOperations,
  type CustomErrorFactory,
} from '@graphql-yoga/plugin-persisted-operations';
import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  parse,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
  type ASTVisitor,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationContext,
} from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { ConfigError, type Config } from '../config.js';
import { FIELD_COMPLEXITY } from './builder.js';

export type TrustedDocuments = ReadonlyMap<string, string>;

export interface EdgeOptions {
  production: boolean;
  graphql: Config['graphql'];
  /** Loaded from GRAPHQL_PERSISTED_OPERATIONS_FILE; without it, persisted operations are off. */
  trustedDocuments?: TrustedDocuments | undefined;
}

/** The plugins, in the order they act on a request: HTTP checks, then params, parse, validation, results. */
export function edgePlugins<C extends object = object>({
  production,
  graphql,
  trustedDocuments,
}: EdgeOptions): Plugin<C>[] {
  return [
    csrfPrevention<C>(),
    documentSizeLimit<C>(graphql.maxDocumentBytes),
    ...(trustedDocuments ? [persistedOperations<C>(trustedDocuments, graphql.persistedOperationsOnly)] : []),
    documentLimits<C>(graphql),
    servedOperationTypes<C>(),
    subscriptionsAsStreams<C>(),
    costLimit<C>(graphql.maxCost),
    ...(graphql.introspection ? [] : [disableIntrospection<C>()]),
    ...(production ? [hideSuggestions<C>()] : []),
  ];
}

/** A refused document (or persisted-operation id): a GraphQL error with `code`, HTTP 400 as for invalid documents. */
function refusal(message: string, code = 'GRAPHQL_VALIDATION_FAILED'): GraphQLError {
  return createGraphQLError(message, { extensions: { code, http: { status: 400, spec: true } } });
}

/** graphql-armor words its refusals as syntax errors ("Syntax Error: Query depth limit of 10 exceeded..."). */
const armorRefusal = (error: GraphQLError) => refusal(error.message.replace(/^Syntax Error: /, ''));

/**
 * Tokens (counted while parsing, so an oversized document is not parsed to the end), then depth, aliases and
 * directives (validation rules). Depth looks through fragments, so that colocated fragments add nothing. Cost is
 * checked apart (see costLimit), because it depends on the page sizes a request asks for.
 */
function documentLimits<C extends object>(graphql: Config['graphql']): Plugin<C> {
  const report = (context: ValidationContext | null, error: GraphQLError) => context?.reportError(armorRefusal(error));
  const asValidationError = { onReject: [report], propagateOnRejection: false };
  return EnvelopArmorPlugin({
    blockFieldSuggestion: { enabled: false }, // see hideSuggestions
    maxTokens: {
      n: graphql.maxTokens,
      onReject: [
        (_context, error) => {
          throw armorRefusal(error);
        },
      ],
    },
    maxDepth: { n: graphql.maxDepth, flattenFragments: true, ...asValidationError },
    costLimit: { enabled: false },
    maxAliases: { n: graphql.maxAliases, ...asValidationError },
    maxDirectives: { n: graphql.maxDirectives, ...asValidationError },
  }) as Plugin<C>;
}

/**
 * The cost of an operation, from its coerced arguments (@pothos/plugin-complexity; each field's cost is set where the
 * schema is built, src/graphql/builder.ts): roughly the number of values its answer can hold. Measured before
 * execution and refused as an invalid document. A gateway's `_entities` representations (always a variable) cost
 * the same however many there are: the body limit bounds them.
 *
 * A document's cost changes only with the variables that reach a field whose cost reads its arguments (a page size),
 * so it is measured once per document and values of those variables: most operations have none, and a page size
 * has few values.
 */
function costLimit<C extends object>(maxCost: number): Plugin<C> {
  const plans = new WeakMap<DocumentNode, CostPlan>();
  let documents = 0;
  // The cost per document, operation and values of the variables its cost reads.
  const costs = new LRUCache<string, number>({ max: 1000 });
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const variables = (args.variableValues ?? {}) as Record<string, unknown>;
      const operationName = args.operationName ?? undefined;
      let plan = plans.get(args.document);
      if (!plan) {
        plan = { id: ++documents, variables: variablesReadByCost(args.schema, args.document) };
        plans.set(args.document, plan);
      }
      const key = JSON.stringify([
        plan.id,
        operationName,
        ...plan.variables.map((name) => [name in variables, variables[name]]),
      ]);
      let cost = costs.get(key);
      if (cost === undefined) {
        cost = measureCost(args.schema, args.document, variables, operationName, args.contextValue as object);
        // Long values (a search text beside a page size) are measured each time rather than kept.
        if (key.length <= MAX_COST_KEY) costs.set(key, cost);
      }
      // Each refusal carries HTTP 400 the way validation errors do (spec: 200 for application/json-only clients).
      if (cost > maxCost) {
        setResultAndStopExecution({ errors: [refusal(`Query Cost limit of ${maxCost} exceeded, found ${cost}.`)] });
      }
    },
  };
}

const MAX_COST_KEY = 1024;

interface CostPlan {
  readonly id: number;
  /** The variables that reach a field whose cost reads its arguments. */
  readonly variables: readonly string[];
}

function variablesReadByCost(schema: GraphQLSchema, document: DocumentNode): string[] {
  const variables = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const complexity = typeInfo.getFieldDef()?.extensions.complexity;
        if (typeof complexity !== 'function' || complexity === FIELD_COMPLEXITY) return;
        for (const argument of node.arguments ?? []) {
          visit(argument, { Variable: (variable) => void variables.add(variable.name.value) });
        }
      },
    }),
  );
  return [...variables].sort();
}

function measureCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variableValues: Record<string, unknown>,
  operationName: string | undefined,
  context: object,
): number {
  // Variables that do not fit cost nothing here: execution refuses them before anything runs.
  let cost = 0;
  const rule = createComplexityRule({
    context,
    variableValues,
    operationName,
    validate: ({ complexity }) => {
      cost = complexity;
    },
  });
  validate(schema, document, [rule]);
  return cost;
}

/**
 * An operation type the schema lacks: graphql-js validates it without complaint and fails only when running it
 * ("Schema is not configured to execute … operation"), which would be masked as an unexpected error; refuse it as an
 * invalid document instead.
 */
function servedOperationTypes<C extends object>(): Plugin<C> {
  const rule = (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(node) {
      if (context.getSchema().getRootType(node.operation)) return;
      context.reportError(refusal(`This service has no ${node.operation} operations: send a query or a mutation.`));
    },
  });
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(rule);
    },
  };
}

/**
 * A subscription is a stream of events (GraphQL over SSE): a request that does not accept `text/event-stream` would
 * get Yoga's bare 406, so it is told how to ask instead.
 */
function subscriptionsAsStreams<C extends object>(): Plugin<C> {
  return {
    onSubscribe({ args, setResultAndStopExecution }) {
      const { request } = args.contextValue as { request?: Request };
      if (request?.headers.get('accept')?.includes('text/event-stream')) return;
      setResultAndStopExecution({
        errors: [
          refusal(
            'Subscriptions are served as a stream of server-sent events: send the request with Accept: text/event-stream.',
            'BAD_REQUEST',
          ),
        ],
      });
    },
  };
}

/** The document text, before it is parsed. Variables are not part of it; the body limit covers them. */
function documentSizeLimit<C extends object>(maxBytes: number): Plugin<C> {
  return {
    onParams({ params }) {
      if (typeof params.query === 'string' && Buffer.byteLength(params.query) > maxBytes) {
        throw refusal(`Document size limit of ${maxBytes} bytes exceeded.`);
      }
    },
  };
}

/** With introspection off, `__schema` and `__type` are refused; `__typename` keeps working. */
function disableIntrospection<C extends object>(): Plugin<C> {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}

/**
 * graphql-js suggests names ("Did you mean "customers"?") in validation errors, and also enum values and input
 * fields while coercing variables, at execution. graphql-armor's blockFieldSuggestion only sees validation errors
 * and misses the enum form ("Did you mean the enum value ..."), so one pattern covers both stages here.
 */
const SUGGESTION = / ?Did you mean [^?]*\?/g;
/**
 * The error without its suggestion, as a new error: graphql-jit's errors have a read-only `message`, and assigning it
 * would throw inside Yoga's result handling, which then masks the whole result.
 */
function withoutSuggestion(error: GraphQLError): GraphQLError {
  const message = error.message.replace(SUGGESTION, '');
  if (message === error.message) return error;
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}
function hideSuggestions<C extends object>(): Plugin<C> {
  return {
    onValidate:
      () =>
      ({ result, setResult }) => {
        if (result.length > 0)
          setResult(result.map((error) => (error instanceof GraphQLError ? withoutSuggestion(error) : error)));
      },
    onExecute: () => ({
      onExecuteDone: ({ result, setResult }) => {
        if ('errors' in result && result.errors?.length) {
          setResult({ ...result, errors: result.errors.map((error) => withoutSuggestion(error as GraphQLError)) });
        }
      },
    }),
  };
}

/**
 * Only browser requests that were preflighted (CORS) may run: a JSON body, or a header a form or a link cannot send.
 * `Authorization` is one: a GET carrying it (urql's queries, a gateway's subscription over SSE) cannot be sent across
 * sites without a preflight.
 */
const PREFLIGHT_HEADERS = [
  'x-graphql-yoga-csrf',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'authorization',
];
function csrfPrevention<C extends object>(): Plugin<C> {
  const check = useCSRFPrevention({ requestHeaders: PREFLIGHT_HEADERS }).onRequestParse!;
  return {
    onRequestParse(payload) {
      try {
        return check(payload);
      } catch {
        throw createGraphQLError(
          `Refused as a possible cross-site request forgery: send Content-Type: application/json, or one of the headers ${PREFLIGHT_HEADERS.join(', ')}.`,
          { extensions: { code: 'BAD_REQUEST', http: { status: 403 } } },
        );
      }
    },
  };
}

/**
 * Trusted documents: Apollo-style `extensions.persistedQuery.sha256Hash`, or `documentId` (GraphQL over HTTP;
 * `sha256:<hash>` or a bare key). With `only`, a request must name a stored document; otherwise a request may send
 * either, and an unknown hash gets Apollo's "PersistedQueryNotFound", on which its clients send the text instead.
 */
function persistedOperations<C extends object>(documents: TrustedDocuments, only: boolean): Plugin<C> {
  const error =
    (message: string, code: string): CustomErrorFactory =>
    () =>
      refusal(message, code);
  const idRequired = 'Only trusted documents run here: send extensions.persistedQuery.sha256Hash or documentId.';
  return usePersistedOperations({
    allowArbitraryOperations: !only,
    getPersistedOperation: (id) => documents.get(id) ?? documents.get(id.replace(/^sha256:/, '')) ?? null,
    extractPersistedOperationId: (params, request, context) =>
      typeof (params as { documentId?: unknown }).documentId === 'string'
        ? (params as { documentId: string }).documentId
        : defaultExtractPersistedOperationId(params, request, context),
    customErrors: {
      notFound: only
        ? error('No trusted document has this id.', 'PERSISTED_QUERY_NOT_IN_LIST')
        : error('PersistedQueryNotFound', 'PERSISTED_QUERY_NOT_FOUND'),
      persistedQueryOnly: error(idRequired, 'PERSISTED_QUERY_ID_REQUIRED'),
      keyNotFound: only
        ? error(idRequired, 'PERSISTED_QUERY_ID_REQUIRED')
        : error('Send a query, or the id of a stored document.', 'BAD_REQUEST'),
    },
  });
}

const SHA256_HEX = /^[0-9a-f]{64}$/i;

/**
 * Reads the trusted documents: a JSON object of id -> GraphQL document, as graphql-codegen's persisted documents
 * or a hand-made list. Fails at start on a document that does not parse, or on a sha256-looking id that is not the
 * hash of its document (a stale or mixed-up file).
 */
export function loadTrustedDocuments(file: string): TrustedDocuments {
  let parsed: Record<string, string>;
  try {
    parsed = z.record(z.string().min(1), z.string().min(1)).parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (error) {
    throw new ConfigError(
      `GRAPHQL_PERSISTED_OPERATIONS_FILE ${file}: expected a JSON object of id -> document (${(error as Error).message})`,
    );
  }
  for (const [id, document] of Object.entries(parsed)) {
    try {
      parse(document);
    } catch (error) {
      throw new ConfigError(`GRAPHQL_PERSISTED_OPERATIONS_FILE ${file}: document ${id}: ${(error as Error).message}`);
    }
    if (SHA256_HEX.test(id) && createHash('sha256').update(document).digest('hex') !== id.toLowerCase()) {
      throw new ConfigError(`GRAPHQL_PERSISTED_OPERATIONS_FILE ${file}: ${id} is not the sha256 of its document.`);
    }
  }
  return new Map(Object.entries(parsed));
}
