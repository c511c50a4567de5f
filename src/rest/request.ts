/**
 * A matched request decoded into its route's typed call: the query parameters read once each and checked, the
 * body's media type and JSON checked against the route's schema, the X-Total-Count request header. Everything that
 * is wrong is a 400 (or 415) before any handler runs, so a handler only applies the domain's rules.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { textOf } from '../http/body.js';
import { badRequest, RestBadRequest, unsupportedMediaType } from './errors.js';
import { singleValues, wantsTotalCountHeader } from './params.js';
import { parseBody } from './representation.js';
import { QUERY_PARAMETERS, type RestCall, type Route, type RouteMatch } from './routes.js';

/** The media type of a Content-Type header, lower case and without parameters; undefined when absent. */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type || undefined;
}

/** Bodies are JSON in UTF-8, the only charset JSON has (RFC 8259 §8.1); another one is refused rather than misread. */
function charsetOf(contentType: string): string | undefined {
  return /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType)?.[1]?.toLowerCase();
}

/**
 * The route's body: JSON of one of its media types, parsed and checked. `body` is the body as received (the server
 * reads it within its size limit, which answers 413 itself).
 */
export function decodeBody(route: Route, contentType: string | undefined, body: string | Buffer | undefined): unknown {
  if (!('body' in route)) return undefined;
  const raw = typeof body === 'string' ? body : body === undefined ? '' : textOf(body);
  const accepted = route.body.mediaTypes;
  const type = mediaTypeOf(contentType);
  const charset = contentType ? charsetOf(contentType) : undefined;
  if (raw?.trim() === '') {
    throw new RestBadRequest('The request body is missing: it must be a JSON object.', [
      { field: 'body', type: 'missing', message: 'is required' },
    ]);
  }
  if (!type || !(accepted as readonly string[]).includes(type) || (charset && charset !== 'utf-8')) {
    throw unsupportedMediaType(accepted);
  }
  if (raw === undefined) throw badRequest('body', 'invalid_syntax', 'is not valid UTF-8, the only encoding JSON has');
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw badRequest('body', 'invalid_syntax', `is not valid JSON: ${(error as Error).message}`);
  }
  return parseBody(route.body.schema, json);
}

/** The query parameters of the route, each read once and checked; any other parameter is a 400. */
export function decodeQuery(route: Route, search: URLSearchParams): Record<string, unknown> {
  const lists = route.query.filter((name) => QUERY_PARAMETERS[name].schema.type === 'array');
  const values = singleValues(search, route.query, lists);
  const query: Record<string, unknown> = {};
  for (const name of route.query) query[name] = QUERY_PARAMETERS[name].parse(values[name]);
  return query;
}

export interface RawRequest {
  readonly search: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** The body as received (undefined or '' when there is none). */
  readonly body: string | Buffer | undefined;
}

/** The typed call of a matched request, or a RestBadRequest (or 415) naming what is wrong. */
export function decodeCall(match: Extract<RouteMatch, { ok: true }>, request: RawRequest): RestCall {
  const { route } = match;
  const query = decodeQuery(route, request.search);
  const body = decodeBody(route, request.headers['content-type'], request.body);
  return {
    route,
    params: match.params,
    query,
    body,
    totalCountHeader: wantsTotalCountHeader(request.headers['x-total-count']),
  } as RestCall;
}
