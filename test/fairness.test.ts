/**
 * One tenant cannot starve another: tenant `big` (20,000 customers) keeps 40 expensive lists in flight (an unindexed
 * condition through a deep page, and a count; searches through GraphQL) while tenant `acme` reads customers by key
 * through both doors and a load balancer polls /ready. The noisy tenant's reads beyond its share are refused with
 * 429 and Retry-After; the quiet tenant's never are, nor do they wait for the noisy ones; /ready stays 200. Asserted
 * on statuses and on the order in which answers arrive, never on durations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedTenant } from '../src/cli/seed-data.js';
import { startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
let quietNumber: string;

/** Through every row of `big` (no customer's preferred site contains "zz"), sorted, 1,800 rows in, and counted. */
const NOISY_REST = '/customer/big/customers?pageSize=200&pageNumber=10&sort=lastName:desc&q=preferredSite:~zz';
const NOISY_GRAPHQL = JSON.stringify({ query: '{ customers(first: 50, filter: { search: "zzq" }) { totalCount } }' });

beforeAll(async () => {
  server = await startTestServer();
  await seedTenant(server.service.store, { tenant: 'big', customers: 20_000, addresses: 1, accounts: 0 });
  const created = await server.gql(`mutation { createCustomer(input: { firstName: "Quiet" }) { customerNumber } }`);
  quietNumber = created.data!.createCustomer.customerNumber;
});
afterAll(async () => {
  await server?.close();
});

describe('admission of expensive reads, per tenant', () => {
  it("refuses the noisy tenant's reads beyond its share with 429, and never delays the quiet tenant's reads by key", async () => {
    const bigToken = await server.token({ tenant: 'big' });
    const acmeToken = await server.token();
    const finished: string[] = [];
    const noisy = Array.from({ length: 40 }, async (_, i) => {
      const response =
        i % 4 === 3
          ? await fetch(`${server.url}/graphql`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${bigToken}` },
              body: NOISY_GRAPHQL,
            })
          : await fetch(`${server.url}${NOISY_REST}`, { headers: { authorization: `Bearer ${bigToken}` } });
      const body = (await response.json()) as Record<string, any>;
      finished.push('noisy');
      return { status: response.status, retryAfter: response.headers.get('retry-after'), body };
    });

    // Meanwhile, one after the other: the quiet tenant's reads by key (REST, then GraphQL) and the readiness probe.
    const quiet: number[] = [];
    const ready: number[] = [];
    for (let i = 0; i < 10; i++) {
      const rest = await fetch(`${server.url}/customer/acme/customers/${quietNumber}`, {
        headers: { authorization: `Bearer ${acmeToken}` },
      });
      quiet.push(rest.status);
      const gql = await server.gql(
        `{ customer(customerNumber: "${quietNumber}") { firstName } }`,
        {},
        { token: acmeToken },
      );
      quiet.push(gql.status);
      expect(gql.data).toEqual({ customer: { firstName: 'Quiet' } });
      ready.push((await fetch(`${server.url}/ready`)).status);
      if (i === 0) finished.push('quiet');
    }
    const answers = await Promise.all(noisy);

    expect(quiet).toEqual(Array(20).fill(200));
    expect(ready).toEqual(Array(10).fill(200));
    // The quiet tenant's first reads were answered while the noisy tenant's were still in flight, not after them.
    expect(finished.indexOf('quiet')).toBeLessThan(finished.length - 1);

    const refused = answers.filter((a) => a.status === 429);
    expect(answers.filter((a) => a.status !== 200 && a.status !== 429)).toEqual([]);
    expect(refused.length).toBeGreaterThan(0);
    expect(answers.length - refused.length).toBeGreaterThan(0);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^admission_expensive_reads_refused_total ${refused.length}$`, 'm'));
    expect(metrics).toMatch(/^admission_expensive_reads_running 0$/m);
    for (const answer of refused) {
      expect(answer.retryAfter).toBe('1');
      const code = answer.body.errors?.[0]?.extensions?.code ?? answer.body.type;
      expect(['TOO_MANY_REQUESTS', 'too_many_requests']).toContain(code);
    }
  });

  it('admits the noisy tenant again once its reads are done', async () => {
    const token = await server.token({ tenant: 'big' });
    const response = await fetch(`${server.url}${NOISY_REST}`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('count')).toBe('0');
  });
});
