/**
 * Which part of the service answers a request: /health and /ready, /metrics (unless it has a listener of its own),
 * the REST API under /customer/, the browser pages, and GraphQL for everything else. Every request gets a request id
 * (the caller's own, or a new one) and one log line.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import { handToYoga, readBody, send, sendBodyNotUtf8, sendBodyTooLarge, textOf } from './body.js';
import type { Handler } from './lifecycle.js';
import { logRequest } from './request-log.js';

export interface Routes {
  /** Whether the database answers (/ready). */
  ready(): Promise<boolean>;
  /** GET /metrics on this listener; undefined when it has one of its own. */
  metrics?: Handler | undefined;
  isRest(path: string): boolean;
  rest(req: IncomingMessage, res: ServerResponse, path: string, requestId: string): Promise<void>;
  /** The browser pages and their files: true when it answered. */
  browser(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean>;
  /** Yoga, with the body (if any) already read. */
  graphql(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export function createRouter(
  routes: Routes,
  { logger, maxBodyBytes, variesByOrigin }: { logger: Logger; maxBodyBytes: number; variesByOrigin: boolean },
): Handler {
  return async (req, res) => {
    const requestId = (req.headers['x-request-id'] as string | undefined)?.slice(0, 128) || randomUUID();
    req.headers['x-request-id'] = requestId;
    res.setHeader('x-request-id', requestId);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    logRequest(logger, req, res, requestId, path);
    if (req.method === 'GET' && path === '/health') return send(res, 200, 'text/plain', 'ok\n');
    if (req.method === 'GET' && path === '/ready') {
      return (await routes.ready())
        ? send(res, 200, 'text/plain', 'ready\n')
        : send(res, 503, 'text/plain', 'database unavailable\n');
    }
    if (path === '/metrics') {
      if (!routes.metrics) return send(res, 404, 'text/plain', 'not found\n');
      if (req.method === 'GET') return routes.metrics(req, res);
    }
    if (routes.isRest(path)) return routes.rest(req, res, path, requestId);
    // GraphiQL (or the page saying it is off), its assets and `GET /`: never with CORS headers, whatever the allow-list.
    if (await routes.browser(req, res, path)) return;
    // The answer depends on the Origin once some origins are allowed, so caches must keep one per Origin.
    if (variesByOrigin) res.setHeader('vary', 'Origin');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const body = await readBody(req, maxBodyBytes);
      if (body === 'aborted') return; // the client left mid-body: nobody to answer
      if (body === 'too large') return sendBodyTooLarge(res, maxBodyBytes);
      const text = textOf(body);
      if (text === undefined) return sendBodyNotUtf8(res);
      handToYoga(req, body, text);
    }
    return routes.graphql(req, res);
  };
}

/** A listener that serves GET /metrics only. */
export const metricsOnly =
  (serve: Handler): Handler =>
  async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') return serve(req, res);
    send(res, 404, 'text/plain', 'not found: this port serves GET /metrics only\n');
  };
