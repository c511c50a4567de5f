/**
 * The GraphQL server: Yoga with the schema, the context of each request (the token's caller, its session), and the
 * plugins in the order they act: observers first (metrics, the request log), errors, the mutation pre-check, the
 * edge's limits, compiled execution, and last the operation-wide transaction.
 */
import { GraphQLError } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import type { TokenVerifier } from '../auth/tokens.js';
import type { Config } from '../config.js';
import type { Domain } from '../domain/index.js';
import type { Store } from '../domain/store.js';
import type { Logger } from '../logger.js';
import { type Context, createContextFactory } from './context.js';
import { createErrorMasker, errorStatusPlugin } from './errors.js';
import { compiledExecution } from './jit.js';
import { edgePlugins, loadTrustedDocuments } from './limits.js';
import { mutationScopesPlugin } from './mutation-scopes.js';
import { buildSchema } from './schema.js';
import { operationTransactionPlugin } from './transaction.js';

export interface GraphQLServerOptions {
  config: Config;
  store: Store;
  domain: Domain;
  verifyToken: TokenVerifier;
  logger: Logger;
  /** Plugins that watch every operation (metrics, the request log): they come first. */
  observers: Plugin<Context>[];
  /** Settles when the service shuts down (subscriptions end). */
  closing: Promise<void>;
}

export function createGraphQLServer({
  config,
  store,
  domain,
  verifyToken,
  logger,
  observers,
  closing,
}: GraphQLServerOptions) {
  const trustedDocuments = config.graphql.persistedOperationsFile
    ? loadTrustedDocuments(config.graphql.persistedOperationsFile)
    : undefined;
  // Yoga logs several debug lines per request: build a line only when its level is on.
  const log = (level: 'debug' | 'info' | 'warn' | 'error', args: unknown[]) => {
    if (logger.isLevelEnabled(level)) logger[level](args.map(String).join(' '));
  };
  const plugins: Plugin<Context>[] = [
    ...observers,
    errorStatusPlugin(),
    mutationScopesPlugin(),
    ...edgePlugins<Context>({ production: config.production, graphql: config.graphql, trustedDocuments }),
    ...(config.graphql.jit ? [compiledExecution<Context>()] : []),
    // Last: it wraps the execute function the plugins before it chose.
    operationTransactionPlugin(store),
  ];
  return createYoga<Record<string, never>, Context>({
    schema: buildSchema(),
    context: createContextFactory({ domain, store, verifyToken, closing }),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // Served by src/http/graphiql.ts from local assets (Yoga's own loads them from unpkg).
    graphiql: false,
    // A subgraph behind a gateway needs no CORS; listed origins get it without credentials (tokens are headers, not
    // cookies). Any other origin gets no CORS header at all: Yoga's list would answer it `null`, which an opaque
    // origin (a sandboxed frame) matches.
    cors: config.corsOrigins
      ? (request) => {
          const origin = request.headers.get('origin');
          return origin && config.corsOrigins?.includes(origin) ? { origin, credentials: false } : false;
        }
      : false,
    maskedErrors: { maskError: createErrorMasker(logger), isDev: false },
    // Enforced before Yoga reads anything (src/http/router.ts); here too for callers of yoga.fetch in the same process.
    maxRequestBodySize: config.graphql.maxBodyBytes,
    logging: {
      debug: (...args) => log('debug', args),
      info: (...args) => log('info', args),
      warn: (...args) => log('warn', args),
      // Yoga reports each error its masker replaced: the masker has logged the unexpected ones with their request id,
      // and the others are the caller's mistakes, so these are only worth a debug line.
      error: (...args) => log(args[0] instanceof GraphQLError ? 'debug' : 'error', args),
    },
    plugins,
  });
}
