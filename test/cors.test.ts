/**
 * CORS, over HTTP: off by default (a subgraph behind a gateway needs none), so no web page of another origin can
 * read an answer; with CORS_ORIGINS, exactly the listed origins may call the API, without credentials.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { MODE, startTestServer, type TestServer } from './helpers.js';

const accessControl = (headers: Headers) =>
  Object.fromEntries([...headers].filter(([name]) => name.startsWith('access-control-')));

/** A browser's preflight before a JSON POST with a token. */
const preflight = (url: string, origin: string) =>
  fetch(`${url}/graphql`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type',
    },
  });

describe(`CORS off by default (${MODE})`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('answers no origin with CORS headers: not its preflight, not its request', async () => {
    for (const origin of ['https://evil.example', 'http://localhost:3000', 'null']) {
      expect(accessControl((await preflight(server.url, origin)).headers), origin).toEqual({});
      const response = await server.gql('{ __typename }', {}, { headers: { origin } });
      expect(response.data, origin).toEqual({ __typename: 'Query' });
      expect(accessControl(response.headers), origin).toEqual({});
    }
  });
});

describe(`CORS_ORIGINS (${MODE})`, () => {
  let server: TestServer;
  const ADMIN = 'https://admin.example.com';
  const SHOP = 'http://localhost:3000';
  beforeAll(async () => {
    server = await startTestServer({ CORS_ORIGINS: ` ${ADMIN}, ${SHOP} ` });
  });
  afterAll(() => server.close());

  it('lets a listed origin call the API with a token, without credentials', async () => {
    for (const origin of [ADMIN, SHOP]) {
      const allowed = await preflight(server.url, origin);
      expect(allowed.status).toBe(204);
      const headers = accessControl(allowed.headers);
      expect(headers['access-control-allow-origin']).toBe(origin);
      expect(headers['access-control-allow-headers']?.split(/,\s*/)).toEqual(
        expect.arrayContaining(['authorization', 'content-type']),
      );
      expect(headers['access-control-allow-methods']).toContain('POST');
      expect(headers['access-control-allow-credentials']).toBeUndefined();

      const response = await server.gql('{ customers(first: 1) { totalCount } }', {}, { headers: { origin } });
      expect(response.data).toEqual({ customers: { totalCount: 0 } });
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
      expect(response.headers.get('vary')).toMatch(/origin/i);
    }
  });

  it('gives any other origin no CORS header at all (not even "null" for an opaque origin)', async () => {
    for (const origin of [
      'https://evil.example',
      'https://admin.example.com.evil.example',
      'http://admin.example.com',
      'null',
    ]) {
      expect(accessControl((await preflight(server.url, origin)).headers), origin).toEqual({});
      const response = await server.gql('{ __typename }', {}, { headers: { origin } });
      expect(accessControl(response.headers), origin).toEqual({});
      expect(response.headers.get('vary')).toMatch(/origin/i);
    }
  });
});

describe('CORS_ORIGINS configuration', () => {
  const corsOrigins = (value: string) => loadConfig({ CORS_ORIGINS: value }).corsOrigins;

  it('is a comma-separated list of origins; empty counts as unset', () => {
    expect(corsOrigins('https://admin.example.com')).toEqual(['https://admin.example.com']);
    expect(corsOrigins('https://a.example.com,http://localhost:3000, http://[::1]:8080')).toEqual([
      'https://a.example.com',
      'http://localhost:3000',
      'http://[::1]:8080',
    ]);
    expect(corsOrigins('')).toBeUndefined();
    expect(corsOrigins(' , ')).toBeUndefined();
    expect(loadConfig({}).corsOrigins).toBeUndefined();
  });

  it('refuses anything that is not an origin as a browser sends it, naming the value', () => {
    for (const value of [
      '*',
      'admin.example.com',
      'https://admin.example.com/',
      'https://admin.example.com/app',
      'ftp://files.example.com',
      'https://Admin.example.com',
      'null',
    ]) {
      expect(() => corsOrigins(value), value).toThrow(ConfigError);
      expect(() => corsOrigins(value), value).toThrow(/CORS_ORIGINS/);
    }
    expect(() => corsOrigins('https://ok.example.com,https://bad.example.com/path')).toThrow(
      'https://bad.example.com/path',
    );
  });
});
