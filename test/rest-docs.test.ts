/**
 * The REST API's documentation as a browser gets it, from a tiny node:http server around the docs handler: the
 * page and every file it loads come from the service itself (it works air-gapped) under a CSP that allows nothing
 * else, cached by content hash; the OpenAPI document at /customer/openapi.json; the development token only for a
 * page opened on this machine; no CORS, no framing. Off, a page says so and the document is not served.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OFF_PAGE_CSP as OFF_CSP } from '../src/http/browser-files.js';
import { createRestDocs, DOCS_CSP, type RestDocsSettings } from '../src/rest/docs.js';
import { buildOpenApiDocument } from '../src/rest/openapi.js';

const TOKEN = 'header.payload.signature';

interface Served {
  url: string;
  close(): Promise<void>;
}

/** The handler behind a server of its own; what it leaves alone gets a 418, so that the test sees it did. */
async function serve(settings: RestDocsSettings): Promise<Served> {
  const handle = createRestDocs(settings);
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    handle(req, res, path).then(
      (handled) => {
        if (!handled) res.writeHead(418).end('not mine');
      },
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A GET with an explicit Host header, which fetch would not send. */
function getWithHost(url: string, host: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    http
      .get(url, { headers: { host } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      })
      .once('error', reject);
  });
}

/** A request whose answer is kept as it came, body still compressed (fetch would decompress it). */
function rawRequest(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .once('error', reject);
  });
}

const decode = { br: brotliDecompressSync, gzip: gunzipSync, identity: (body: Buffer) => body };

/** Every URL the page names: links, scripts, images. */
const referenced = (html: string) => [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);

function pageOptions(html: string): { url: string; token?: string } {
  const json = /<script type="application\/json" id="docs-options">([^<]*)<\/script>/.exec(html)?.[1];
  if (json === undefined) throw new Error('no options in the page');
  return JSON.parse(json) as { url: string; token?: string };
}

