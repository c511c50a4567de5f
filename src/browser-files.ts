/**
 * What the browser pages (GraphiQL, src/graphiql.ts; the REST docs, src/rest/docs.ts) share: their page headers,
 * the table of their files named by content hash, and how a file is answered (ETag, 304, never readable by another
 * origin). The pages themselves differ.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Hosts that name this machine, with or without a port. A page opened by another name (the machine's address on
 * the network, or an attacker's domain that DNS rebinding pointed here) gets no development token: the browser would
 * hand that page, and so its origin, the token.
 */
const LOCAL_HOST = /^(?:localhost|127\.0\.0\.1|\[::1\])(?::\d{1,5})?$/i;

export const isLocalHost = (host: string | undefined): boolean => host !== undefined && LOCAL_HOST.test(host);

/** Headers of the pages: never stored (one may hold a token), never framed, never readable by another origin. */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  // Keeps other origins from pulling the page into their process (no-cors fetches) or holding a handle on its window.
  'cross-origin-resource-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
};

/** The policy of a page saying a browser tool is off: its one inline style, nothing else. */
export const offPageCsp = (style: string) =>
  `default-src 'none'; style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

export const JS = 'text/javascript; charset=utf-8';

export interface BrowserFile {
  body: Buffer;
  type: string;
  etag: string;
}

/** A quoted ETag from the content's hash. */
export const etagOf = (body: Buffer) => `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;

/** Files under `prefix`, each named by its content's hash (`name.<hash>.ext`), so that browsers may keep them. */
export function fileTable(prefix: string) {
  const byPath = new Map<string, BrowserFile>();
  return {
    /** Adds a file; answers the path it is served at. */
    add(name: string, extension: string, type: string, body: Buffer): string {
      const etag = etagOf(body);
      const path = `${prefix}${name}.${etag.slice(1, -1)}.${extension}`;
      byPath.set(path, { body, type, etag });
      return path;
    },
    get: (path: string) => byPath.get(path),
  };
}

/** A file named by its hash: its name changes with its content, so a browser may keep it as long as it likes. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Answers a file (or 304 when the browser has this version), readable by this origin only. */
export function sendFile(req: IncomingMessage, res: ServerResponse, file: BrowserFile, cacheControl: string): void {
  const headers = {
    etag: file.etag,
    'cache-control': cacheControl,
    'x-content-type-options': 'nosniff',
    'cross-origin-resource-policy': 'same-origin',
  };
  if (req.headers['if-none-match']?.split(/\s*,\s*/).includes(file.etag)) {
    res.writeHead(304, headers).end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-type': file.type, 'content-length': file.body.length }).end(file.body);
}
