/**
 * One log line per request, written when the response is finished: request id, method, path, status, duration,
 * the REST route, and for GraphQL the operation's name and type, its outcome and the codes of its errors. The GraphQL details are
 * gathered by a Yoga plugin on the request's record, found again through Node's request object (Yoga's server
 * context).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.js';

interface RequestRecord {
  /** The REST route's id (src/rest/routes.ts). */
  route?: string | undefined;
  operation?: string | undefined;
  type?: string | undefined;
  /** Codes of the GraphQL errors of the answer, each once, in order. */
  codes?: string[] | undefined;
  graphqlErrors?: boolean | undefined;
}

const records = new WeakMap<IncomingMessage, RequestRecord>();

/** Starts the record of a request and writes its line once the response is finished (or the client left). */
export function logRequest(
  logger: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  path: string,
): void {
  if (!logger.isLevelEnabled('info')) return;
  const started = process.hrtime.bigint();
  const record: RequestRecord = {};
  records.set(req, record);
  res.once('close', () => {
    const status = res.statusCode;
    const failed = status >= 400 || record.graphqlErrors === true;
    logger.info(
      {
        requestId,
        method: req.method,
        path,
        status,
        durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100,
        ...(record.route !== undefined ? { route: record.route } : {}),
        ...(record.operation !== undefined || record.type !== undefined
          ? { operation: record.operation ?? 'anonymous', operationType: record.type }
          : {}),
        outcome: res.writableFinished ? (failed ? 'error' : 'ok') : 'aborted',
        ...(record.codes?.length ? { errorCodes: record.codes } : {}),
      },
      'request',
    );
  });
}

/** Names the REST route a request reached, for its log line. */
export function logRestRoute(req: IncomingMessage, route: string): void {
  const record = records.get(req);
  if (record) record.route = route;
}

const recordOf = (serverContext: unknown) => {
  const req = (serverContext as { req?: IncomingMessage } | undefined)?.req;
  return req ? records.get(req) : undefined;
};

/** Fills the request's record: the operation (from the document once it is known) and the answer's errors. */
export function requestLogPlugin<C extends object>(): Plugin<C> {
  return {
    onParams({ params, context }) {
      const record = recordOf(context);
      if (record && params.operationName) record.operation = params.operationName;
    },
    onExecute({ args }) {
      const record = recordOf(args.contextValue);
      if (!record) return;
      const operation = getOperationAST(args.document, args.operationName);
      record.operation = operation?.name?.value;
      record.type = operation?.operation;
    },
    onResultProcess({ result, serverContext }) {
      const record = recordOf(serverContext);
      if (!record) return;
      const results = Array.isArray(result) ? result : [result];
      const codes = new Set<string>();
      for (const one of results) {
        const errors = 'errors' in one ? one.errors : undefined;
        if (!errors?.length) continue;
        record.graphqlErrors = true;
        for (const error of errors) {
          const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
          if (typeof code === 'string') codes.add(code);
        }
      }
      record.codes = [...codes];
    },
  };
}