function expectOwnOriginOnly(headers: Headers): void {
  expect([...headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
  expect(headers.get('cross-origin-resource-policy')).toBe('same-origin');
  expect(headers.get('x-content-type-options')).toBe('nosniff');
}

describe('the docs, on', () => {
  let server: Served;
  beforeAll(async () => {
    server = await serve({ enabled: true, developmentToken: TOKEN });
  });
  afterAll(() => server.close());

  it('the page: HTML under a CSP that allows this origin only, never framed or stored', async () => {
    const res = await fetch(`${server.url}/customer/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(DOCS_CSP);
    const csp = DOCS_CSP.split('; ');
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    // Nothing but this origin anywhere in the policy: no CDN, no inline script.
    expect(DOCS_CSP).not.toMatch(/https?:|\*|'unsafe-eval'|script-src[^;]*'unsafe-inline'/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expectOwnOriginOnly(res.headers);
    const html = await res.text();
    expect(html).toContain('<div id="swagger-ui"></div>');
    expect(pageOptions(html).url).toBe('/customer/openapi.json');
    // Scripts only from files (the options are a JSON data block, which the CSP does not run).
    expect([...html.matchAll(/<script(?![^>]*\bsrc=)(?![^>]*type="application\/json")[^>]*>/g)]).toEqual([]);
  });

  it('references only its own files, and every one is served, cached by its content hash', async () => {
    const html = await (await fetch(`${server.url}/customer/docs`)).text();
    const urls = referenced(html);
    expect(urls.length).toBeGreaterThanOrEqual(4);
    for (const url of urls) {
      expect(url, url).toMatch(/^\/customer\/(docs\/assets\/[\w.-]+\.[0-9a-f]{16}\.(js|css|png)|openapi\.json)$/);
    }
    const types: Record<string, string> = {
      js: 'text/javascript; charset=utf-8',
      css: 'text/css; charset=utf-8',
      png: 'image/png',
    };
    // As they are (fetch would take and decompress gzip): the bytes whose hash names them.
    const identity = { 'accept-encoding': 'identity' };
    for (const url of urls.filter((u) => u.startsWith('/customer/docs/assets/'))) {
      const res = await fetch(`${server.url}${url}`, { headers: identity });
      expect(res.status, url).toBe(200);
      expect(res.headers.get('content-type')).toBe(types[url.split('.').at(-1)!]);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expectOwnOriginOnly(res.headers);
      const body = Buffer.from(await res.arrayBuffer());
      expect(Number(res.headers.get('content-length'))).toBe(body.length);
      expect(body.length).toBeGreaterThan(0);
      const etag = res.headers.get('etag')!;
      expect(url).toContain(etag.replaceAll('"', ''));
      const again = await fetch(`${server.url}${url}`, { headers: { ...identity, 'if-none-match': etag } });
      expect(again.status).toBe(304);
    }
  });

  it('its files and the document compressed as the request accepts, each coding with its own ETag', async () => {
    const html = await (await fetch(`${server.url}/customer/docs`)).text();
    const urls = referenced(html);
    const compressible = urls.filter((u) => !u.endsWith('.png'));
    expect(compressible).toContain('/customer/openapi.json');
    expect(compressible.filter((u) => /\.(js|css)$/.test(u))).toHaveLength(3);
    for (const url of compressible) {
      const original = await rawRequest(`${server.url}${url}`, {});
      expect(original.headers['content-encoding'], url).toBeUndefined();
      const etags = new Set([original.headers.etag]);
      for (const [acceptEncoding, coding] of [
        ['gzip, deflate, br, zstd', 'br'],
        ['gzip, deflate', 'gzip'],
        ['identity;q=1, br;q=0', 'identity'],
      ] as const) {
        const res = await rawRequest(`${server.url}${url}`, { 'accept-encoding': acceptEncoding });
        const said = `${url} ${acceptEncoding}`;
        expect(res.headers['content-encoding'] ?? 'identity', said).toBe(coding);
        expect(res.headers.vary, said).toBe('accept-encoding');
        expect(res.headers['cache-control'], said).toBe(original.headers['cache-control']);
        expect(Number(res.headers['content-length']), said).toBe(res.body.length);
        expect(decode[coding](res.body).equals(original.body), said).toBe(true);
        etags.add(res.headers.etag);
        const again = await rawRequest(`${server.url}${url}`, {
          'accept-encoding': acceptEncoding,
          'if-none-match': res.headers.etag!,
        });
        expect(again.status, said).toBe(304);
        expect(again.headers.vary, said).toBe('accept-encoding');
      }
      expect(etags.size, url).toBe(3);
    }
    // A PNG does not get smaller: it goes as it is, whatever is accepted.
    const png = await rawRequest(`${server.url}${urls.find((u) => u.endsWith('.png'))!}`, { 'accept-encoding': 'br' });
    expect(png.headers['content-encoding']).toBeUndefined();
    expect(png.headers.vary).toBe('accept-encoding');
  });

  it("Swagger UI's files: its script and stylesheet, which load nothing from elsewhere", async () => {
    const html = await (await fetch(`${server.url}/customer/docs`)).text();
    const urls = referenced(html);
    const css = await (await fetch(`${server.url}${urls.find((u) => u.endsWith('.css'))!}`)).text();
    expect(css).toContain('.swagger-ui');
    // Its images are data: URLs; no @import, no font or image from a server, no source map.
    expect(css).not.toMatch(/@import/);
    expect(
      [...css.matchAll(/url\(\s*["']?([^"')]+)/g)].map((m) => m[1]!.slice(0, 5)).filter((u) => u !== 'data:'),
    ).toEqual([]);
    expect(css).not.toContain('sourceMappingURL');
    const scripts = urls.filter((u) => u.endsWith('.js'));
    expect(scripts).toHaveLength(2);
    const [bundle, setup] = await Promise.all(scripts.map(async (u) => (await fetch(`${server.url}${u}`)).text()));
    expect(bundle).toContain('SwaggerUIBundle');
    // The setup turns off the validator badge, which would send the document to swagger.io.
    expect(setup).toContain('validatorUrl: null');
    expect(setup).toContain("preauthorizeApiKey('bearerAuth'");
  });

  it('the OpenAPI document, revalidated by its ETag', async () => {
    const res = await fetch(`${server.url}/customer/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expectOwnOriginOnly(res.headers);
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
    const again = await fetch(`${server.url}/customer/openapi.json`, {
      headers: { 'if-none-match': res.headers.get('etag')! },
    });
    expect(again.status).toBe(304);
  });

  it('HEAD as GET, other methods 405 with the REST error body', async () => {
    const head = await fetch(`${server.url}/customer/openapi.json`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const post = await fetch(`${server.url}/customer/docs`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(await post.json()).toEqual({
      status: 405,
      type: 'method_not_allowed',
      message: 'The method POST is not allowed here; allowed: GET, HEAD.',
    });
  });

  it('an unknown file under the assets is a 404; other paths are left to the caller', async () => {
    const missing = await fetch(`${server.url}/customer/docs/assets/swagger-ui.0000000000000000.js`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      status: 404,
      type: 'not_found',
      message: 'The requested resource does not exist.',
    });
    // A tenant named "docs" keeps its REST paths.
    for (const path of ['/customer/docs/customers', '/customer/docs/', '/customer/demo/customers', '/graphql']) {
      expect((await fetch(`${server.url}${path}`)).status, path).toBe(418);
    }
  });

  it('the development token only in a page opened by a name of this machine', async () => {
    for (const host of ['localhost', `127.0.0.1:${new URL(server.url).port}`, '[::1]:4000']) {
      const { body } = await getWithHost(`${server.url}/customer/docs`, host);
      expect(pageOptions(body).token, host).toBe(TOKEN);
    }
    for (const host of ['192.168.1.20:4000', 'evil.example', 'localhost.evil.example']) {
      const { status, body } = await getWithHost(`${server.url}/customer/docs`, host);
      expect(status).toBe(200);
      expect(pageOptions(body), host).toEqual({ url: '/customer/openapi.json' });
      expect(body).not.toContain(TOKEN);
    }
  });
});

describe('the docs, off', () => {
  let server: Served;
  beforeAll(async () => {
    server = await serve({ enabled: false, developmentToken: TOKEN });
  });
  afterAll(() => server.close());

  it('a static page that says so, loading nothing', async () => {
    const res = await fetch(`${server.url}/customer/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(OFF_CSP);
    expect(OFF_CSP).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'/);
    const html = await res.text();
    expect(html).toContain('The API documentation is off in this mode.');
    expect(referenced(html)).toEqual([]);
    expect(html).not.toContain(TOKEN);
  });

  it('neither the document nor the files', async () => {
    expect((await fetch(`${server.url}/customer/openapi.json`)).status).toBe(404);
    const on = await serve({ enabled: true });
    try {
      const html = await (await fetch(`${on.url}/customer/docs`)).text();
      for (const url of referenced(html).filter((u) => u.startsWith('/customer/docs/assets/'))) {
        expect((await fetch(`${server.url}${url}`)).status, url).toBe(404);
      }
    } finally {
      await on.close();
    }
  });
});
