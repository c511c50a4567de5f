/**
 * End to end behind a real gateway: the Hive Gateway runtime, in process, runs the supergraph composed from our
 * served SDL and the tiny orders subgraph, both served over HTTP on 127.0.0.1. A query starts in orders and fetches
 * customers and addresses from us; the gateway forwards the caller's Authorization header to our subgraph only
 * (and x-request-id to both), so our tenant and scope rules decide what comes back.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { composeServices, compositionHasErrors } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACME_NUMBERS, INITECH_MEMBERS, seedFederationData, type FederationData } from './support/federation-data.js';
import { ORDERS_TYPE_DEFS, startOrdersSubgraph, type Order, type OrdersSubgraph } from './support/orders-subgraph.js';
import { startTestServer, type GraphQLResponse, type TestServer } from './helpers.js';
import { subscribe } from './support/sse.js';

/** O01..O10: one order for each of acme's F01..F10, shipped to its address; O11: globex's G99. */
const ORDERS: Order[] = [
  ...ACME_NUMBERS.map((n, i) => ({
    id: `O${String(i + 1).padStart(2, '0')}`,
    customerNumber: n,
    shippingAddressId: `A-${n}`,
  })),
  { id: 'O11', customerNumber: 'G99', shippingAddressId: 'G-G99' },
];

const ORDERS_WITH_CUSTOMERS = /* GraphQL */ `
  query OrdersWithCustomers($first: Int) {
    orders(first: $first) {
      id
      customer { id firstName lastName addresses { id city } }
    }
  }
`;

let customers: TestServer;
let orders: OrdersSubgraph;
let data: FederationData;
let gateway: ReturnType<typeof createGatewayRuntime>;
let gatewayServer: Server;
let gatewayUrl: string;

beforeAll(async () => {
  customers = await startTestServer();
  data = await seedFederationData(customers);
  orders = await startOrdersSubgraph(ORDERS);

  // Compose from what our subgraph really serves, as a schema registry would.
  const served = await customers.gql<{ _service: { sdl: string } }>('{ _service { sdl } }', {}, { token: null });
  const composed = composeServices([
    { name: 'customers', typeDefs: parse(served.data!._service.sdl), url: `${customers.url}/graphql` },
    { name: 'orders', typeDefs: ORDERS_TYPE_DEFS, url: orders.url },
  ]);
  if (compositionHasErrors(composed)) throw new Error(composed.errors.map((e) => e.message).join('\n'));

  gateway = createGatewayRuntime({
    supergraph: composed.supergraphSdl,
    logging: false,
    propagateHeaders: {
      // The token goes to the subgraph that checks it, and nowhere else; the request id goes everywhere.
      fromClientToSubgraphs: ({ request, subgraphName }) => ({
        'x-request-id': request.headers.get('x-request-id'),
        ...(subgraphName === 'customers' ? { authorization: request.headers.get('authorization') } : {}),
      }),
    },
  });
  gatewayServer = createServer(gateway);
  await new Promise<void>((resolve) => gatewayServer.listen(0, '127.0.0.1', resolve));
  gatewayUrl = `http://127.0.0.1:${(gatewayServer.address() as AddressInfo).port}/graphql`;
});

afterAll(async () => {
  gatewayServer?.closeAllConnections();
  await new Promise((resolve) => gatewayServer?.close(resolve));
  await gateway?.dispose();
  await orders?.close();
  await customers?.close();
});

