/**
 * REST requests for the HTTP tests: every answer is held to the OpenAPI document (src/rest/response-validator.ts)
 * before the test sees it, so no test can pass on an answer that the published contract does not describe.
 */
import { createResponseValidator } from '../../src/rest/response-validator.js';
import type { TestServer } from '../helpers.js';

const validator = createResponseValidator();

export interface RestAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export interface RestOptions {
  /** null: no Authorization header; a string: the bearer token; absent: the server's default token. */
  token?: string | null;
  /** An object is sent as JSON; a string or bytes as they are. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

/** A REST request whose answer is held to the OpenAPI document before the test sees it. */
export function restClient(server: Pick<TestServer, 'url'>, defaultToken: string | null) {
  return async function rest(method: string, path: string, options: RestOptions = {}): Promise<RestAnswer> {
    const token = options.token === undefined ? defaultToken : options.token;
    const headers: Record<string, string> = { ...options.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | Uint8Array | undefined;
    if (options.body !== undefined) {
      body =
        typeof options.body === 'string' || options.body instanceof Uint8Array
          ? options.body
          : JSON.stringify(options.body);
      headers['content-type'] = options.contentType ?? 'application/json';
    }
    const response = await fetch(`${server.url}${path}`, { method, headers, body: body as BodyInit | undefined });
    const text = await response.text();
    validator.assert({
      method,
      path: path.split('?')[0]!,
      status: response.status,
      headers: response.headers,
      body: text,
    });
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  };
}
