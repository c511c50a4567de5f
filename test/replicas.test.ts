/**
 * The service as it is deployed on PostgreSQL: several replicas (the compiled service, real processes in production
 * mode, each on a port of its own) over one database, alone and behind the Hive Gateway; races between them on one
 * customer; one of them killed (-9) under a write load; the database stopped and started under a running service;
 * and a graceful stop (SIGTERM) with requests in flight, after which the service holds no connection any more.
 * Every request is real HTTP with a real signed token.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { composeServices, compositionHasErrors } from '@theguild/federation-composition';
import { parse } from 'graphql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seedTenant } from '../src/cli/seed-data.js';
import { openStore } from '../src/store/index.js';
import { createDatabase, type PostgresServer, startPostgres } from './support/postgres.js';
import {
  buildServiceAsync,
  connectionFailure,
  type GraphQLAnswer,
  heldRequest,
  postGraphQL,
  type Replica,
  startReplica,
  status,
  stopAllReplicas,
  tokenFor,
  until,
} from './support/replicas.js';

const ADMIN_URL = inject('postgresAdminUrl');
/** Building dist/ (as npm start does) and starting PostgreSQL can take a while on a busy machine. */
const SETUP_TIMEOUT = 180_000;

const CREATE = /* GraphQL */ `
  mutation Create($input: CustomerCreateInput!) {
    createCustomer(input: $input) { id firstName contactEmail metadata { version } }
  }
`;
const READ = /* GraphQL */ `
  query Read($n: String!) {
    customer(customerNumber: $n) {
      id
      firstName
      contactEmail
      metadata { version }
      defaultAddress { id }
      addresses { id isDefault tags }
    }
  }
`;
const PATCH = /* GraphQL */ `
  mutation Patch($n: String!, $v: Int, $input: CustomerPatchInput!) {
    patchCustomer(customerNumber: $n, expectedVersion: $v, input: $input) { id firstName metadata { version } }
  }
`;
const ADD_ADDRESS = /* GraphQL */ `
  mutation AddAddress($n: String!, $input: AddressInput!) {
    addCustomerAddress(customerNumber: $n, input: $input) { id isDefault tags }
  }
`;
const ADD_TAGS = /* GraphQL */ `
  mutation AddTags($n: String!, $a: ID!, $tags: [String!]!) {
    addCustomerAddressTags(customerNumber: $n, addressId: $a, tags: $tags) { id tags }
  }
`;
const REMOVE_TAGS = /* GraphQL */ `
  mutation RemoveTags($n: String!, $a: ID!, $tags: [String!]!) {
    removeCustomerAddressTags(customerNumber: $n, addressId: $a, tags: $tags) { id tags }
  }
`;
const PAGE = /* GraphQL */ `
  query Page($after: String) {
    customers(first: 200, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { id firstName lastName addresses { id street city zipCode country tags } } }
    }
  }
`;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const address = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  contactName: `Contact ${id}`,
  country: 'DE',
  city: 'Berlin',
  ...extra,
});

/** The answer's data, after checking that it is a success: HTTP 200 and no errors. */
function ok(answer: GraphQLAnswer): Record<string, any> {
  if (answer.status !== 200 || answer.errors || !answer.data) {
    throw new Error(`expected a success, got HTTP ${answer.status}: ${JSON.stringify(answer)}`);
  }
  return answer.data;
}
const succeeded = (answer: GraphQLAnswer) => answer.status === 200 && !answer.errors && !!answer.data;
/** [HTTP status, error codes] of an answer: what a failed one is compared by. */
const outcome = (answer: GraphQLAnswer) => [answer.status, (answer.errors ?? []).map((e) => e.extensions?.code)];

/** PostgreSQL connections to `databaseUrl`'s database, other than the one asking. */
async function connectionsTo(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    const database = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
    const result = await client.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [database],
    );
    return result.rows[0]!.count;
  } finally {
    await client.end();
  }
}

