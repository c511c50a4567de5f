/**
 * /metrics lists every tenant's operation names, so it can be kept internal: on a listener of its own
 * (METRICS_PORT) and/or behind a bearer token (METRICS_TOKEN). Without either it is served on the API's port.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.js';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let open: TestServer;
let guarded: TestServer;
let apart: TestServer;
beforeAll(async () => {
  [open, guarded, apart] = await Promise.all([
    startTestServer(),
    startTestServer({ METRICS_TOKEN }),
    startTestServer({ METRICS_PORT: '0', METRICS_TOKEN }),
  ]);
  // An operation with a telling name, so each /metrics has something to hide.
  for (const server of [open, guarded, apart]) await server.gql('query SecretTenantReport { __typename }');
});
afterAll(() => Promise.all([open.close(), guarded.close(), apart.close()]));

describe('/metrics', () => {
  it('by default: on the API port, to anyone', async () => {
    const response = await fetch(`${open.url}/metrics`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('operation="SecretTenantReport"');
    expect(open.service.metricsUrl()).toBeUndefined();
  });

  it('with METRICS_TOKEN: only with that bearer token', async () => {
    for (const headers of [{}, bearer('wrong-token-0123456789abcdef'), { authorization: `Basic ${METRICS_TOKEN}` }]) {
      const refused = await fetch(`${guarded.url}/metrics`, { headers });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(await refused.text()).not.toContain('SecretTenantReport');
    }
    const allowed = await fetch(`${guarded.url}/metrics`, { headers: bearer(METRICS_TOKEN) });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('operation="SecretTenantReport"');
  });

  it('with METRICS_PORT: on its own listener only, which serves nothing else', async () => {
    const onApi = await fetch(`${apart.url}/metrics`, { headers: bearer(METRICS_TOKEN) });
    expect(onApi.status).toBe(404);
    expect(await onApi.text()).not.toContain('SecretTenantReport');

    const metricsUrl = apart.service.metricsUrl()!;
    expect(new URL(metricsUrl).port).not.toBe(new URL(apart.url).port);
    expect((await fetch(`${metricsUrl}/metrics`)).status).toBe(401);
    const served = await fetch(`${metricsUrl}/metrics`, { headers: bearer(METRICS_TOKEN) });
    expect(served.status).toBe(200);
    expect(await served.text()).toContain('db_statements_total');
    for (const path of ['/graphql', '/health', '/']) expect((await fetch(`${metricsUrl}${path}`)).status).toBe(404);
    // The API itself is unchanged.
    expect((await apart.gql('{ __typename }')).data).toEqual({ __typename: 'Query' });
  });

  it('refuses a METRICS_TOKEN shorter than 16 characters at start', async () => {
    await expect(startTestServer({ METRICS_TOKEN: 'short' })).rejects.toThrow(
      /METRICS_TOKEN: must be at least 16 characters/,
    );
  });
});
