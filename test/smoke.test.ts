import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('smoke', () => {
  it('creates and reads a customer', async () => {
    const created = await server.gql(`mutation { createCustomer(input: { firstName: "Ada" }) { id } }`);
    expect(created.errors).toBeUndefined();
    const id = created.data!.createCustomer.id;
    const read = await server.gql(`query($n: String!) { customer(customerNumber: $n) { firstName } }`, { n: id });
    expect(read.data).toEqual({ customer: { firstName: 'Ada' } });
    expect(await server.statements()).toBeGreaterThan(0);
  });
});
