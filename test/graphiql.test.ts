/**
 * GraphiQL as a browser gets it, over HTTP: the page and every asset it loads come from the service itself (it works
 * air-gapped), cached by content hash; the development token is in the page only when it was opened on this machine;
 * the page can neither be read nor framed by another origin. When GraphiQL is off, a browser gets a page that says
 * so and how to query the API; `GET /` leads to /graphql.
 */
import http from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SCOPES } from '../src/auth/scopes.js';
import { signToken } from '../src/auth/tokens.js';
import { MODE, PRODUCTION, startTestServer, TEST_SECRET, type TestServer } from './helpers.js';

const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

/**
 * A GET with an explicit Host header. fetch (undici) always sends the Host of the URL, so a request as a browser
 * sends it after DNS rebinding, or to the machine's LAN address, goes through node:http.
 */
function getWithHost(url: string, host: string, headers: Record<string, string> = BROWSER) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    http
      .get(url, { headers: { ...headers, host } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      })
      .once('error', reject);
  });
}

/** A request whose answer is kept as it came, body still compressed (fetch would decompress it). */
function rawRequest(url: string, headers: Record<string, string>, method = 'GET') {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    http
      .request(url, { method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .once('error', reject)
      .end();
  });
}

const decode = { br: brotliDecompressSync, gzip: gunzipSync, identity: (body: Buffer) => body };

/** The same-origin paths under /graphiql/ that a text names (the page's links and scripts, the workers in a script). */
const assetPaths = (text: string) => [...new Set(text.match(/\/graphiql\/[\w.-]+/g) ?? [])];

/** GraphiQL's options as the page hands them to renderYogaGraphiQL. */
function pageOptions(html: string): Record<string, any> {
  const json = /<script type="application\/json" id="graphiql-options">([^<]*)<\/script>/.exec(html)?.[1];
  if (json === undefined) throw new Error(`no GraphiQL options in the page:\n${html.slice(0, 2000)}`);
  return JSON.parse(json) as Record<string, any>;
}

