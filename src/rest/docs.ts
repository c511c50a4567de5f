/**
 * The REST API's documentation for browsers, served by the service itself so that it works without internet, as
 * GraphiQL is (src/graphiql.ts): a small page of ours, Swagger UI's script and stylesheet from the npm package
 * swagger-ui-dist as same-origin files named by their content hash, and the OpenAPI document at
 * /customer/openapi.json. The page carries the development token only when it was opened by a name of this machine,
 * and neither it nor its files can be read or framed by another origin. Off (with introspection, in production),
 * a browser gets a short page saying so and the document is not served.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  etagOf,
  fileTable,
  IMMUTABLE,
  isLocalHost,
  JS,
  OFF_PAGE_CSP,
  toolPageCsp,
  offPage,
  PAGE_HEADERS,
  sendFile,
  type BrowserFile,
} from '../http/browser-files.js';
import { errorResponse, methodNotAllowed, resourceNotFound, type RestResponse } from './errors.js';
import { buildOpenApiDocument } from './openapi.js';

export const DOCS_PATH = '/customer/docs';
/** Below the page; no tenant's path can be here, since every REST path has `customers` as its third segment. */
export const DOCS_ASSETS = '/customer/docs/assets/';
export const OPENAPI_PATH = '/customer/openapi.json';

export interface RestDocsSettings {
  /** Whether the page and the document are served (they follow introspection, as GraphiQL does). */
  enabled: boolean;
  /** Put into the page's authorization, for pages opened on this machine only. */
  developmentToken?: string | undefined;
}

const TITLE = 'customer-graph REST API';

/** Swagger UI's page: no workers. */
export const DOCS_CSP = toolPageCsp({ workers: false });

const OFF_PAGE = offPage(
  TITLE,
  `<p>The API documentation is off in this mode. It is served only while introspection is on: in development, or
with <code>GRAPHQL_INTROSPECTION=true</code>.</p>`,
);

interface Assets {
  files: ReturnType<typeof fileTable>;
  icon: string;
  stylesheet: string;
  bundle: string;
  setup: string;
}

/**
 * Runs after Swagger UI's script. `validatorUrl: null`: by default Swagger UI sends the document to swagger.io for a
 * badge. The token is put in only once the document has loaded, when its security scheme is known.
 */
const SETUP = `addEventListener('DOMContentLoaded', () => {
  const options = JSON.parse(document.getElementById('docs-options').textContent);
  const ui = SwaggerUIBundle({
    url: options.url,
    dom_id: '#swagger-ui',
    layout: 'BaseLayout',
    deepLinking: true,
    validatorUrl: null,
    onComplete: () => {
      if (options.token) ui.preauthorizeApiKey('bearerAuth', options.token);
    },
  });
  window.ui = ui;
});
`;

/** The package's files, read when the page is first asked for: 2 MB that a production process never needs. */
function loadAssets(): Assets {
  const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const files = fileTable(DOCS_ASSETS);
  const add = files.add;
  const file = (name: string) => readFileSync(join(dir, name));
  // The source map is not served: without the comment, a browser's developer tools do not ask for it.
  const css = file('swagger-ui.css')
    .toString('utf8')
    .replace(/\/\*# sourceMappingURL=[^*]*\*\/\s*$/, '');
  return {
    files,
    icon: add('favicon', 'png', 'image/png', file('favicon-32x32.png')),
    stylesheet: add('swagger-ui', 'css', 'text/css; charset=utf-8', Buffer.from(css, 'utf8')),
    bundle: add('swagger-ui-bundle', 'js', JS, file('swagger-ui-bundle.js')),
    setup: add('setup', 'js', JS, Buffer.from(SETUP, 'utf8')),
  };
}

function renderPage(assets: Assets, options: { url: string; token?: string }): string {
  // JSON in a data block: `<` escaped so that no value can close the element.
  const json = JSON.stringify(options).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${TITLE}</title>
<link rel="icon" href="${assets.icon}">
<link rel="stylesheet" href="${assets.stylesheet}">
</head>
<body>
<noscript>The documentation needs JavaScript. The OpenAPI document is <a href="${OPENAPI_PATH}">${OPENAPI_PATH}</a>.</noscript>
<div id="swagger-ui"></div>
<script type="application/json" id="docs-options">${json}</script>
<script src="${assets.bundle}"></script>
<script src="${assets.setup}"></script>
</body>
</html>
`;
}

function send(res: ServerResponse, response: RestResponse): void {
  res.writeHead(response.status, response.headers).end(JSON.stringify(response.body));
}

/**
 * The documentation's routes: the page at /customer/docs, its files under /customer/docs/assets/, and the OpenAPI
 * document at /customer/openapi.json. Resolves to whether it answered the request; anything else is left to the
 * caller. Errors are the REST API's JSON bodies, as on every /customer path.
 */
export function createRestDocs({ enabled, developmentToken }: RestDocsSettings) {
  let assets: Assets | undefined;
  const loaded = () => (assets ??= loadAssets());
  let document: BrowserFile | undefined;
  const documentFile = () => {
    if (!document) {
      const body = Buffer.from(JSON.stringify(buildOpenApiDocument()), 'utf8');
      document = { body, type: 'application/json; charset=utf-8', etag: etagOf(body) };
    }
    return document;
  };

  return async function handleDocs(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    const isDocs = path === DOCS_PATH || path === OPENAPI_PATH || path.startsWith(DOCS_ASSETS);
    if (!isDocs) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, errorResponse(methodNotAllowed(req.method ?? '?', ['GET', 'HEAD'])));
      return true;
    }

    if (path === DOCS_PATH) {
      if (!enabled) {
        res.writeHead(200, { ...PAGE_HEADERS, 'content-security-policy': OFF_PAGE_CSP }).end(OFF_PAGE);
        return true;
      }
      const options: { url: string; token?: string } = { url: OPENAPI_PATH };
      if (developmentToken && isLocalHost(req.headers.host)) options.token = developmentToken;
      res.writeHead(200, { ...PAGE_HEADERS, 'content-security-policy': DOCS_CSP }).end(renderPage(loaded(), options));
      return true;
    }

    // The document is generated at start, so it changes with a new version of the service: revalidated every time.
    const [file, cache] = !enabled
      ? [undefined, '']
      : path === OPENAPI_PATH
        ? [documentFile(), 'no-cache']
        : [loaded().files.get(path), IMMUTABLE];
    if (!file) {
      send(res, errorResponse(resourceNotFound()));
      return true;
    }
    await sendFile(req, res, file, cache);
    return true;
  };
}
