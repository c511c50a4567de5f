/**
 * Sending webhooks (src/events/send.ts) to a real node:http server on 127.0.0.1, and the SSRF guard
 * (src/events/ssrf.ts) both where a URL is saved and where a connection is made. Nothing here leaves this machine:
 * the public addresses in the URL checks are literals, which need no DNS and are never connected to.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retryAfterMs, sendWebhook, type WebhookAttempt, type WebhookRequest } from '../src/events/send.js';
import { newWebhookSecret, signatureHeaders } from '../src/events/signature.js';
import { checkEndpointUrl, type EndpointUrlOptions, webhookAgents } from '../src/events/ssrf.js';

const PRODUCTION: EndpointUrlOptions = { allowPrivateNetworks: false, allowHttp: false };
const DEVELOPMENT: EndpointUrlOptions = { allowPrivateNetworks: true, allowHttp: true };
const LIFT = 'WEBHOOK_ALLOW_PRIVATE_NETWORKS=true lifts this';

async function refusal(url: string, options: EndpointUrlOptions = PRODUCTION): Promise<string> {
  const check = await checkEndpointUrl(url, options);
  if (check.ok) throw new Error(`${url} was accepted`);
  return check.message;
}

describe('checkEndpointUrl', () => {
  it.each([
    ['http://127.0.0.1/', /^the host 127\.0\.0\.1 is a loopback address; webhook endpoints must be public/],
    ['https://2130706433/', /^the host 127\.0\.0\.1 is a loopback address/],
    ['https://10.1.2.3/', /^the host 10\.1\.2\.3 is a private-network address/],
    ['https://172.16.0.1/', /private-network/],
    ['https://192.168.1.1/', /private-network/],
    ['https://169.254.169.254/latest', /169\.254\.169\.254 is a link-local address \(the cloud metadata service\)/],
    ['https://[fe80::1]/', /^the host fe80::1 is a link-local address/],
    ['https://[::1]/', /^the host ::1 is a loopback address/],
    ['https://[fd00::1]/', /^the host fd00::1 is a unique-local \(private\) address/],
    ['https://[::ffff:127.0.0.1]/', /^the host ::ffff:127\.0\.0\.1 is an IPv4-mapped form of 127\.0\.0\.1, a loopback/],
    ['https://[::ffff:10.0.0.1]/', /IPv4-mapped form of 10\.0\.0\.1, a private-network address/],
    ['https://100.64.0.1/', /carrier-grade NAT/],
    ['https://0.0.0.0/', /^the host 0\.0\.0\.0 is an unspecified address/],
    ['https://0.1.2.3/', /unspecified/],
    ['https://[::]/', /unspecified/],
    ['https://224.0.0.1/', /multicast/],
    ['https://[ff02::1]/', /multicast/],
    ['https://255.255.255.255/', /broadcast/],
    ['https://192.0.2.10/', /reserved/],
    ['https://[64:ff9b::7f00:1]/', /a special-purpose address \(rfc6052\)/],
  ])('refuses %s, naming what the address is', async (url, expected) => {
    const message = await refusal(url, { allowPrivateNetworks: false, allowHttp: true });
    expect(message).toMatch(expected);
    expect(message).toContain(LIFT);
  });

  it('refuses a name that resolves to loopback (localhost, from /etc/hosts)', async () => {
    const message = await refusal('https://localhost/');
    expect(message).toMatch(/^the host localhost resolves to (127\.0\.0\.1|::1), a loopback address; /);
    expect(message).toContain(LIFT);
  });

  it('refuses a name that does not resolve', async () => {
    expect(await refusal('https://webhook-test.invalid/hook')).toMatch(
      /^the host webhook-test\.invalid does not resolve \(ENOTFOUND\)/,
    );
  });

  it('refuses an IPv4-mapped IPv6 address even of a public IPv4, which the connect-time guard refuses', async () => {
    expect(await refusal('https://[::ffff:93.184.215.14]/')).toBe(
      'the host ::ffff:93.184.215.14 is an IPv4-mapped IPv6 address; webhooks are not sent to those; ' +
        'write 93.184.215.14 instead',
    );
  });

  it('refuses other schemes, http unless allowed, credentials, and what does not parse', async () => {
    expect(await refusal('ftp://93.184.215.14/hook')).toMatch(/^the URL's scheme is ftp:; .* must use https:/);
    expect(await refusal('ftp://93.184.215.14/hook', DEVELOPMENT)).toMatch(/must use https: or http:$/);
    expect(await refusal('http://93.184.215.14/hook')).toMatch(/scheme is http:; .*https: \(plain http: only in/);
    expect(await refusal('https://user:pass@93.184.215.14/hook')).toMatch(/user name or password/);
    expect(await refusal('https://token@93.184.215.14/hook', DEVELOPMENT)).toMatch(/user name or password/);
    expect(await refusal('93.184.215.14/hook')).toMatch(/does not parse/);
    expect(await refusal('https://')).toMatch(/does not parse/);
  });

  it('accepts a public address, and anything reachable when private networks and http are allowed', async () => {
    const accepted = async (url: string, options: EndpointUrlOptions = PRODUCTION) => {
      const check = await checkEndpointUrl(url, options);
      return check.ok ? check.url.href : check.message;
    };
    expect(await accepted('https://93.184.215.14/hook')).toBe('https://93.184.215.14/hook');
    expect(await accepted('https://[2606:4700::1111]/hook?a=1')).toBe('https://[2606:4700::1111]/hook?a=1');
    expect(await accepted('http://93.184.215.14/hook', { allowPrivateNetworks: false, allowHttp: true })).toBe(
      'http://93.184.215.14/hook',
    );
    expect(await accepted('http://127.0.0.1:9/x', DEVELOPMENT)).toBe('http://127.0.0.1:9/x');
    expect(await accepted('https://169.254.169.254/', { allowPrivateNetworks: true, allowHttp: false })).toBe(
      'https://169.254.169.254/',
    );
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2025-06-01T12:00:00Z');
  it.each([
    ['7', 7000],
    [' 120 ', 120_000],
    ['0', 0],
    ['Sun, 01 Jun 2025 12:02:00 GMT', 120_000],
    ['Sunday, 01-Jun-25 12:00:30 GMT', 30_000],
    ['Sun, 01 Jun 2025 11:00:00 GMT', 0],
    ['999999999', 24 * 3600 * 1000],
    ['Mon, 01 Jun 2026 12:00:00 GMT', 24 * 3600 * 1000],
  ])('reads %j as %i ms', (value, expected) => {
    expect(retryAfterMs(value, now)).toBe(expected);
  });

  it.each([undefined, '', 'soon', 'tomorrow', '-1', '1.5', '7 s'])('reads %j as none', (value) => {
    expect(retryAfterMs(value, now)).toBeNull();
  });
});

describe('sendWebhook', () => {
  const SECRET = newWebhookSecret();
  const BODY = JSON.stringify({ id: 'evt_01', type: 'customer.created', data: { tenant: 'acme' } });
  const received: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const open = webhookAgents(true, 4);
  const guarded = webhookAgents(false, 4);
  let server: Server;
  let base: string;

  const routes: Record<string, (res: ServerResponse, request: (typeof received)[number]) => void> = {
    '/ok': (res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks'),
    '/verify': (res, request) => {
      try {
        new Webhook(SECRET).verify(request.body, request.headers as Record<string, string>);
        res.writeHead(204).end();
      } catch (error) {
        res.writeHead(401).end((error as Error).message);
      }
    },
    '/fail': (res) => res.writeHead(500).end('oops'),
    '/redirect': (res) => res.writeHead(302, { location: '/ok' }).end(),
    '/retry-seconds': (res) => res.writeHead(429, { 'retry-after': '7' }).end(),
    '/retry-date': (res) =>
      res.writeHead(503, { 'retry-after': new Date(Date.now() + 120_000).toUTCString() }).end('later'),
    '/hang': () => {},
    '/big': (res) => {
      res.writeHead(200);
      for (let i = 0; i < 64; i++) res.write(Buffer.alloc(16 * 1024, 120));
      res.end();
    },
    '/cut': (res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('only the first bytes');
      setTimeout(() => res.socket?.destroy(), 20);
    },
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        received.push(request);
        const route = routes[new URL(request.path, 'http://x').pathname];
        if (route) route(res, request);
        else res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const agents of [open, guarded]) {
      agents.http.destroy();
      agents.https.destroy();
    }
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const send = async (path: string, options: Partial<WebhookRequest> = {}): Promise<WebhookAttempt> => {
    const attempt = await sendWebhook({
      url: `${base}${path}`,
      body: BODY,
      headers: signatureHeaders([SECRET], 'evt_01', Math.floor(Date.now() / 1000), BODY),
      timeoutMs: 5000,
      agents: open,
      ...options,
    });
    expect(attempt.durationMs).toBeGreaterThanOrEqual(0);
    // An error is for the tenant's attempt list: it carries neither the secret, a signature nor the body.
    expect(attempt.error ?? '').not.toMatch(/whsec_|v1,|evt_01|acme/);
    return attempt;
  };
  const requestsTo = (path: string) => received.filter((request) => request.path === path);

  it('POSTs the body as JSON with the signature headers, which standardwebhooks verifies at the receiver', async () => {
    expect(await send('/verify')).toEqual({
      statusCode: 204,
      durationMs: expect.any(Number),
      retryAfterMs: null,
      error: null,
    });
    const [request] = requestsTo('/verify');
    expect(request?.body).toBe(BODY);
    expect(request?.headers).toMatchObject({
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(BODY)),
      'user-agent': 'customer-graph-webhooks',
      'webhook-id': 'evt_01',
      'webhook-timestamp': expect.stringMatching(/^\d+$/),
      'webhook-signature': expect.stringMatching(/^v1,[A-Za-z0-9+/]+=*$/),
    });
  });

  it('reports a 200 after reading its body, and a 500 as it came', async () => {
    expect(await send('/ok')).toMatchObject({ statusCode: 200, retryAfterMs: null, error: null });
    expect(await send('/fail')).toMatchObject({ statusCode: 500, retryAfterMs: null, error: null });
  });

  it('keeps its own content-type and user-agent whatever the caller passes', async () => {
    const headers = { 'Content-Type': 'text/plain', 'User-Agent': 'other', 'webhook-id': 'evt_01' };
    expect(await send('/ok?headers', { headers })).toMatchObject({ statusCode: 200 });
    expect(requestsTo('/ok?headers')[0]?.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'customer-graph-webhooks',
    });
  });

  it('does not follow a redirect: a 302 is the answer', async () => {
    const before = requestsTo('/ok').length;
    expect(await send('/redirect')).toMatchObject({ statusCode: 302, error: null });
    expect(requestsTo('/ok')).toHaveLength(before);
  });

  it('reads Retry-After in seconds and as an HTTP date', async () => {
    expect(await send('/retry-seconds')).toMatchObject({ statusCode: 429, retryAfterMs: 7000 });
    const dated = await send('/retry-date');
    expect(dated.statusCode).toBe(503);
    // Two minutes ahead, less the second the HTTP date drops and the time the exchange took.
    expect(dated.retryAfterMs).toBeGreaterThan(100_000);
    expect(dated.retryAfterMs).toBeLessThanOrEqual(120_000);
  });

  it('gives up on an endpoint that never answers after timeoutMs', async () => {
    expect(await send('/hang', { timeoutMs: 300 })).toMatchObject({
      statusCode: null,
      retryAfterMs: null,
      error: 'timed out after 0.3 s',
    });
    expect(requestsTo('/hang')).toHaveLength(1);
  });

  it('stops reading a large body, keeping the status', async () => {
    expect(await send('/big')).toMatchObject({ statusCode: 200, error: null });
  });

  it('keeps the status of a response whose connection breaks, and says so', async () => {
    const attempt = await send('/cut');
    expect(attempt.statusCode).toBe(200);
    expect(attempt.error).toMatch(/ECONNRESET|closed before the response ended/);
  });

  it('reports a refused connection without throwing', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await send('/ok', { url: `http://127.0.0.1:${port}/ok` })).toMatchObject({
      statusCode: null,
      retryAfterMs: null,
      error: 'connection refused (ECONNREFUSED)',
    });
  });

  it('reports a URL it cannot send to without throwing', async () => {
    expect(await send('', { url: 'not a url' })).toMatchObject({ statusCode: null, error: /does not parse/ });
    expect(await send('', { headers: { 'webhook-id': 'evt\r\nx: 1' } })).toMatchObject({
      statusCode: null,
      error: expect.any(String),
    });
  });

  it('through the guarded agents, refuses at connect time to reach 127.0.0.1, by address and by name', async () => {
    const before = received.length;
    const byAddress = await send('/ok?guarded', { agents: guarded });
    expect(byAddress).toMatchObject({ statusCode: null, retryAfterMs: null });
    expect(byAddress.error).toBe(`refused to connect to 127.0.0.1, not a public address (${LIFT})`);
    // A name is checked after it resolved: the same check that defeats DNS rebinding.
    const byName = await send('', { url: `${base.replace('127.0.0.1', 'localhost')}/ok?guarded`, agents: guarded });
    expect(byName).toMatchObject({ statusCode: null, retryAfterMs: null });
    expect(byName.error).toMatch(/^refused to connect to (127\.0\.0\.1|::1), not a public address/);
    // https is guarded the same, before any TLS.
    const overTls = await send('', { url: `${base.replace('http:', 'https:')}/ok?guarded`, agents: guarded });
    expect(overTls).toMatchObject({ statusCode: null, error: expect.stringMatching(/^refused to connect to 127/) });
    expect(received).toHaveLength(before);
    // The same request through the agents for private networks arrives.
    expect(await send('/ok?unguarded', { agents: open })).toMatchObject({ statusCode: 200, error: null });
  });
});
