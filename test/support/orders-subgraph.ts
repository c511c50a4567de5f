/**
 * A tiny "orders" subgraph for the federation tests: plain graphql-yoga with @apollo/subgraph's
 * buildSubgraphSchema. `Order.customer` and `Order.shippingAddress` reference our entities by id only (stubs with
 * `resolvable: false`), so every customer or address field of an order comes from the customer subgraph.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';

export interface Order {
  id: string;
  customerNumber: string;
  shippingAddressId?: string | undefined;
}

export const ORDERS_TYPE_DEFS = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])

  type Query {
    "The orders, oldest first; the first n when given."
    orders(first: Int): [Order!]!
  }

  type Order @key(fields: "id") {
    id: ID!
    "Null when the customer subgraph does not show this customer to the caller."
    customer: Customer
    shippingAddress: Address
  }

  type Customer @key(fields: "id", resolvable: false) {
    id: ID!
  }

  type Address @key(fields: "id", resolvable: false) {
    id: ID!
  }
`);

export interface OrdersSubgraph {
  url: string;
  /** The headers of every request this subgraph received, in order. */
  received: Headers[];
  close(): Promise<void>;
}

export async function startOrdersSubgraph(orders: readonly Order[]): Promise<OrdersSubgraph> {
  const schema = buildSubgraphSchema({
    typeDefs: ORDERS_TYPE_DEFS,
    resolvers: {
      Query: {
        orders: (_root: unknown, { first }: { first?: number | null }) => orders.slice(0, first ?? orders.length),
      },
      Order: {
        __resolveReference: ({ id }: { id: string }) => orders.find((order) => order.id === id) ?? null,
        customer: (order: Order) => ({ __typename: 'Customer', id: order.customerNumber }),
        shippingAddress: (order: Order) =>
          order.shippingAddressId ? { __typename: 'Address', id: order.shippingAddressId } : null,
      },
    },
  });
  const received: Headers[] = [];
  const yoga = createYoga({
    schema,
    logging: false,
    plugins: [{ onRequest: ({ request }) => void received.push(request.headers) }],
  });
  const server = createServer(yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    received,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