async function viaGateway(
  query: string,
  variables: Record<string, unknown> = {},
  options: { token?: string | null; requestId?: string } = {},
): Promise<GraphQLResponse> {
  const token = options.token === undefined ? await customers.token() : options.token;
  const response = await fetch(gatewayUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(options.requestId ? { 'x-request-id': options.requestId } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, ...((await response.json()) as object) };
}

/** Statements our subgraph executed while `run` ran, from its /metrics. */
async function statementsOf<T>(run: () => Promise<T>): Promise<{ result: T; statements: number }> {
  const before = await customers.statements();
  const result = await run();
  return { result, statements: (await customers.statements()) - before };
}

const customerOf = (n: string) => ({
  id: n,
  firstName: `Acme${n}`,
  lastName: 'Customer',
  addresses: [{ id: `A-${n}`, city: `Acme City ${n}` }],
});

describe('through the Hive gateway', () => {
  it("passes Subscription.customerEvents through, over SSE both ways, with the caller's token", async () => {
    const token = await customers.token();
    const sub = subscribe<{
      customerEvents: { type: string; customerNumber: string; customer: { firstName: string } };
    }>(
      gatewayUrl.replace(/\/graphql$/, ''),
      'subscription { customerEvents(types: ["customer.created"]) { type customerNumber customer { firstName } } }',
      {},
      { authorization: `Bearer ${token}` },
    );
    const other = subscribe(
      gatewayUrl.replace(/\/graphql$/, ''),
      'subscription { customerEvents { customerNumber } }',
      {},
      { authorization: `Bearer ${await customers.token({ tenant: 'globex' })}` },
    );
    try {
      // The subscriptions start at the present once our subgraph has read where the log ends: write until one hears.
      let written = 0;
      await expect
        .poll(
          async () => {
            const created = await customers.gql(
              `mutation { createCustomer(input: { id: "GW-SUB${++written}", firstName: "Via" }) { id } }`,
            );
            expect(created.errors).toBeUndefined();
            return sub.received.length;
          },
          { interval: 200, timeout: 20_000 },
        )
        .toBeGreaterThan(0);
      expect(sub.received[0]!.errors).toBeUndefined();
      expect(sub.received[0]!.data!.customerEvents).toEqual({
        type: 'customer.created',
        customerNumber: expect.stringMatching(/^GW-SUB\d+$/),
        customer: { firstName: 'Via' },
      });
      expect(other.received).toEqual([]);
    } finally {
      sub.close();
      other.close();
    }
  });

  it('answers a query that starts in orders and fetches customers and addresses from us, in batches', async () => {
    const two = await statementsOf(() => viaGateway(ORDERS_WITH_CUSTOMERS, { first: 2 }));
    const ten = await statementsOf(() => viaGateway(ORDERS_WITH_CUSTOMERS, { first: 10 }));
    expect(ten.result.errors).toBeUndefined();
    expect(ten.result.data!.orders).toEqual(
      ACME_NUMBERS.map((n, i) => ({ id: ORDERS[i]!.id, customer: customerOf(n) })),
    );
    // 10 orders of 10 customers: one entity fetch, one statement for the customers and one for their addresses,
    // the same as for 2 orders (not 10 x anything).
    expect(ten.statements).toBeLessThanOrEqual(2);
    expect(ten.statements).toBe(two.statements);
  });

  it('resolves Address references from orders with the same batching', async () => {
    const { result, statements } = await statementsOf(() =>
      viaGateway('{ orders(first: 10) { id shippingAddress { id city customer { id } } } }'),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.orders).toEqual(
      ACME_NUMBERS.map((n, i) => ({
        id: ORDERS[i]!.id,
        shippingAddress: { id: `A-${n}`, city: `Acme City ${n}`, customer: { id: n } },
      })),
    );
    // The addresses, then their customers (the reach check, which Address.customer reuses).
    expect(statements).toBeLessThanOrEqual(2);
  });

  // An entity we resolve to null (not yours, or missing: the same) reaches the client as the gateway makes it: the
  // referencing subgraph's id stays, our fields are null, and a non-null one of ours (addresses) nulls the whole
  // customer with the gateway's own "Cannot return null for non-nullable field" error. Nothing of ours is in it.
  it("never returns another tenant's customers or addresses: a globex token sees only globex's", async () => {
    const response = await viaGateway(
      '{ orders { id customer { id firstName addresses { city } } shippingAddress { city } } }',
      {},
      { token: data.globexToken },
    );
    expect(response.data!.orders).toEqual(
      ORDERS.map((order) => {
        // globex has an unrelated customer numbered F01 (its own, never acme's), and G99 with its address.
        if (order.customerNumber === 'F01') {
          return {
            id: order.id,
            customer: { id: 'F01', firstName: 'GlobexF01', addresses: [{ city: 'Globex City F01' }] },
            shippingAddress: { city: null },
          };
        }
        if (order.customerNumber === 'G99') {
          return {
            id: order.id,
            customer: { id: 'G99', firstName: 'GlobexG99', addresses: [{ city: 'Globex City G99' }] },
            shippingAddress: { city: 'Globex City G99' },
          };
        }
        return { id: order.id, customer: null, shippingAddress: { city: null } };
      }),
    );
    expect(JSON.stringify(response.data)).not.toMatch(/Acme/);
    // The only errors are the gateway's null propagation (masked by it), one per acme customer, none from us.
    expect(response.errors!.map((e) => [e.path!.join('.'), e.extensions?.serviceName])).toEqual(
      ORDERS.slice(1, 10).map((_, i) => [`orders.${i + 1}.customer.addresses`, undefined]),
    );

    // And the other way round: acme never sees globex's G99 nor its address.
    const asAcme = await viaGateway('{ orders { id customer { firstName } shippingAddress { city } } }');
    expect(asAcme.errors).toBeUndefined();
    expect(asAcme.data!.orders.at(-1)).toEqual({
      id: 'O11',
      customer: { firstName: null },
      shippingAddress: { city: null },
    });
    expect(JSON.stringify(asAcme.data)).not.toMatch(/Globex/);
  });

  it("never returns another company's customer to an own-scope customer token", async () => {
    const own = await customers.token({ customer_id: 'F01', scope: 'customer.customer_read_own' });
    const response = await viaGateway('{ orders { id customer { id firstName } } }', {}, { token: own });
    expect(response.errors).toBeUndefined();
    expect(response.data!.orders).toEqual(
      ORDERS.map((order) => ({
        id: order.id,
        customer: {
          id: order.customerNumber,
          firstName: INITECH_MEMBERS.includes(order.customerNumber) ? `Acme${order.customerNumber}` : null,
        },
      })),
    );
  });

  it('forwards no token when the caller sends none: our part is UNAUTHENTICATED, orders still answer', async () => {
    const response = await viaGateway('{ orders(first: 2) { id customer { firstName } } }', {}, { token: null });
    expect(response.data!.orders).toEqual([
      { id: 'O01', customer: { firstName: null } },
      { id: 'O02', customer: { firstName: null } },
    ]);
    expect(response.errors!.map((e) => [e.extensions!.code, e.extensions!.serviceName, e.path!.join('.')])).toEqual([
      ['UNAUTHENTICATED', 'customers', 'orders.0.customer.firstName'],
      ['UNAUTHENTICATED', 'customers', 'orders.1.customer.firstName'],
    ]);
  });

  it('forwards x-request-id to every subgraph and Authorization only to ours', async () => {
    const seen = orders.received.length;
    const response = await viaGateway(
      '{ orders(first: 1) { id customer { id } } }',
      {},
      { requestId: 'req-gateway-1' },
    );
    expect(response.data!.orders).toEqual([{ id: 'O01', customer: { id: 'F01' } }]);
    const toOrders = orders.received.slice(seen);
    expect(toOrders.length).toBeGreaterThan(0);
    expect(toOrders.map((headers) => headers.get('x-request-id'))).toEqual(toOrders.map(() => 'req-gateway-1'));
    expect(toOrders.some((headers) => headers.has('authorization'))).toBe(false);
  });
});
