/**
 * One webhook delivery attempt: a POST through the given agents, reported as data, never thrown, so that the
 * caller records every attempt the same way. node:http(s) rather than fetch, because the SSRF guard of ssrf.ts
 * is an http.Agent, which fetch does not use. Whether the attempt succeeded (2xx) is the caller's to decide.
 */
import http from 'node:http';
import https from 'node:https';
import type { WebhookAgents } from './ssrf.js';

export interface WebhookRequest {
  url: string;
  /** The JSON body, exactly the text that was signed. */
  body: string;
  /** The signature headers (and any others); content-type and user-agent are set here. */
  headers: Record<string, string>;
  /** For the whole attempt, from connecting to the response's last byte. */
  timeoutMs: number;
  agents: WebhookAgents;
}

export interface WebhookAttempt {
  /** The response's status, set once it arrived even if the body then failed; null when none came. */
  statusCode: number | null;
  durationMs: number;
  /** What the response's Retry-After asks for, at most 24 h; null when it sent none that reads. */
  retryAfterMs: number | null;
  /** What went wrong, in a few words for the tenant's attempt list: never the body or a header's value. */
  error: string | null;
}

const USER_AGENT = 'customer-graph-webhooks';
const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;
/** Response bodies are read only to keep the connection reusable; past this much, dropping it is cheaper. */
const MAX_DRAINED_BYTES = 64 * 1024;
/** Node's codes, as the tenant reads them. */
const ERROR_TEXTS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the endpoint',
  EPIPE: 'connection closed by the endpoint while sending',
  ENOTFOUND: 'the host does not resolve',
  EAI_AGAIN: 'the host could not be resolved right now',
  ETIMEDOUT: 'connecting timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
};
/** request-filtering-agent's refusal: "DNS lookup <address>(family:…, host:…) is not allowed. Because, …". */
const GUARD_REFUSAL = /^DNS lookup (\S+?)\(.*\) is not allowed/;

/** Delay seconds or an HTTP date (RFC 9110 §10.2.3) as milliseconds from `now`, at most 24 h; null if neither. */
export function retryAfterMs(value: string | undefined, now: number = Date.now()): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  // Date.parse also reads bare numbers such as "-1" as years: an HTTP date always names its day or month.
  const date = /[A-Za-z]{3}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(date)) return null;
  return Math.min(Math.max(date - now, 0), MAX_RETRY_AFTER_MS);
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(3))} s`;

/** A short, single-line account of a failed request; Node's messages name hosts and codes, never bodies. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return 'the request failed';
  const refused = GUARD_REFUSAL.exec(error.message);
  if (refused) {
    return `refused to connect to ${refused[1]}, not a public address (WEBHOOK_ALLOW_PRIVATE_NETWORKS=true lifts this)`;
  }
  const code = (error as NodeJS.ErrnoException).code;
  const text = (code && ERROR_TEXTS[code]) ?? error.message;
  const line = code && !text.includes(code) ? `${text} (${code})` : text;
  return line.replace(/\s+/g, ' ').slice(0, 200);
}

/** POSTs `request.body` once; resolves with what happened, never rejects. Redirects are answers, not followed. */
export function sendWebhook(request: WebhookRequest): Promise<WebhookAttempt> {
  const started = performance.now();
  return new Promise((resolve) => {
    let statusCode: number | null = null;
    let retryAfter: number | null = null;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const durationMs = Math.round(performance.now() - started);
      resolve({ statusCode, durationMs, retryAfterMs: retryAfter, error });
    };

    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return finish('the endpoint URL does not parse');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return finish(`cannot send to a ${url.protocol} URL`);

    const body = Buffer.from(request.body, 'utf8');
    const headers: Record<string, string> = {};
    // Lower-cased, so that a caller's Content-Type cannot stand beside ours.
    for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
    Object.assign(headers, {
      'content-type': 'application/json',
      'content-length': String(body.length),
      'user-agent': USER_AGENT,
    });

    let outgoing: http.ClientRequest;
    try {
      const send = url.protocol === 'https:' ? https.request : http.request;
      const agent = url.protocol === 'https:' ? request.agents.https : request.agents.http;
      outgoing = send(url, { method: 'POST', agent, headers });
    } catch (error) {
      // Thrown at once for what Node refuses to send, such as a header value with a line break.
      return finish(describeError(error));
    }
    timer = setTimeout(() => {
      finish(`timed out after ${seconds(request.timeoutMs)}`);
      outgoing.destroy();
    }, request.timeoutMs);

    outgoing.on('response', (response) => {
      statusCode = response.statusCode ?? null;
      retryAfter = retryAfterMs(response.headers['retry-after']);
      let drained = 0;
      response.on('data', (chunk: Buffer) => {
        drained += chunk.length;
        // The status is what counts; a connection not reused costs less than reading on.
        if (drained > MAX_DRAINED_BYTES) {
          finish(null);
          response.destroy();
        }
      });
      response.once('end', () => finish(null));
      response.on('error', (error) => finish(describeError(error)));
      response.once('close', () =>
        finish(response.complete ? null : 'the connection closed before the response ended'),
      );
    });
    // Also after the attempt was settled (a timeout's destroy), so that no error goes unhandled.
    outgoing.on('error', (error) => finish(describeError(error)));
    outgoing.end(body);
  });
}