function expectNoCors(headers: Headers): void {
  expect([...headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
}

/** Headers that keep a page from being framed, read or opened into by another origin. */
function expectOwnOriginOnly(headers: Headers): void {
  expectNoCors(headers);
  expect(headers.get('x-frame-options')).toBe('DENY');
  expect(headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(headers.get('cross-origin-resource-policy')).toBe('same-origin');
}

describe('GraphiQL, with introspection on', () => {
  let server: TestServer;
  let developmentToken: string | undefined;
  let port: string;

  beforeAll(async () => {
    // As main.ts: a development token only in development (none is ever made in production).
    developmentToken = PRODUCTION
      ? undefined
      : await signToken(
          TEST_SECRET,
          { tenant: 'acme', scope: ALL_SCOPES.join(' '), sub: 'developer' },
          { ttlSeconds: 600 },
        );
    server = await startTestServer({ GRAPHQL_INTROSPECTION: 'true' }, { developmentToken });
    port = new URL(server.url).port;
  });
  afterAll(() => server.close());

  it('serves a page whose stylesheet, scripts, icon and editor workers all come from this service', async () => {
    const page = await fetch(`${server.url}/graphql`, { headers: BROWSER });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    // Nothing absolute: no unpkg, no GitHub favicon, nothing that needs the internet.
    expect(html).not.toMatch(/https?:\/\/|\/\/unpkg|githubusercontent/);
    expect(html).toMatch(/<link rel="stylesheet" href="\/graphiql\/[\w.-]+\.css">/);
    expect(html).toMatch(/<link rel="icon" href="\/graphiql\/[\w.-]+\.ico">/);
    const scripts = [...html.matchAll(/<script src="(\/graphiql\/[\w.-]+\.js)"><\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(2);

    // The first script sets up Monaco's workers: their URLs are same-origin assets too.
    const setup = await (await fetch(`${server.url}${scripts[0]}`)).text();
    const workers = assetPaths(setup);
    expect(workers).toHaveLength(3);
    expect(setup).not.toMatch(/https?:\/\//);

    const types: Record<string, string> = {
      css: 'text/css; charset=utf-8',
      js: 'text/javascript; charset=utf-8',
      ico: 'image/x-icon',
    };
    const assets = [...assetPaths(html), ...workers];
    expect(assets).toHaveLength(7);
    for (const path of assets) {
      const asset = await fetch(`${server.url}${path}`);
      expect(asset.status, path).toBe(200);
      expect(asset.headers.get('content-type'), path).toBe(types[path.split('.').pop()!]);
      expect((await asset.arrayBuffer()).byteLength, path).toBeGreaterThan(100);
    }
    // GraphiQL itself, from @graphql-yoga/render-graphiql.
    const app = await (await fetch(`${server.url}${scripts[1]}`)).text();
    expect(app).toContain('renderYogaGraphiQL');
  });

  it('lets browsers keep the assets: names carry a content hash, cached a year, revalidated by ETag', async () => {
    const html = await (await fetch(`${server.url}/graphql`, { headers: BROWSER })).text();
    const [path] = assetPaths(html);
    const asset = await fetch(`${server.url}${path}`);
    await asset.arrayBuffer();
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const etag = asset.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(path).toContain(etag!.slice(1, -1).slice(0, 8));

    const again = await fetch(`${server.url}${path}`, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    // A name whose hash is not the current one (an old page, a guess) is not found rather than served stale.
    expect((await fetch(`${server.url}/graphiql/graphiql.0000000000000000.js`)).status).toBe(404);
    // The page itself holds the token: never stored.
    expect((await fetch(`${server.url}/graphql`, { headers: BROWSER })).headers.get('cache-control')).toBe('no-store');
  });

  it('sends every asset compressed as the request accepts: brotli, else gzip, else as it is', async () => {
    const html = await (await fetch(`${server.url}/graphql`, { headers: BROWSER })).text();
    const setup = assetPaths(html).find((path) => path.includes('/setup.'))!;
    const setupText = (await rawRequest(`${server.url}${setup}`, {})).body.toString('utf8');
    const assets = [...assetPaths(html), ...assetPaths(setupText)];
    expect(assets).toHaveLength(7);
    for (const path of assets) {
      const url = `${server.url}${path}`;
      const original = await rawRequest(url, {});
      const etags = new Map<string, string>();
      for (const [acceptEncoding, expected] of [
        ['gzip, deflate, br, zstd', 'br'],
        ['br;q=0.5, gzip;q=1', 'gzip'],
        ['gzip, deflate', 'gzip'],
        ['br;q=0, *', 'gzip'],
        ['*', 'br'],
        ['identity;q=1, br;q=0', 'identity'],
        ['identity, gzip;q=0.5', 'identity'],
        ['deflate', 'identity'],
        ['', 'identity'],
      ] as const) {
        const res = await rawRequest(url, { 'accept-encoding': acceptEncoding });
        const said = `${path} ${acceptEncoding}`;
        expect(res.status, said).toBe(200);
        expect(res.headers['content-encoding'] ?? 'identity', said).toBe(expected);
        expect(res.headers.vary, said).toBe('accept-encoding');
        expect(res.headers['cache-control'], said).toBe('public, max-age=31536000, immutable');
        expect(Number(res.headers['content-length']), said).toBe(res.body.length);
        expect(decode[expected](res.body).equals(original.body), said).toBe(true);
        if (expected !== 'identity') expect(res.body.length, said).toBeLessThan(original.body.length);
        // One ETag per coding, the same for every request that gets it.
        expect(res.headers.etag ?? '', said).toBe(etags.get(expected) ?? res.headers.etag);
        etags.set(expected, res.headers.etag!);
      }
      expect(new Set(etags.values()).size, path).toBe(3);

      // 304 for the ETag of the coding the request gets, with Vary; another coding's ETag gets the file.
      for (const [acceptEncoding, coding] of [
        ['br, gzip', 'br'],
        ['gzip', 'gzip'],
        ['', 'identity'],
      ] as const) {
        const headers = { 'accept-encoding': acceptEncoding, 'if-none-match': etags.get(coding)! };
        const again = await rawRequest(url, headers);
        expect(again.status, `${path} ${coding}`).toBe(304);
        expect(again.headers.etag).toBe(etags.get(coding));
        expect(again.headers.vary).toBe('accept-encoding');
        expect(again.body.length).toBe(0);
        const other = await rawRequest(url, {
          ...headers,
          'if-none-match': etags.get(coding === 'br' ? 'gzip' : 'br')!,
        });
        expect(other.status).toBe(200);
        expect(other.headers['content-encoding'] ?? 'identity').toBe(coding);
      }

      // HEAD: GET's headers, no body.
      const get = await rawRequest(url, { 'accept-encoding': 'br' });
      const head = await rawRequest(url, { 'accept-encoding': 'br' }, 'HEAD');
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      for (const name of ['content-encoding', 'content-length', 'etag', 'vary', 'content-type']) {
        expect(head.headers[name], `${path} ${name}`).toBe(get.headers[name]);
      }
    }
  });

  it('opens on a named example query of this API that runs, titled customer-graph', async () => {
    const html = await (await fetch(`${server.url}/graphql`, { headers: BROWSER })).text();
    expect(html).toContain('<title>customer-graph</title>');
    const options = pageOptions(html);
    expect(options.title).toBe('customer-graph');
    expect(options.defaultQuery).toMatch(/query \w+ \{\s+customers\(first: 10\)/);
    const result = await server.gql(options.defaultQuery);
    expect(result.errors).toBeUndefined();
    expect(result.data!.customers).toBeDefined();
  });

  it(`has the development token in its headers only when opened on this machine (${MODE})`, async () => {
    for (const host of ['localhost', `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
      const page = await getWithHost(`${server.url}/graphql`, host);
      expect(page.status, host).toBe(200);
      const headers = pageOptions(page.body).headers as string | undefined;
      if (PRODUCTION) expect(headers, host).toBeUndefined();
      else expect(JSON.parse(headers!), host).toEqual({ Authorization: `Bearer ${developmentToken}` });
    }
    // Another name for this machine (DNS rebinding: the attacker's domain now resolves to 127.0.0.1), or the
    // machine's address on the network: GraphiQL still opens, without the token.
    for (const host of [
      'evil.example',
      `evil.example:${port}`,
      `localhost.evil.example:${port}`,
      `192.168.1.20:${port}`,
      `127.0.0.1.nip.io:${port}`,
    ]) {
      const page = await getWithHost(`${server.url}/graphql`, host);
      expect(page.status, host).toBe(200);
      expect(pageOptions(page.body).headers, host).toBeUndefined();
      expect(page.body, host).not.toContain('Bearer');
    }
  });

  it('is never readable from another origin, nor framed', async () => {
    const origin = { ...BROWSER, origin: 'https://evil.example' };
    const page = await fetch(`${server.url}/graphql`, { headers: origin });
    expect(page.status).toBe(200);
    expectOwnOriginOnly(page.headers);
    for (const path of assetPaths(await page.text())) {
      const asset = await fetch(`${server.url}${path}`, { headers: { origin: 'https://evil.example' } });
      await asset.arrayBuffer();
      expectNoCors(asset.headers);
      expect(asset.headers.get('cross-origin-resource-policy'), path).toBe('same-origin');
    }
  });
});

describe('GraphiQL assets and page, when an origin is allowed by CORS_ORIGINS', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ GRAPHQL_INTROSPECTION: 'true', CORS_ORIGINS: 'https://admin.example.com' });
  });
  afterAll(() => server.close());

  it('still carry no CORS headers: the allow-list is for the API only', async () => {
    const origin = 'https://admin.example.com';
    const page = await fetch(`${server.url}/graphql`, { headers: { ...BROWSER, origin } });
    expectOwnOriginOnly(page.headers);
    for (const path of assetPaths(await page.text())) {
      const asset = await fetch(`${server.url}${path}`, { headers: { origin } });
      await asset.arrayBuffer();
      expectNoCors(asset.headers);
      const preflight = await fetch(`${server.url}${path}`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET' },
      });
      expectNoCors(preflight.headers);
    }
    // The API itself answers the allowed origin.
    const api = await server.gql('{ __typename }', {}, { headers: { origin } });
    expect(api.headers.get('access-control-allow-origin')).toBe(origin);
  });
});

describe(`GraphiQL by mode: on in development, off in production (${MODE})`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('a browser gets GraphiQL in development, and a page saying it is off in production', async () => {
    const page = await fetch(`${server.url}/graphql`, { headers: BROWSER });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    if (PRODUCTION) {
      expect(html).toContain('GraphiQL is off');
      expect(html).not.toContain('<script');
    } else expect(html).toMatch(/<script src="\/graphiql\/[\w.-]+\.js"><\/script>/);
  });

  it('GET / leads a browser to /graphql', async () => {
    const root = await fetch(`${server.url}/`, { headers: BROWSER, redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/graphql');
    const followed = await fetch(`${server.url}/`, { headers: BROWSER });
    expect(followed.url).toBe(`${server.url}/graphql`);
    expect(await followed.text()).toMatch(PRODUCTION ? /GraphiQL is off/ : /\/graphiql\//);
  });
});

describe('GraphiQL off (GRAPHQL_INTROSPECTION=false)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ GRAPHQL_INTROSPECTION: 'false', CORS_ORIGINS: 'https://admin.example.com' });
  });
  afterAll(() => server.close());

  it('a browser gets a small page that says so and how to query the API, not a CSRF error', async () => {
    const page = await fetch(`${server.url}/graphql`, { headers: { ...BROWSER, origin: 'https://admin.example.com' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expectOwnOriginOnly(page.headers);
    const html = await page.text();
    expect(html).toContain('GraphiQL is off in this mode');
    expect(html).toContain('POST /graphql');
    expect(html).not.toMatch(/<script|\/graphiql\/|cross-site request forgery/);
    expect(html.length).toBeLessThan(3000);
  });

  it('serves no GraphiQL assets, and leaves other GETs of /graphql to the API as before', async () => {
    const on = await startTestServer({ GRAPHQL_INTROSPECTION: 'true' });
    try {
      const html = await (await fetch(`${on.url}/graphql`, { headers: BROWSER })).text();
      expect(assetPaths(html).length).toBeGreaterThan(0);
      for (const path of assetPaths(html)) expect((await fetch(`${server.url}${path}`)).status, path).toBe(404);
    } finally {
      await on.close();
    }
    // Not a browser (no text/html): Yoga's CSRF guard answers, as it always has.
    const get = await fetch(`${server.url}/graphql?query=%7B__typename%7D`, {
      headers: { accept: 'application/json' },
    });
    expect(get.status).toBe(403);
    const query = await fetch(`${server.url}/graphql?query=%7B__typename%7D`, {
      headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' },
    });
    expect(await query.json()).toEqual({ data: { __typename: 'Query' } });
  });
});