/** Every customer number of the token's tenant, read page by page from `replica`. */
async function allCustomerNumbers(replica: Replica, token: string): Promise<Set<string>> {
  const numbers = new Set<string>();
  let after: string | null = null;
  for (;;) {
    const answer: GraphQLAnswer = await postGraphQL(`${replica.base}/graphql`, token, PAGE, { after });
    const page = ok(answer).customers as {
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
      edges: { node: { id: string } }[];
    };
    for (const edge of page.edges) numbers.add(edge.node.id);
    if (!page.pageInfo.hasNextPage) return numbers;
    after = page.pageInfo.endCursor;
  }
}

// One PostgreSQL of this file's own, which it stops and starts; started while dist/ is built.
let ownPostgres: PostgresServer | undefined;
let ownPostgresStarting: Promise<unknown> | undefined;
let sharedUrl: string;
let a: Replica;
let b: Replica;
let acme: string;
const gatewayServers: Server[] = [];
const gateways: { dispose(): unknown }[] = [];

beforeAll(async () => {
  ownPostgresStarting = startPostgres({ persistent: true }).then((server) => {
    ownPostgres = server;
  });
  await Promise.all([ownPostgresStarting, buildServiceAsync()]);
  sharedUrl = await createDatabase(ADMIN_URL);
  // Started together: both migrate the new database at once (under the store's advisory lock).
  [a, b] = await Promise.all([startReplica('a', sharedUrl), startReplica('b', sharedUrl)]);
  acme = await tokenFor('acme');
}, SETUP_TIMEOUT);

afterAll(async () => {
  for (const server of gatewayServers) server.closeAllConnections();
  await Promise.all(gatewayServers.map((server) => new Promise((resolve) => server.close(resolve))));
  await Promise.all(gateways.map((gateway) => gateway.dispose()));
  await stopAllReplicas();
  await ownPostgresStarting?.catch(() => {});
  await ownPostgres?.destroy();
}, SETUP_TIMEOUT);

const gql = (replica: Replica, query: string, variables: Record<string, unknown> = {}, token = acme) =>
  postGraphQL(`${replica.base}/graphql`, token, query, variables);

