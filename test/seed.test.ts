/**
 * `npm run seed`: the data it writes is what the domain would have written, reads back through the real server,
 * passes the domain's validation, is found by search, and is the same for the same seed.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seedTenant, type SeedSummary } from '../src/cli/seed-data.js';
import { parseAddressInput, parseCustomerCreate } from '../src/domain/validation.js';
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite/db.js';
import { startTestServer, type GraphQLResponse, type TestServer } from './helpers.js';
import { createDatabase } from './support/postgres.js';

const CUSTOMERS = 120;
const dir = mkdtempSync(join(tmpdir(), 'customer-graph-seed-'));
const databasePath = join(dir, 'seeded.db');

let server: TestServer;
let summary: SeedSummary;
let customers: SeededCustomer[];

interface SeededCustomer {
  customerNumber: string;
  title: string | null;
  firstName: string | null;
  middleName: string | null;
  lastName: string | null;
  contactEmail: string | null;
  contactPhone: string | null;
  company: string | null;
  preferredLanguage: string;
  preferredCurrency: string;
  preferredSite: string;
  active: boolean;
  onHold: boolean;
  mixins: Record<string, unknown> | null;
  businessModel: 'B2B' | 'B2C';
  b2b: {
    companyRegistrationId: string | null;
    legalEntities: { id: string; name: string | null; contactAssignmentId: string | null }[];
  } | null;
  metadata: { version: number; createdAt: string; modifiedAt: string };
  addresses: (Record<string, unknown> & { id: string; isDefault: boolean; tags: string[] })[];
  defaultAddress: { id: string } | null;
  accounts: { id: string; email: string; createdAt: string }[];
}

const ADDRESS_FIELDS = `id contactName companyName street streetNumber streetAppendix extraLine1 extraLine2 extraLine3
  extraLine4 zipCode city country state contactPhone tags isDefault`;
const CUSTOMER_FIELDS = `customerNumber title firstName middleName lastName contactEmail contactPhone company
  preferredLanguage preferredCurrency preferredSite active onHold mixins businessModel
  b2b { companyRegistrationId legalEntities { id name contactAssignmentId } }
  metadata { version createdAt modifiedAt }
  addresses { ${ADDRESS_FIELDS} } defaultAddress { id } accounts { id email createdAt }`;

/** Every customer the token's tenant sees, page by page. */
async function readAll(token?: string, from: TestServer = server): Promise<SeededCustomer[]> {
  const all: SeededCustomer[] = [];
  let after: string | null = null;
  for (;;) {
    const page: GraphQLResponse = await from.gql(
      `query($after: String) { customers(first: 50, after: $after) {
        edges { node { ${CUSTOMER_FIELDS} } } pageInfo { hasNextPage endCursor } } }`,
      { after },
      token ? { token } : {},
    );
    expect(page.errors).toBeUndefined();
    const connection: { edges: { node: SeededCustomer }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } =
      page.data!.customers;
    all.push(...connection.edges.map((edge) => edge.node));
    if (!connection.pageInfo.hasNextPage) return all;
    after = connection.pageInfo.endCursor;
  }
}

/** The rows of the seeded tables in insertion order, without the tenant-independent pks. */
function dump(store: SqliteStore): unknown {
  const rows = (table: string) => store.connections[0]!.prepare(`SELECT * FROM ${table} ORDER BY pk`).all();
  return ['customers', 'addresses', 'accounts', 'legal_entities', 'customer_legal_entities'].map(rows);
}

