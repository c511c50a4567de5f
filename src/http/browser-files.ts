/**
 * What the browser pages (GraphiQL, src/graphiql.ts; the REST docs, src/rest/docs.ts) share: their page headers,
 * the table of their files named by content hash, and how a file is answered (compressed as the browser accepts,
 * ETag, 304, never readable by another origin). The pages themselves differ.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

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

/**
 * The policy of a browser tool's page (GraphiQL, the REST docs): it may load and call only this origin, which also
 * proves it needs nothing from the internet; styles may be inline and images and fonts data: URLs, as both tools'
 * stylesheets have them; workers (GraphiQL's Monaco) from this origin where the page starts them.
 */
export const toolPageCsp = ({ workers }: { workers: boolean }) =>
  [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    ...(workers ? ["worker-src 'self'"] : []),
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');

const OFF_STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem}pre{background:#f4f4f4;padding:1rem;overflow-x:auto}';

/** The policy of a page saying a browser tool is off: its one inline style, nothing else. */
export const OFF_PAGE_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(OFF_STYLE).digest('base64')}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

/** A page saying a browser tool is off, with `body` (HTML): static, so it reflects nothing of the request. */
export const offPage = (title: string, body: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${OFF_STYLE}</style>
</head>
<body>
<h1>${title}</h1>
${body}
</body>
</html>
`;

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

/** The content codings a file is also sent in, in the order taken when a request likes them equally. */
const CODINGS = ['br', 'gzip'] as const;
type Coding = (typeof CODINGS)[number];

const compressors: Record<Coding, (body: Buffer) => Promise<Buffer>> = {
  // A quality about as quick as gzip's: the first request of a file waits for it, and brotli's best would take
  // seconds of CPU per large file at every start for little less (browsers offer br only over HTTPS or to localhost).
  br: (body) =>
    promisify(brotliCompress)(body, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
    }),
  gzip: (body) => promisify(gzip)(body, { level: 9 }),
};

/** A compressed copy's ETag: the file's, marked with the coding. */
const codedEtag = (file: BrowserFile, coding: Coding) => `${file.etag.slice(0, -1)}-${coding}"`;

/**
 * Compressed copies by their ETag: each made once per process (servers in one process share it), on the first
 * request that takes its coding, off the event loop. A copy no smaller than its file (a PNG) is not kept.
 */
const copies = new Map<string, Promise<Buffer | undefined>>();

function copyOf(file: BrowserFile, coding: Coding): Promise<Buffer | undefined> {
  let copy = copies.get(codedEtag(file, coding));
  if (!copy) {
    copy = compressors[coding](file.body).then(
      (made) => (made.length < file.body.length ? made : undefined),
      () => undefined,
    );
    copies.set(codedEtag(file, coding), copy);
  }
  return copy;
}

/**
 * The codings of ours that an Accept-Encoding header accepts (RFC 9110: q-values, `*`, q=0 refuses), most wanted
 * first; none that identity is preferred to. No header: identity only.
 */
function acceptedCodings(header: string | undefined): Coding[] {
  const weights = new Map<string, number>();
  for (const item of header?.split(',') ?? []) {
    const [name, ...params] = item.split(';').map((part) => part.trim().toLowerCase());
    const q = params.find((param) => param.startsWith('q='));
    if (name) weights.set(name, q === undefined ? 1 : Number(q.slice(2)) || 0);
  }
  const weight = (name: string) => weights.get(name) ?? weights.get('*') ?? 0;
  const identity = weight('identity');
  return CODINGS.filter((coding) => weight(coding) > 0 && weight(coding) >= identity).sort(
    (a, b) => weight(b) - weight(a),
  );
}

/**
 * Answers a file (or 304 when the browser has this version), compressed as the request accepts, readable by this
 * origin only. Each coding is a representation of its own: its own ETag, and Vary so that caches keep them apart.
 */
export async function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: BrowserFile,
  cacheControl: string,
): Promise<void> {
  let [body, etag, encoding]: [Buffer, string, Coding | undefined] = [file.body, file.etag, undefined];
  for (const coding of acceptedCodings(req.headers['accept-encoding'])) {
    const copy = await copyOf(file, coding);
    if (copy) {
      [body, etag, encoding] = [copy, codedEtag(file, coding), coding];
      break;
    }
  }
  const headers = {
    etag,
    vary: 'accept-encoding',
    'cache-control': cacheControl,
    'x-content-type-options': 'nosniff',
    'cross-origin-resource-policy': 'same-origin',
  };
  if (req.headers['if-none-match']?.split(/\s*,\s*/).includes(etag)) {
    res.writeHead(304, headers).end();
    return;
  }
  const coded = encoding && { 'content-encoding': encoding };
  res.writeHead(200, { ...headers, ...coded, 'content-type': file.type, 'content-length': body.length }).end(body);
}