describe('several replicas over one PostgreSQL database', () => {
  /** The i-th of a batch of concurrent requests goes to A or B in turn. */
  const spread = (i: number) => (i % 2 === 0 ? a : b);

  it('reads through one replica what was written through the other, both ways', async () => {
    const created = ok(await gql(a, CREATE, { input: { firstName: 'Ada', contactEmail: 'ada@example.com' } }));
    const number = created.createCustomer.id as string;
    // Version 2: the contact email's first account is a change of its own.
    expect(created.createCustomer.metadata.version).toBe(2);
    expect(ok(await gql(b, READ, { n: number })).customer).toMatchObject({
      id: number,
      firstName: 'Ada',
      contactEmail: 'ada@example.com',
      metadata: { version: 2 },
    });

    ok(await gql(b, PATCH, { n: number, v: 2, input: { firstName: 'Ada B' } }));
    ok(await gql(b, ADD_ADDRESS, { n: number, input: address(`${number}-home`) }));
    expect(ok(await gql(a, READ, { n: number })).customer).toMatchObject({
      firstName: 'Ada B',
      metadata: { version: 4 },
      defaultAddress: { id: `${number}-home` },
    });
  });

  it('behind the Hive Gateway: a write through a gateway in front of one replica is read at the other', async () => {
    // Composed from what replica A serves, as a schema registry would; one gateway routes to A, one to B.
    const served = ok(await postGraphQL(`${a.base}/graphql`, null, '{ _service { sdl } }'));
    const gatewayTo = async (replica: Replica) => {
      const composed = composeServices([
        { name: 'customers', typeDefs: parse(served._service.sdl), url: `${replica.base}/graphql` },
      ]);
      if (compositionHasErrors(composed)) throw new Error(composed.errors.map((e) => e.message).join('\n'));
      const gateway = createGatewayRuntime({
        supergraph: composed.supergraphSdl,
        logging: false,
        propagateHeaders: {
          fromClientToSubgraphs: ({ request }) => ({ authorization: request.headers.get('authorization') }),
        },
      });
      gateways.push(gateway);
      const server = createServer(gateway);
      gatewayServers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    };
    const [gatewayA, gatewayB] = await Promise.all([gatewayTo(a), gatewayTo(b)]);

    const created = ok(await postGraphQL(gatewayA, acme, CREATE, { input: { firstName: 'Via gateway A' } }));
    const number = created.createCustomer.id as string;
    expect(ok(await gql(b, READ, { n: number })).customer).toMatchObject({
      id: number,
      firstName: 'Via gateway A',
      metadata: { version: 1 },
    });

    ok(await postGraphQL(gatewayB, acme, PATCH, { n: number, v: 1, input: { firstName: 'Via gateway B' } }));
    ok(await postGraphQL(gatewayB, acme, ADD_ADDRESS, { n: number, input: address(`${number}-gw`) }));
    const expected = {
      id: number,
      firstName: 'Via gateway B',
      metadata: { version: 3 },
      addresses: [{ id: `${number}-gw`, isDefault: true, tags: [] }],
    };
    expect(ok(await gql(a, READ, { n: number })).customer).toMatchObject(expected);
    expect(ok(await postGraphQL(gatewayA, acme, READ, { n: number })).customer).toMatchObject(expected);
  });

  it('30 concurrent patches with one expectedVersion over both: one succeeds, 29 are CONFLICT (409)', async () => {
    const number = ok(await gql(a, CREATE, { input: { firstName: 'Racer' } })).createCustomer.id as string;
    ok(await gql(b, PATCH, { n: number, input: { firstName: 'Racer 2' } }));
    const version = ok(await gql(a, READ, { n: number })).customer.metadata.version as number;
    expect(version).toBe(2);

    const answers = await Promise.all(
      range(30).map((i) => gql(spread(i), PATCH, { n: number, v: version, input: { firstName: `Patch ${i}` } })),
    );
    const winners = answers.filter(succeeded);
    expect(winners).toHaveLength(1);
    expect(winners[0]!.data!.patchCustomer.metadata.version).toBe(version + 1);
    expect(answers.filter((answer) => !succeeded(answer)).map(outcome)).toEqual(
      range(29).map(() => [409, ['CONFLICT']]),
    );

    const winner = winners[0]!.data!.patchCustomer.firstName as string;
    for (const replica of [a, b]) {
      expect(ok(await gql(replica, READ, { n: number })).customer).toMatchObject({
        firstName: winner,
        metadata: { version: version + 1 },
      });
    }
  });

  it('40 concurrent tag additions to one customer over both lose none (20 per address, its limit)', async () => {
    // An address holds at most 20 tags (LIMITS.tagsPerAddress), so the 40 distinct tags go to two addresses of the
    // one customer, whose lock both take: 20 racing on each address, 40 racing on the customer.
    const number = ok(await gql(a, CREATE, { input: {} })).createCustomer.id as string;
    ok(await gql(a, ADD_ADDRESS, { n: number, input: address('TX') }));
    ok(await gql(b, ADD_ADDRESS, { n: number, input: address('TY') }));
    const tagOf = (i: number) => `${i < 20 ? 'x' : 'y'}${i}`;
    const answers = await Promise.all(
      range(40).map((i) => gql(spread(i), ADD_TAGS, { n: number, a: i < 20 ? 'TX' : 'TY', tags: [tagOf(i)] })),
    );
    expect(answers.filter((answer) => !succeeded(answer)).map(outcome)).toEqual([]);

    for (const replica of [a, b]) {
      const customer = ok(await gql(replica, READ, { n: number })).customer;
      const tags = Object.fromEntries(
        (customer.addresses as { id: string; tags: string[] }[]).map((row) => [row.id, [...row.tags].sort()]),
      );
      expect(tags).toEqual({
        TX: range(20).map(tagOf).sort(),
        TY: range(20)
          .map((i) => tagOf(i + 20))
          .sort(),
      });
      // Each change raises the version once: created 1, two addresses, 40 tag changes.
      expect(customer.metadata.version).toBe(43);
    }
  });

  it('the tag limit holds under a race: of 21 concurrent additions to one address, 20 succeed', async () => {
    const number = ok(await gql(a, CREATE, { input: {} })).createCustomer.id as string;
    ok(await gql(a, ADD_ADDRESS, { n: number, input: address('TL') }));
    const answers = await Promise.all(
      range(21).map((i) => gql(spread(i), ADD_TAGS, { n: number, a: 'TL', tags: [`t${i}`] })),
    );
    const added = answers.flatMap((answer, i) => (succeeded(answer) ? [`t${i}`] : []));
    expect(added).toHaveLength(20);
    expect(answers.filter((answer) => !succeeded(answer)).map(outcome)).toEqual([[400, ['BAD_USER_INPUT']]]);
    const [row] = ok(await gql(b, READ, { n: number })).customer.addresses as { tags: string[] }[];
    expect([...row!.tags].sort()).toEqual(added.sort());
  });

  it('concurrent tag removals and additions on one address over both keep everything they should', async () => {
    const keep = range(5).map((i) => `k${i}`);
    const removed = range(10).map((i) => `r${i}`);
    const addedTags = range(5).map((i) => `a${i}`);
    const number = ok(await gql(a, CREATE, { input: {} })).createCustomer.id as string;
    ok(await gql(a, ADD_ADDRESS, { n: number, input: address('TR', { tags: [...keep, ...removed] }) }));

    // 15 tags, 10 removed and 5 added in any order: never more than 20, so every request must succeed.
    const changes = [
      ...removed.map((tag) => ({ query: REMOVE_TAGS, tags: [tag, 'never-there'] })),
      ...addedTags.map((tag) => ({ query: ADD_TAGS, tags: [tag] })),
    ].sort((x, y) => x.tags[0]!.localeCompare(y.tags[0]!));
    const answers = await Promise.all(
      changes.map((change, i) => gql(spread(i), change.query, { n: number, a: 'TR', tags: change.tags })),
    );
    expect(answers.filter((answer) => !succeeded(answer)).map(outcome)).toEqual([]);

    for (const replica of [a, b]) {
      const [row] = ok(await gql(replica, READ, { n: number })).customer.addresses as { tags: string[] }[];
      // The kept tags first, in the order given; the added ones after them, in the order their changes committed.
      expect(row!.tags.slice(0, keep.length)).toEqual(keep);
      expect(row!.tags.slice(keep.length).sort()).toEqual(addedTags);
    }
  });

  it('concurrent new default addresses over both: exactly one default afterwards', async () => {
    const number = ok(await gql(a, CREATE, { input: {} })).createCustomer.id as string;
    ok(await gql(a, ADD_ADDRESS, { n: number, input: address('D-first') }));
    const answers = await Promise.all(
      range(20).map((i) => gql(spread(i), ADD_ADDRESS, { n: number, input: address(`D${i}`, { isDefault: true }) })),
    );
    expect(answers.filter((answer) => !succeeded(answer)).map(outcome)).toEqual([]);

    const defaults = new Set<string>();
    for (const replica of [a, b]) {
      const customer = ok(await gql(replica, READ, { n: number })).customer;
      const rows = customer.addresses as { id: string; isDefault: boolean }[];
      expect(rows).toHaveLength(21);
      const defaultRows = rows.filter((row) => row.isDefault);
      expect(defaultRows).toHaveLength(1);
      expect(customer.defaultAddress).toEqual({ id: defaultRows[0]!.id });
      // Addresses come default first.
      expect(rows[0]!.id).toBe(defaultRows[0]!.id);
      expect(defaultRows[0]!.id).toMatch(/^D\d+$/);
      defaults.add(defaultRows[0]!.id);
    }
    expect(defaults.size).toBe(1);
  });

  it('concurrent creates with one custom customer number over both: one succeeds, the others CONFLICT', async () => {
    const answers = await Promise.all(
      range(20).map((i) => gql(spread(i), CREATE, { input: { id: 'SAME-NUMBER-1', firstName: `Twin ${i}` } })),
    );
    const winners = answers.filter(succeeded);
    expect(winners).toHaveLength(1);
    expect(answers.filter((answer) => !succeeded(answer)).map(outcome)).toEqual(
      range(19).map(() => [409, ['CONFLICT']]),
    );
    const winner = winners[0]!.data!.createCustomer;
    expect(winner.id).toBe('SAME-NUMBER-1');
    for (const replica of [a, b]) {
      expect(ok(await gql(replica, READ, { n: 'SAME-NUMBER-1' })).customer).toMatchObject({
        firstName: winner.firstName,
        metadata: { version: 1 },
      });
    }
  });

  it('concurrent creates with one contact email in different letter case: one succeeds, the others CONFLICT', async () => {
    const base = 'racing.mailbox@example.com';
    // 20 spellings of one address: all in lower case, or the i-th of its letters in upper case.
    const letters = range(base.length).filter((i) => /[a-z]/.test(base[i]!));
    const spellings = range(20).map((i) => {
      if (i === 0) return base;
      const at = letters[i - 1]!;
      return `${base.slice(0, at)}${base[at]!.toUpperCase()}${base.slice(at + 1)}`;
    });
    expect(new Set(spellings).size).toBe(20);
    const answers = await Promise.all(
      spellings.map((email, i) => gql(spread(i), CREATE, { input: { contactEmail: email } })),
    );
    const winners = answers.filter(succeeded);
    expect(winners).toHaveLength(1);
    expect(answers.filter((answer) => !succeeded(answer)).map(outcome)).toEqual(
      range(19).map(() => [409, ['CONFLICT']]),
    );
    const count = /* GraphQL */ `
      query Count($email: String!) { customers(filter: { contactEmail: $email }) { totalCount } }
    `;
    for (const replica of [a, b]) {
      expect(ok(await gql(replica, count, { email: base.toUpperCase() })).customers.totalCount).toBe(1);
    }
  });

  it('kill -9 of one replica under a write load over both: the other answers on, no acknowledged write is lost', async () => {
    const token = await tokenFor('killtest');
    const victim = await startReplica('victim', sharedUrl);
    const survivor = a;
    const acknowledged: { number: string; by: string; afterKill: boolean }[] = [];
    /** Anything but a success from the survivor, and anything but a success or a connection failure from the victim. */
    const unexpected: string[] = [];
    const victimConnectionFailures: string[] = [];
    let killed = false;
    let stop = false;

    const client = async (id: number) => {
      for (let i = id; !stop; i++) {
        const target = i % 2 === 0 ? survivor : victim;
        const afterKill = killed;
        try {
          const answer = await postGraphQL(`${target.base}/graphql`, token, CREATE, {
            input: { firstName: `Load ${id}.${i}` },
          });
          if (succeeded(answer)) {
            acknowledged.push({ number: answer.data!.createCustomer.id, by: target.name, afterKill });
          } else {
            unexpected.push(`${target.name}: HTTP ${answer.status} ${JSON.stringify(answer.errors)}`);
          }
        } catch (error) {
          const how = target === victim ? connectionFailure(error) : undefined;
          if (how) victimConnectionFailures.push(how);
          else unexpected.push(`${target.name}: ${String(error)} ${String((error as Error).cause ?? '')}`);
        }
      }
    };
    const clients = range(6).map(client);
    try {
      const by = (name: string, afterKill?: boolean) =>
        acknowledged.filter((ack) => ack.by === name && (afterKill === undefined || ack.afterKill === afterKill))
          .length;
      await until('both replicas acknowledge writes', 20_000, () => by('victim') >= 20 && by('a') >= 20);
      victim.child.kill('SIGKILL');
      killed = true;
      expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' });
      await until('the survivor acknowledges writes after the kill', 20_000, () => by('a', true) >= 40);
    } finally {
      stop = true;
      await Promise.all(clients);
    }

    expect(unexpected).toEqual([]);
    // The load went on at the killed replica, and every request there after its death failed to connect.
    expect(victimConnectionFailures.length).toBeGreaterThan(0);
    expect(acknowledged.filter((ack) => ack.by === 'victim' && ack.afterKill)).toEqual([]);

    for (const reader of [survivor, b]) {
      const numbers = await allCustomerNumbers(reader, token);
      expect(acknowledged.filter((ack) => !numbers.has(ack.number))).toEqual([]);
    }
  });
});

