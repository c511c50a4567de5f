/**
 * Server-side request forgery guard for webhook endpoints. A tenant chooses the URL we POST to, so without a guard
 * a URL could make this service call its own admin ports, the database, or the cloud metadata service. The URL is
 * checked when an endpoint is saved (checkEndpointUrl: a clear message for the tenant) and again at every connect
 * (webhookAgents), because a name may resolve to another address by then (DNS rebinding).
 */
import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';

export interface EndpointUrlOptions {
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS: accept loopback, private and other non-public hosts (tests, development). */
  allowPrivateNetworks: boolean;
  /** Accept plain `http:` (development only). */
  allowHttp: boolean;
}

export type EndpointUrlCheck = { ok: true; url: URL } | { ok: false; message: string };

export interface WebhookAgents {
  http: http.Agent;
  https: https.Agent;
}

const PUBLIC_ONLY = 'webhook endpoints must be public (WEBHOOK_ALLOW_PRIVATE_NETWORKS=true lifts this)';

/** ipaddr.js's names of the ranges, as a tenant reads them; any other non-unicast range is "special-purpose". */
const RANGE_NAMES: Readonly<Record<string, string>> = {
  loopback: 'a loopback address',
  private: 'a private-network address',
  linkLocal: 'a link-local address',
  uniqueLocal: 'a unique-local (private) address',
  carrierGradeNat: 'a carrier-grade NAT address',
  unspecified: 'an unspecified address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved address',
};
const METADATA_SERVICE = '169.254.169.254';

interface Refusal {
  /** The address as the message shows it. */
  address: string;
  /** What it is, after "is" or "resolves to <address>,". */
  kind: string;
  /** What to do about it. */
  remedy: string;
}

/**
 * Why `address` (an IP literal) is no webhook target, or undefined when it is public unicast. ipaddr.js's range()
 * is the list, as it is for request-filtering-agent at connect time, so that both refuse the same addresses.
 */
function refusalOf(address: string): Refusal | undefined {
  const parsed = ipaddr.parse(address);
  if (parsed instanceof ipaddr.IPv6 && parsed.isIPv4MappedAddress()) {
    const ipv4 = parsed.toIPv4Address().toString();
    const inner = refusalOf(ipv4);
    // The connect-time guard refuses every mapped address (its range is 'ipv4Mapped'), even of a public IPv4.
    return inner
      ? { address: `::ffff:${ipv4}`, kind: `an IPv4-mapped form of ${ipv4}, ${inner.kind}`, remedy: PUBLIC_ONLY }
      : {
          address: `::ffff:${ipv4}`,
          kind: 'an IPv4-mapped IPv6 address',
          remedy: `webhooks are not sent to those; write ${ipv4} instead`,
        };
  }
  const range = parsed.range();
  if (range === 'unicast') return undefined;
  const name = RANGE_NAMES[range] ?? `a special-purpose address (${range})`;
  const kind = address === METADATA_SERVICE ? `${name} (the cloud metadata service)` : name;
  return { address: parsed.toString(), kind, remedy: PUBLIC_ONLY };
}

/**
 * Whether a tenant's webhook URL may be saved: it parses, is https (http only when allowed), carries no user name
 * or password, and, unless private networks are allowed, its host is or resolves only to public unicast addresses.
 * A refusal's message says what is wrong, for the tenant to read.
 */
export async function checkEndpointUrl(url: string, options: EndpointUrlOptions): Promise<EndpointUrlCheck> {
  if (!URL.canParse(url)) return { ok: false, message: 'the URL does not parse; write it as https://host/path' };
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && options.allowHttp)) {
    const allowed = options.allowHttp ? 'https: or http:' : 'https: (plain http: only in development)';
    return { ok: false, message: `the URL's scheme is ${parsed.protocol}; webhook endpoints must use ${allowed}` };
  }
  // Credentials in a URL end up in logs and in the endpoint list; the signature is how a receiver knows us.
  if (parsed.username !== '' || parsed.password !== '') {
    return { ok: false, message: 'the URL carries a user name or password; webhook URLs must not' };
  }
  if (options.allowPrivateNetworks) return { ok: true, url: parsed };

  // WHATWG URL has already turned 0x7f.1 and 2130706433 into 127.0.0.1; an IPv6 literal keeps its brackets.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) !== 0) {
    const refusal = refusalOf(host);
    return refusal
      ? { ok: false, message: `the host ${refusal.address} is ${refusal.kind}; ${refusal.remedy}` }
      : { ok: true, url: parsed };
  }

  let addresses: LookupAddress[];
  let timer: NodeJS.Timeout | undefined;
  try {
    // Bounded: the check runs inside the registering mutation's transaction, which it must not hold for long.
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { code: 'ETIMEOUT' })), LOOKUP_TIMEOUT_MS);
    });
    addresses = await Promise.race([lookup(host, { all: true }), late]);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    const missing = code === 'ENOTFOUND' || code === 'ENODATA';
    return {
      ok: false,
      message: missing
        ? `the host ${host} does not resolve (${code}); check its spelling`
        : `the host ${host} could not be resolved (${code}); try again later`,
    };
  } finally {
    clearTimeout(timer);
  }
  if (addresses.length === 0) return { ok: false, message: `the host ${host} does not resolve; check its spelling` };
  // Every address counts: a connection may go to any of them.
  for (const { address } of addresses) {
    const refusal = refusalOf(address);
    if (refusal) {
      return {
        ok: false,
        message: `the host ${host} resolves to ${refusal.address}, ${refusal.kind}; ${refusal.remedy}`,
      };
    }
  }
  return { ok: true, url: parsed };
}

/** The longest a registration waits for the host's addresses. */
const LOOKUP_TIMEOUT_MS = 2000;

/** Kept-alive connections, closed after 30 s idle. */
const AGENT_OPTIONS = { keepAlive: true, timeout: 30_000 } satisfies http.AgentOptions;

/**
 * The agents webhook requests go through. Unless private networks are allowed, they are request-filtering-agent's,
 * which check the address a socket is about to connect to, after DNS, for every new connection. Its default deny
 * list is ours: every address whose ipaddr.js range() is not 'unicast' (0.0.0.0/8 and :: among them, which it calls
 * "meta"), read by the same ipaddr.js (npm dedupes the two). Where it differs:
 * - it does not unwrap IPv4-mapped IPv6 (::ffff:a.b.c.d is refused whatever a.b.c.d is); checkEndpointUrl refuses
 *   those too, so that no URL it accepts fails every delivery;
 * - its error calls every refused address "private IP address", loopback too (sendWebhook rewrites the message);
 * - a kept-alive socket is not checked again: it was, when it connected;
 * - it works through http(s).Agent only, so requests must use node:http(s), not fetch.
 */
export function webhookAgents(allowPrivateNetworks: boolean, socketsPerHost: number): WebhookAgents {
  const options = { ...AGENT_OPTIONS, maxSockets: socketsPerHost };
  if (allowPrivateNetworks) return { http: new http.Agent(options), https: new https.Agent(options) };
  return {
    http: new RequestFilteringHttpAgent(options),
    https: new RequestFilteringHttpsAgent(options),
  };
}
