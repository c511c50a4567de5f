/**
 * The REST API on node:http, for every path under /customer/: the documentation (docs.ts), then the route, the
 * body within the size limit (413), the token (401 with the gateway's fault body), the path's tenant (400), the
 * scopes (403), the decoded call (400/415), the handler, and the answer; any failure goes through toErrorResponse,
 * which masks the unexpected ones with the request id (logged with the real error). Each answer is counted in
 * /metrics by route, status and outcome, and the route is named in the request's log line.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { reachFor } from '../auth/scopes.js';
import {
  authenticate,
  IdentityProviderUnavailableError,
  InvalidTokenError,
  type TokenVerifier,
} from '../auth/tokens.js';
import type { Domain } from '../domain/index.js';
import type { Store } from '../domain/store.js';
import type { Logger } from '../logger.js';
import { readBody } from '../http/body.js';
import type { Metrics } from '../http/metrics.js';
import { logRestRoute } from '../http/request-log.js';
import { createSession } from '../operations/index.js';
import { createRestDocs } from './docs.js';
import {
  errorResponse,
  forbidden,
  payloadTooLarge,
  toErrorResponse,
  retryLater,
  tokenProblemOf,
  unauthorized,
  type RestResponse,
} from './errors.js';
import { createRestHandlers } from './handlers.js';
import { checkTenant } from './params.js';
import { decodeCall } from './request.js';
import { dispatch, matchRoute, permissionsOf } from './routes.js';

export interface RestApiDependencies {
  store: Store;
  domain: Domain;
  verifyToken: TokenVerifier;
  logger: Logger;
  metrics: Metrics;
  maxBodyBytes: number;
  /** The documentation follows introspection, as GraphiQL does. */
  docs: { enabled: boolean; developmentToken?: string | undefined };
}

export function createRestApi(deps: RestApiDependencies) {
  const docs = createRestDocs(deps.docs);
  const handlers = createRestHandlers();
  const { logger, metrics } = deps;

  function write(res: ServerResponse, response: RestResponse): void {
    // Answers carry customer data: never kept by a cache, never read as anything but their declared type.
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-content-type-options', 'nosniff');
    if (response.body === undefined) return void res.writeHead(response.status, response.headers).end();
    res.writeHead(response.status, response.headers).end(JSON.stringify(response.body));
  }

  async function serve(req: IncomingMessage, res: ServerResponse, path: string, route: { id: string }) {
    if (await docs(req, res, path)) {
      route.id = 'docs';
      return;
    }
    const method = req.method ?? 'GET';
    const match = matchRoute(method, path);
    if (!match.ok) {
      req.resume();
      return write(res, errorResponse(match.error));
    }
    route.id = match.route.id;
    logRestRoute(req, route.id);
    let body: Buffer | undefined;
    if ('body' in match.route) {
      const read = await readBody(req, deps.maxBodyBytes);
      if (read === 'aborted') return; // the client left mid-body: nobody to answer
      if (read === 'too large') return write(res, errorResponse(payloadTooLarge(deps.maxBodyBytes)));
      body = read;
    } else {
      req.resume();
    }
    const caller = await authenticate(req.headers.authorization, deps.verifyToken).catch((error: unknown) => {
      if (error instanceof InvalidTokenError) return unauthorized(tokenProblemOf(error));
      throw error instanceof IdentityProviderUnavailableError ? retryLater(error) : error;
    });
    if (caller === null) return write(res, unauthorized('missing'));
    if ('status' in caller) return write(res, caller);
    checkTenant(match.params.tenant ?? '', caller.tenant);
    // The route's own permission before anything about the request is read; expand's after it is decoded.
    const [permission] = permissionsOf(match.route);
    if (!reachFor(caller, permission!)) throw forbidden(permission!);
    const search = new URL(req.url ?? '/', 'http://localhost').searchParams;
    const call = decodeCall(match, { search, headers: req.headers, body });
    const expand = 'expand' in call.query ? call.query.expand : undefined;
    for (const permission of permissionsOf(call.route, expand)) {
      if (!reachFor(caller, permission)) throw forbidden(permission);
    }
    write(res, await dispatch(handlers, createSession(caller, deps.domain, deps.store), call));
  }

  /** Answers a request whose path starts with /customer/. */
  return async function handleRest(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    requestId: string,
  ): Promise<void> {
    const started = process.hrtime.bigint();
    const route = { id: 'unmatched' };
    res.once('close', () => {
      const outcome = !res.writableFinished ? 'aborted' : res.statusCode >= 400 ? 'error' : 'ok';
      metrics.restRequest(
        route.id,
        req.method,
        res.statusCode,
        outcome,
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    });
    try {
      await serve(req, res, path, route);
    } catch (error) {
      const response = toErrorResponse(error, requestId);
      if (response.unexpected) logger.error({ err: error, requestId, route: route.id }, 'REST request failed');
      if (res.headersSent) return void res.destroy();
      const { unexpected: _unexpected, ...answer } = response;
      write(res, answer);
    }
  };
}