describe('the database down and back', () => {
  let url: string;
  let replica: Replica;
  let token: string;

  beforeAll(async () => {
    url = await ownPostgres!.createDatabase();
    replica = await startReplica('own-db', url);
    token = await tokenFor('downtest');
  }, SETUP_TIMEOUT);

  it('answers 503 SERVICE_UNAVAILABLE fast while PostgreSQL is stopped, and serves again once it is back', async () => {
    const pid = replica.child.pid;
    const number = ok(await gql(replica, CREATE, { input: { firstName: 'Before' } }, token)).createCustomer
      .id as string;

    await ownPostgres!.stop();
    await until('/ready answers 503', 10_000, async () => (await status(`${replica.base}/ready`)) === 503);
    // More requests at once than the pool has connections: each must fail fast (8 s at most, or no answer counts
    // as a failure), none may hang or be masked.
    const down = await Promise.all([
      ...range(12).map(() => postGraphQL(`${replica.base}/graphql`, token, READ, { n: number }, 8000)),
      postGraphQL(`${replica.base}/graphql`, token, PATCH, { n: number, input: { firstName: 'During' } }, 8000),
      postGraphQL(`${replica.base}/graphql`, token, CREATE, { input: { firstName: 'During' } }, 8000),
    ]);
    expect(down.map(outcome)).toEqual(down.map(() => [503, ['SERVICE_UNAVAILABLE']]));
    expect((await fetch(`${replica.base}/health`)).status).toBe(200);
    expect(replica.hasExited()).toBe(false);

    await ownPostgres!.start();
    await until('/ready answers 200 again', 20_000, async () => (await status(`${replica.base}/ready`)) === 200);
    expect(ok(await gql(replica, READ, { n: number }, token)).customer).toMatchObject({
      firstName: 'Before',
      metadata: { version: 1 },
    });
    expect(
      ok(await gql(replica, PATCH, { n: number, v: 1, input: { firstName: 'After' } }, token)).patchCustomer,
    ).toMatchObject({ firstName: 'After', metadata: { version: 2 } });
    const created = ok(await gql(replica, CREATE, { input: { firstName: 'New' } }, token)).createCustomer;
    expect(ok(await gql(replica, READ, { n: created.id }, token)).customer.firstName).toBe('New');

    // The same process all along: it neither crashed nor was restarted.
    expect(replica.hasExited()).toBe(false);
    expect(replica.child.pid).toBe(pid);
    expect(replica.stderr()).toBe('');
  });
});