beforeAll(async () => {
  const store = openSqliteStore(databasePath);
  // Small batches, so that several transactions and the lookups across them are exercised.
  summary = await seedTenant(store, { tenant: 'acme', customers: CUSTOMERS, seed: 7, batchSize: 50 });
  await store.close();
  server = await startTestServer({ DATABASE_URL: `file:${databasePath}` });
  customers = await readAll();
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run seed', () => {
  it('writes the customers it reports, with two addresses and one account each by default', async () => {
    expect(summary).toMatchObject({
      tenant: 'acme',
      customers: CUSTOMERS,
      addresses: 2 * CUSTOMERS,
      accounts: CUSTOMERS,
    });
    expect(customers).toHaveLength(CUSTOMERS);
    const counted = await server.gql('{ customers(first: 1) { totalCount } }');
    expect(counted.data!.customers.totalCount).toBe(CUSTOMERS);
    for (const customer of customers) {
      expect(customer.addresses).toHaveLength(2);
      expect(customer.accounts).toHaveLength(1);
      expect(customer.accounts[0]!.email).toBe(customer.contactEmail);
      expect(customer.customerNumber).toMatch(/^\d{8}$/);
    }
  });

  it('gives every customer exactly one default address, listed first', () => {
    for (const customer of customers) {
      expect(customer.addresses.filter((address) => address.isDefault)).toHaveLength(1);
      expect(customer.addresses[0]!.isDefault).toBe(true);
      expect(customer.defaultAddress).toEqual({ id: customer.addresses[0]!.id });
    }
  });

  it('sets versions and timestamps as create, addCustomerAddress and the first account would', () => {
    for (const customer of customers) {
      // 1 on create, +1 for the account made from contactEmail, +1 for each of the two addresses.
      expect(customer.metadata.version).toBe(4);
      expect(Date.parse(customer.metadata.modifiedAt)).toBeGreaterThan(Date.parse(customer.metadata.createdAt));
      expect(customer.accounts[0]!.createdAt).toBe(customer.metadata.createdAt);
    }
    const created = customers.map((customer) => Date.parse(customer.metadata.createdAt));
    expect(created).toEqual([...created].sort((a, b) => a - b));
  });

  it('puts a share of the customers into legal entities of a few members each', () => {
    const b2b = customers.filter((customer) => customer.businessModel === 'B2B');
    expect(b2b).toHaveLength(summary.b2bCustomers);
    expect(b2b.length).toBeGreaterThan(CUSTOMERS * 0.15);
    expect(b2b.length).toBeLessThan(CUSTOMERS * 0.45);
    const members = new Map<string, SeededCustomer[]>();
    for (const customer of b2b) {
      expect(customer.b2b!.legalEntities).toHaveLength(1);
      const entity = customer.b2b!.legalEntities[0]!;
      expect(entity.contactAssignmentId).toMatch(/^A\d{12}$/);
      expect(customer.company).toBe(entity.name);
      members.set(entity.id, [...(members.get(entity.id) ?? []), customer]);
    }
    expect(members.size).toBe(summary.legalEntities);
    for (const group of members.values()) {
      expect(group.length).toBeLessThanOrEqual(6);
      // The members were assigned through the same registration id.
      expect(new Set(group.map((customer) => customer.b2b!.companyRegistrationId)).size).toBe(1);
    }
    expect(b2b.length / members.size).toBeGreaterThan(1.5);
    for (const customer of customers.filter((c) => c.businessModel === 'B2C')) expect(customer.b2b).toBeNull();
  });

  it('writes data that passes the domain validation unchanged', () => {
    for (const customer of customers) {
      const input = {
        title: customer.title,
        firstName: customer.firstName,
        middleName: customer.middleName,
        lastName: customer.lastName,
        contactEmail: customer.contactEmail,
        contactPhone: customer.contactPhone,
        company: customer.company,
        preferredLanguage: customer.preferredLanguage,
        preferredCurrency: customer.preferredCurrency,
        preferredSite: customer.preferredSite,
        active: customer.active,
        onHold: customer.onHold,
        mixins: customer.mixins,
        b2b: customer.b2b ? { companyRegistrationId: customer.b2b.companyRegistrationId } : null,
      };
      expect(parseCustomerCreate(input)).toEqual(input);
      for (const { isDefault, ...address } of customer.addresses) {
        expect(parseAddressInput(address)).toEqual(address);
      }
    }
  });

  it('varies names, languages and currencies, and never repeats an email', () => {
    const distinct = (values: unknown[]) => new Set(values).size;
    expect(distinct(customers.map((c) => c.lastName))).toBeGreaterThan(CUSTOMERS * 0.6);
    expect(distinct(customers.map((c) => c.preferredLanguage))).toBeGreaterThan(5);
    expect(distinct(customers.map((c) => c.preferredCurrency))).toBeGreaterThan(3);
    expect(distinct(customers.map((c) => c.contactEmail!.toLowerCase()))).toBe(CUSTOMERS);
  });

  it('keeps the search index in sync: search finds seeded names and emails', async () => {
    // One index row per customer, at its tenant's number and its pk; and FTS5's own check of the index.
    const sqlite = (server.service.store as SqliteStore).connections[0]!;
    const expected = 'SELECT (t.no << 40) | c.pk FROM customers c JOIN search_tenants t ON t.tenant = c.tenant';
    const count = (sql: string) => sqlite.prepare(`SELECT count(*) FROM (${sql})`).pluck().get();
    expect(count(`SELECT rowid FROM customers_search EXCEPT ${expected}`)).toBe(0);
    expect(count(`${expected} EXCEPT SELECT rowid FROM customers_search`)).toBe(0);
    expect(count('SELECT rowid FROM customers_search')).toBe(CUSTOMERS);
    expect(() =>
      sqlite.exec(`INSERT INTO customers_search(customers_search, rank) VALUES ('integrity-check', 1)`),
    ).not.toThrow();
    // The bulk load ends by merging the index into one segment, which each search then reads alone.
    expect(sqlite.prepare('SELECT count(DISTINCT segid) FROM customers_search_idx').pluck().get()).toBe(1);
    for (const customer of customers.slice(0, 10)) {
      for (const search of [customer.lastName!, customer.contactEmail!.toUpperCase()]) {
        const found = await server.gql(
          `query($search: String!) { customers(first: 200, filter: { search: $search }, orderBy: [{ field: LAST_NAME }]) {
            edges { node { customerNumber } } } }`,
          { search },
        );
        expect(found.errors).toBeUndefined();
        const numbers = found.data!.customers.edges.map(
          (edge: { node: { customerNumber: string } }) => edge.node.customerNumber,
        );
        expect(numbers).toContain(customer.customerNumber);
      }
    }
  });

  it('gives the same rows for the same seed, and new keys when seeding a tenant again', async () => {
    const [first, second] = [join(dir, 'a.db'), join(dir, 'b.db')].map((path) => openSqliteStore(path));
    try {
      await seedTenant(first!, { tenant: 'acme', customers: 30, seed: 3 });
      await seedTenant(second!, { tenant: 'acme', customers: 30, seed: 3 });
      expect(dump(first!)).toEqual(dump(second!));
      // Same seed again over the same tenant: the unique keys (numbers, emails, ids) must all be new.
      const again = await seedTenant(first!, { tenant: 'acme', customers: 30, seed: 3 });
      expect(again.customers).toBe(30);
      expect(first!.connections[0]!.prepare('SELECT count(*) FROM customers').pluck().get()).toBe(60);
      expect(
        first!.connections[0]!.prepare('SELECT count(DISTINCT lower(contact_email)) FROM customers').pluck().get(),
      ).toBe(60);
    } finally {
      first!.close();
      second!.close();
    }
  });

  it('runs as a command, into a tenant of its own', { timeout: 90_000 }, async () => {
    const run = promisify(execFile);
    const seed = (...args: string[]) =>
      run(process.execPath, ['--import', 'tsx', 'src/cli/seed.ts', '--database', databasePath, ...args]);
    const { stdout } = await seed('--tenant', 'beta', '--customers', '25', '--addresses', '1');
    expect(stdout).toMatch(/^Seeded tenant beta in .*: 25 customers .*, 25 addresses, 25 accounts in [\d.]+ s/);
    await expect(seed('--tenant', 'Not A Tenant')).rejects.toMatchObject({ code: 2 });

    // Another tenant's customers stay invisible to acme.
    const acme = await server.gql('{ customers(first: 1) { totalCount } }');
    expect(acme.data!.customers.totalCount).toBe(CUSTOMERS);
    const beta = await readAll(await server.token({ tenant: 'beta' }));
    expect(beta).toHaveLength(25);
    expect(beta.every((customer) => customer.addresses.length === 1 && customer.metadata.version === 3)).toBe(true);
  });

  it('seeds PostgreSQL the same way, from a URL, without printing its password', { timeout: 90_000 }, async () => {
    const url = await createDatabase(inject('postgresAdminUrl'));
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, [
      '--import',
      'tsx',
      'src/cli/seed.ts',
      '--database',
      url,
      '--tenant',
      'acme',
      '--customers',
      String(CUSTOMERS),
      '--seed',
      '7',
      '--json',
    ]);
    const printed = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(printed).toMatchObject({ tenant: 'acme', customers: CUSTOMERS, addresses: 2 * CUSTOMERS });
    expect(printed.database).not.toContain(new URL(url).password);
    const onPostgres = await startTestServer({ DATABASE_URL: url });
    try {
      const seeded = await readAll(undefined, onPostgres);
      // The same seed writes the same customers into either store.
      expect(seeded).toEqual(customers);
    } finally {
      await onPostgres.close();
    }
  });
});
