/**
 * GraphiQL for browsers, served by the service itself so that it works without internet: a small page of ours
 * (what @graphql-yoga/render-graphiql's template does, without inlining 9 MB into it) and that package's assets
 * (GraphiQL's script and stylesheet, Monaco's editor workers, the icon) as same-origin files named by their content
 * hash, so that a reload moves only the page. The page carries the development token only when it was opened by a
 * name of this machine, and neither it nor its assets can be read or framed by another origin. With GraphiQL off, a
 * browser gets a short page saying so. server.ts routes here before Yoga, whose own GraphiQL is off.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphiQLOptions } from 'graphql-yoga';
import {
  fileTable,
  IMMUTABLE,
  isLocalHost,
  JS,
  OFF_PAGE_CSP,
  toolPageCsp,
  offPage,
  PAGE_HEADERS,
  sendFile,
} from './browser-files.js';

export interface GraphiQLSettings {
  /** Whether GraphiQL is served (it follows introspection); when off, browsers get the page saying so. */
  enabled: boolean;
  /** The GraphQL endpoint, where browsers open GraphiQL. */
  endpoint: string;
  /** Put in GraphiQL's headers, for pages opened on this machine only. */
  developmentToken?: string | undefined;
}

/** What GraphiQL opens on (when the browser has no tabs of its own stored yet). */
export const EXAMPLE_QUERY = `# customer-graph: run this query with Ctrl-Enter.
# The Docs pane (top left) describes the schema.
query FirstCustomers {
  customers(first: 10) {
    totalCount
    edges {
      node {
        customerNumber
        firstName
        lastName
        contactEmail
        active
      }
    }
  }
}
`;

const TITLE = 'customer-graph';
const ASSETS = '/graphiql/';

/** GraphiQL's page: Monaco starts its workers from this origin. */
const GRAPHIQL_CSP = toolPageCsp({ workers: true });

/** Shown to a browser on GET /graphql when GraphiQL is off. */
const OFF_PAGE = offPage(
  TITLE,
  `<p>GraphiQL is off in this mode. It is served only while introspection is on: in development, or with
<code>GRAPHQL_INTROSPECTION=true</code>.</p>
<p>Query the API with <code>POST /graphql</code>: a JSON body with the query, and a bearer token.</p>
<pre>curl -H 'content-type: application/json' \\
  -H "authorization: Bearer $TOKEN" \\
  -d '{"query":"{ customers(first: 10) { totalCount } }"}' \\
  http://&lt;host&gt;:&lt;port&gt;/graphql</pre>`,
);

interface Assets {
  /** By path, e.g. /graphiql/graphiql.0123456789abcdef.js. */
  files: ReturnType<typeof fileTable>;
  /** The paths the page links to. */
  icon: string;
  stylesheet: string;
  setup: string;
  app: string;
}

/** The package's assets, read when GraphiQL is first asked for: 9 MB that a production process never needs. */
async function loadAssets(): Promise<Assets> {
  const bundle = await import('@graphql-yoga/render-graphiql/graphiql');
  const files = fileTable(ASSETS);
  const add = files.add;
  const script = (name: string, source: string) => add(name, 'js', JS, Buffer.from(source, 'utf8'));

  // The package's icon is a data: URL; served as a file, it is not repeated in every page.
  const icon = /^data:([^;,]+);base64,(.*)$/s.exec(bundle.favicon);
  if (!icon) throw new Error('@graphql-yoga/render-graphiql: the favicon is not a base64 data: URL');
  const workers = {
    editorWorkerService: script('editor-worker', bundle.editorWorkerService),
    json: script('json-worker', bundle.jsonWorker),
    graphql: script('graphql-worker', bundle.graphqlWorker),
  };
  // Runs before GraphiQL's script, as in the package's template: Monaco reads MonacoEnvironment when it starts, and
  // gets the workers by URL (same-origin, so no blob: copies). Options come from the page (they hold the token).
  const setup = `self.MonacoEnvironment = {
  globalAPI: false,
  getWorkerUrl: (_moduleId, label) => (${JSON.stringify(workers)})[label],
};
addEventListener('DOMContentLoaded', () => {
  const options = JSON.parse(document.getElementById('graphiql-options').textContent);
  YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), options);
});
`;
  return {
    files,
    icon: add('favicon', 'ico', icon[1]!, Buffer.from(icon[2]!, 'base64')),
    stylesheet: add('graphiql', 'css', 'text/css; charset=utf-8', Buffer.from(bundle.css, 'utf8')),
    setup: script('setup', setup),
    app: script('graphiql', bundle.js),
  };
}

function renderPage(assets: Assets, options: GraphiQLOptions): string {
  // JSON in a data block: `<` escaped so that no value can close the element.
  const json = JSON.stringify(options).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${TITLE}</title>
<link rel="icon" href="${assets.icon}">
<link rel="stylesheet" href="${assets.stylesheet}">
</head>
<body id="body" class="no-focus-outline">
<noscript>GraphiQL needs JavaScript.</noscript>
<div id="root">Loading GraphiQL…</div>
<script type="application/json" id="graphiql-options">${json}</script>
<script src="${assets.setup}"></script>
<script src="${assets.app}"></script>
</body>
</html>
`;
}

/**
 * The browser-facing routes: GraphiQL (or the page saying it is off) on GET `endpoint` with Accept: text/html, as
 * Yoga tells a browser; its assets under /graphiql/; `GET /` redirected to `endpoint`. Resolves to whether it
 * answered the request; anything else is left to the caller.
 */
export function createGraphiQL({ enabled, endpoint, developmentToken }: GraphiQLSettings) {
  let assets: Promise<Assets> | undefined;
  const loaded = () => (assets ??= loadAssets());

  return async function handleBrowser(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    const read = req.method === 'GET' || req.method === 'HEAD';
    if (path.startsWith(ASSETS)) {
      if (!read) {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
        return true;
      }
      const asset = enabled ? (await loaded()).files.get(path) : undefined;
      if (!asset) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return true;
      }
      await sendFile(req, res, asset, IMMUTABLE);
      return true;
    }
    if (read && path === '/') {
      res.writeHead(302, { location: endpoint, 'content-type': 'text/plain' }).end(`See ${endpoint}\n`);
      return true;
    }
    if (read && path === endpoint && req.headers.accept?.includes('text/html')) {
      if (!enabled) {
        res.writeHead(200, { ...PAGE_HEADERS, 'content-security-policy': OFF_PAGE_CSP }).end(OFF_PAGE);
        return true;
      }
      const options: GraphiQLOptions = { title: TITLE, endpoint, defaultQuery: EXAMPLE_QUERY };
      if (developmentToken && isLocalHost(req.headers.host)) {
        options.headers = JSON.stringify({ Authorization: `Bearer ${developmentToken}` });
      }
      res
        .writeHead(200, { ...PAGE_HEADERS, 'content-security-policy': GRAPHIQL_CSP })
        .end(renderPage(await loaded(), options));
      return true;
    }
    return false;
  };
}