describe('graceful shutdown', () => {
  let url: string;
  let replica: Replica;
  let token: string;

  beforeAll(async () => {
    url = await createDatabase(ADMIN_URL);
    const store = await openStore(url);
    try {
      await seedTenant(store, { tenant: 'shutdown', customers: 200, addresses: 2, accounts: 1, seed: 5 });
    } finally {
      await store.close();
    }
    replica = await startReplica('graceful', url);
    token = await tokenFor('shutdown');
  }, SETUP_TIMEOUT);

  it('SIGTERM with requests in flight: they complete with 200, the process exits 0, no connection is left', async () => {
    const page = (answer: GraphQLAnswer) => ok(answer).customers.edges as { node: { addresses: unknown[] } }[];
    const warm = page(await gql(replica, PAGE, {}, token));
    expect(warm).toHaveLength(200);
    expect(warm.every((edge) => edge.node.addresses.length === 2)).toBe(true);
    // The replica holds connections to its database now, so that none afterwards means its pool was closed.
    expect(await connectionsTo(url)).toBeGreaterThan(0);

    // Four pages of 200 customers with their addresses, each in flight at the replica (it has read the request's
    // headers and answered 100 Continue) with its body still to come when the signal arrives.
    const inFlight = range(4).map(() => heldRequest(replica.base, token, PAGE));
    await Promise.all(inFlight.map((request) => request.accepted));
    replica.child.kill('SIGTERM');
    await replica.waitFor(/"shutting down"/);
    await until(
      'the replica refuses new connections',
      5000,
      async () => (await status(`${replica.base}/health`, 1000)) === undefined,
    );
    for (const request of inFlight) request.send();

    const answers = await Promise.all(inFlight.map((request) => request.response));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.connection).toBe('close');
      expect(page(answer.body)).toEqual(warm);
    }
    expect(await replica.exited).toEqual({ code: 0, signal: null });
    expect(replica.stdout()).toContain('"stopped"');
    expect(replica.stderr()).toBe('');
    await until(
      'PostgreSQL shows no connection of the stopped replica',
      5000,
      async () => (await connectionsTo(url)) === 0,
    );
  });
});
