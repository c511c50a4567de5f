/**
 * The baseline: the fastest thing that could serve Q1 and Q2 on the same stack, a hand-written node:http handler
 * running prepared statements: better-sqlite3's on the SQLite file, or node-postgres's named (prepared once per
 * connection) ones on PostgreSQL, over a pool as large as the service's. It takes the same requests as the service
 * (POST /graphql with the same body and bearer token) and does per request what the service must do, no more:
 * looks the bearer token up among the verified ones it remembers, as src/auth/tokens.ts does (keyed by the token,
 * until its exp, at most 10,000 tokens, the oldest forgotten first; a token not remembered is verified with jose,
 * HS256, exp required), checks its read scope, runs the statements and answers with the same JSON, byte for
 * byte. It understands nothing but the two operations of scenarios.ts, chosen by operationName. The benchmark
 * checks the sameness before it measures.
 *
 * Both stores run the same statements (the same columns, conditions and order) and the same row-to-JSON code:
 * PostgreSQL hands its rows over in SQLite's shapes (booleans as 0/1, JSON columns as text, bigints as numbers), so
 * the baseline parses the JSON columns on both. Q1's three child statements and Q2's two go out together on
 * PostgreSQL (over the pool), as the service's DataLoaders send them; on SQLite they run one after the other, as
 * they must (better-sqlite3 is synchronous).
 *
 * Env: DATABASE_URL (file:PATH, PATH, or a postgres:// URL), PORT, AUTH_JWT_SECRET, DATABASE_POOL_SIZE (PostgreSQL,
 * default 10).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { jwtVerify } from 'jose';
import { PERMISSIONS } from '../src/auth/scopes.js';
import type { QueryResultRow } from 'pg';

interface CustomerRow {
  pk: number;
  customer_number: string;
  title: string | null;
  first_name: string | null;
  middle_name: string | null;
  last_name: string | null;
  contact_email: string | null;
  contact_phone: string | null;
  company: string | null;
  preferred_language: string;
  preferred_currency: string;
  preferred_site: string;
  active: number;
  on_hold: number;
  company_registration_id: string | null;
  mixins: string | null;
  version: number;
  created_at: number;
  modified_at: number;
}
interface AddressRow {
  customer_pk: number;
  id: string;
  contact_name: string;
  company_name: string | null;
  street: string | null;
  street_number: string | null;
  zip_code: string | null;
  city: string | null;
  state: string | null;
  country: string;
  contact_phone: string | null;
  tags: string;
  is_default: number;
}
interface AccountRow {
  customer_pk: number;
  id: string;
  email: string;
  provider_id: string | null;
  created_at: number;
}
interface MembershipRow {
  assignment_id: string;
  id: string;
  name: string | null;
}

/** The rows behind Q1 and Q2, fetched by prepared statements of one store. */
interface Backend {
  q1Rows(tenant: string, customerNumber: string): Promise<Q1Rows | undefined> | Q1Rows | undefined;
  q2Rows(tenant: string, first: number, after: [number, string] | undefined): Promise<Q2Rows> | Q2Rows;
  close(): Promise<void> | void;
}
interface Q1Rows {
  customer: CustomerRow;
  addresses: AddressRow[];
  accounts: AccountRow[];
  memberships: MembershipRow[];
}
interface Q2Rows {
  /** Up to first + 1 customers: the one beyond the page tells whether there is a next page. */
  rows: CustomerRow[];
  /** The page's addresses and accounts, in the order of their customers. */
  addresses: AddressRow[];
  accounts: AccountRow[];
}

const url = process.env.DATABASE_URL ?? '';
const secret = new TextEncoder().encode(process.env.AUTH_JWT_SECRET ?? '');
const backend = /^postgres(ql)?:\/\//i.test(url)
  ? await postgresBackend(url, Number(process.env.DATABASE_POOL_SIZE ?? 10))
  : await sqliteBackend(url.replace(/^file:/, ''));

async function sqliteBackend(path: string): Promise<Backend> {
  const { default: Database } = await import('better-sqlite3');
  const { MMAP_BYTES } = await import('../src/store/sqlite/db.js');
  const db = new Database(path, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  // As the service reads (src/store/sqlite/db.ts).
  db.pragma(`mmap_size = ${MMAP_BYTES}`);

  const customerByNumber = db.prepare<[string, string], CustomerRow>(
    'SELECT * FROM customers WHERE tenant = ? AND customer_number = ?',
  );
  // The service's default order: CREATED_AT ASC, ties broken by the customer number.
  const firstPage = db.prepare<[string, number], CustomerRow>(
    'SELECT * FROM customers WHERE tenant = ? ORDER BY created_at, customer_number LIMIT ?',
  );
  const pageAfter = db.prepare<[string, number, string, number], CustomerRow>(
    `SELECT * FROM customers WHERE tenant = ? AND (created_at, customer_number) > (?, ?)
     ORDER BY created_at, customer_number LIMIT ?`,
  );
  const addressesOf = db.prepare<[string, number], AddressRow>(
    'SELECT * FROM addresses WHERE tenant = ? AND customer_pk = ? ORDER BY is_default DESC, created_at, pk',
  );
  const accountsOf = db.prepare<[string, number], AccountRow>(
    'SELECT * FROM accounts WHERE tenant = ? AND customer_pk = ? ORDER BY created_at, pk',
  );
  const membershipsOf = db.prepare<[string, number], MembershipRow>(
    `SELECT m.id AS assignment_id, e.id, e.name FROM customer_legal_entities m
     JOIN legal_entities e ON e.pk = m.legal_entity_pk
     WHERE m.tenant = ? AND m.customer_pk = ? ORDER BY m.created_at, m.pk`,
  );
  // A page's addresses and accounts: one statement each for all its customers. The unary plus keeps the planner
  // (which has no statistics) from walking the tenant's whole (tenant, id) index instead of the customer index.
  const addressesOfMany = db.prepare<[string, string], AddressRow>(
    `SELECT * FROM addresses WHERE +tenant = ? AND customer_pk IN (SELECT value FROM json_each(?))
     ORDER BY customer_pk, is_default DESC, created_at, pk`,
  );
  const accountsOfMany = db.prepare<[string, string], AccountRow>(
    `SELECT * FROM accounts WHERE +tenant = ? AND customer_pk IN (SELECT value FROM json_each(?))
     ORDER BY customer_pk, created_at, pk`,
  );
  return {
    q1Rows(tenant, customerNumber) {
      const customer = customerByNumber.get(tenant, customerNumber);
      if (!customer) return undefined;
      return {
        customer,
        addresses: addressesOf.all(tenant, customer.pk),
        accounts: accountsOf.all(tenant, customer.pk),
        memberships: membershipsOf.all(tenant, customer.pk),
      };
    },
    q2Rows(tenant, first, after) {
      const rows = after ? pageAfter.all(tenant, ...after, first + 1) : firstPage.all(tenant, first + 1);
      const pks = JSON.stringify(rows.slice(0, first).map((c) => c.pk));
      return { rows, addresses: addressesOfMany.all(tenant, pks), accounts: accountsOfMany.all(tenant, pks) };
    },
    close() {
      db.close();
    },
  };
}

async function postgresBackend(connectionString: string, max: number): Promise<Backend> {
  const { default: pg } = await import('pg');
  // bigint (int8) columns as numbers, as SQLite gives them: pks and epoch milliseconds are far below 2^53. (This
  // process is the baseline alone, so the parser may be set for all of it.)
  pg.types.setTypeParser(pg.types.builtins.INT8, Number);
  const pool = new pg.Pool({ connectionString, max });
  pool.on('error', () => {});
  await pool.query('SELECT 1');
  // The columns in SQLite's shapes: booleans as 0/1, JSON as its text (parsed here, as on SQLite).
  const customer = `pk, customer_number, title, first_name, middle_name, last_name, contact_email, contact_phone, company,
    preferred_language, preferred_currency, preferred_site, active::int AS active, on_hold::int AS on_hold,
    company_registration_id, mixins::text AS mixins, version, created_at, modified_at`;
  const address = `customer_pk, id, contact_name, company_name, street, street_number, zip_code, city, state, country,
    contact_phone, tags::text AS tags, is_default::int AS is_default`;
  const account = 'customer_pk, id, email, provider_id, created_at';
  /** A named statement: parsed and planned once per connection, then only executed. */
  const run = async <R extends QueryResultRow>(name: string, text: string, values: unknown[]) =>
    (await pool.query<R>({ name, text, values })).rows;
  return {
    async q1Rows(tenant, customerNumber) {
      const [c] = await run<CustomerRow>(
        'q1_customer',
        `SELECT ${customer} FROM customers WHERE tenant = $1 AND customer_number = $2`,
        [tenant, customerNumber],
      );
      if (!c) return undefined;
      const [addresses, accounts, memberships] = await Promise.all([
        run<AddressRow>(
          'q1_addresses',
          `SELECT ${address} FROM addresses WHERE tenant = $1 AND customer_pk = $2 ORDER BY is_default DESC, created_at, pk`,
          [tenant, c.pk],
        ),
        run<AccountRow>(
          'q1_accounts',
          `SELECT ${account} FROM accounts WHERE tenant = $1 AND customer_pk = $2 ORDER BY created_at, pk`,
          [tenant, c.pk],
        ),
        run<MembershipRow>(
          'q1_memberships',
          `SELECT m.id AS assignment_id, e.id, e.name FROM customer_legal_entities m
           JOIN legal_entities e ON e.pk = m.legal_entity_pk
           WHERE m.tenant = $1 AND m.customer_pk = $2 ORDER BY m.created_at, m.pk`,
          [tenant, c.pk],
        ),
      ]);
      return { customer: c, addresses, accounts, memberships };
    },
    async q2Rows(tenant, first, after) {
      // customer_number's collation is "C": byte order, as SQLite compares it.
      const rows = after
        ? await run<CustomerRow>(
            'q2_page_after',
            `SELECT ${customer} FROM customers WHERE tenant = $1 AND (created_at, customer_number) > ($2, $3)
             ORDER BY created_at, customer_number LIMIT $4`,
            [tenant, ...after, first + 1],
          )
        : await run<CustomerRow>(
            'q2_first_page',
            `SELECT ${customer} FROM customers WHERE tenant = $1 ORDER BY created_at, customer_number LIMIT $2`,
            [tenant, first + 1],
          );
      const pks = rows.slice(0, first).map((c) => c.pk);
      const [addresses, accounts] = await Promise.all([
        run<AddressRow>(
          'q2_addresses',
          `SELECT ${address} FROM addresses WHERE tenant = $1 AND customer_pk = ANY($2::bigint[])
           ORDER BY customer_pk, is_default DESC, created_at, pk`,
          [tenant, pks],
        ),
        run<AccountRow>(
          'q2_accounts',
          `SELECT ${account} FROM accounts WHERE tenant = $1 AND customer_pk = ANY($2::bigint[])
           ORDER BY customer_pk, created_at, pk`,
          [tenant, pks],
        ),
      ]);
      return { rows, addresses, accounts };
    },
    close: () => pool.end(),
  };
}

const iso = (epochMs: number) => new Date(epochMs).toISOString();

function groupByCustomer<R extends { customer_pk: number }>(rows: R[]): Map<number, R[]> {
  const groups = new Map<number, R[]>();
  for (const row of rows) {
    const group = groups.get(row.customer_pk);
    if (group) group.push(row);
    else groups.set(row.customer_pk, [row]);
  }
  return groups;
}

/** Q1: one customer by number, with addresses, accounts and legal entities (field order as in scenarios.ts). */
function q1(found: Q1Rows | undefined) {
  if (!found) return { customer: null };
  const { customer: c, addresses, accounts, memberships } = found;
  return {
    customer: {
      id: c.customer_number,
      customerNumber: c.customer_number,
      title: c.title,
      firstName: c.first_name,
      middleName: c.middle_name,
      lastName: c.last_name,
      contactEmail: c.contact_email,
      contactPhone: c.contact_phone,
      company: c.company,
      preferredLanguage: c.preferred_language,
      preferredCurrency: c.preferred_currency,
      preferredSite: c.preferred_site,
      active: c.active === 1,
      onHold: c.on_hold === 1,
      businessModel: memberships.length > 0 ? 'B2B' : 'B2C',
      mixins: c.mixins === null ? null : JSON.parse(c.mixins),
      metadata: { version: c.version, createdAt: iso(c.created_at), modifiedAt: iso(c.modified_at) },
      b2b:
        c.company_registration_id || memberships.length > 0
          ? {
              companyRegistrationId: c.company_registration_id,
              legalEntities: memberships.map((m) => ({ id: m.id, name: m.name, contactAssignmentId: m.assignment_id })),
            }
          : null,
      addresses: addresses.map((a) => ({
        id: a.id,
        contactName: a.contact_name,
        companyName: a.company_name,
        street: a.street,
        streetNumber: a.street_number,
        zipCode: a.zip_code,
        city: a.city,
        state: a.state,
        country: a.country,
        contactPhone: a.contact_phone,
        tags: JSON.parse(a.tags) as string[],
        isDefault: a.is_default === 1,
      })),
      accounts: accounts.map((a) => ({
        id: a.id,
        email: a.email,
        providerId: a.provider_id,
        createdAt: iso(a.created_at),
      })),
    },
  };
}

/** The service's cursor for the default order: the order's signature and the row's values under it. */
const cursorOf = (c: CustomerRow) =>
  Buffer.from(JSON.stringify({ o: 'CREATED_AT:ASC', k: [c.created_at, c.customer_number] })).toString('base64url');

function positionOf(cursor: string): [number, string] {
  const { k } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k: [number, string] };
  return k;
}

/** Q2 (and Q4 with `after`): a page of customers in the default order, with addresses and accounts. */
function q2(first: number, found: Q2Rows) {
  const { rows } = found;
  const page = rows.slice(0, first);
  const addresses = groupByCustomer(found.addresses);
  const accounts = groupByCustomer(found.accounts);
  return {
    customers: {
      edges: page.map((c) => ({
        cursor: cursorOf(c),
        node: {
          customerNumber: c.customer_number,
          firstName: c.first_name,
          lastName: c.last_name,
          contactEmail: c.contact_email,
          company: c.company,
          active: c.active === 1,
          metadata: { version: c.version, modifiedAt: iso(c.modified_at) },
          addresses: (addresses.get(c.pk) ?? []).map((a) => ({
            id: a.id,
            contactName: a.contact_name,
            street: a.street,
            zipCode: a.zip_code,
            city: a.city,
            country: a.country,
            isDefault: a.is_default === 1,
            tags: JSON.parse(a.tags) as string[],
          })),
          accounts: (accounts.get(c.pk) ?? []).map((a) => ({ id: a.id, email: a.email })),
        },
      })),
      pageInfo: { hasNextPage: rows.length > first, endCursor: page.length > 0 ? cursorOf(page.at(-1)!) : null },
    },
  };
}

interface Caller {
  tenant: string;
  scopes: Set<string>;
}

/** As src/auth/tokens.ts: how many verified tokens are remembered; the oldest is forgotten first. */
const VERIFIED_TOKENS_KEPT = 10_000;
/** The scopes that allow reading every customer of the tenant (Q1 and Q2 read them all). */
const READ_SCOPES = PERMISSIONS.read.tenant;
const verified = new Map<string, { caller: Caller; expiresAt: number }>();

/**
 * The caller of a bearer token, or undefined when it is not valid. As the service's verifier: a token verified
 * before and not yet expired is remembered (one Map lookup and a clock read per request); any other is verified
 * with jose, then remembered until its exp.
 */
async function callerOf(token: string | undefined): Promise<Caller | undefined> {
  if (token === undefined) return undefined;
  const remembered = verified.get(token);
  if (remembered && Date.now() < remembered.expiresAt) return remembered.caller;
  verified.delete(token);
  let payload: { tenant?: unknown; scope?: unknown; exp?: number };
  try {
    ({ payload } = await jwtVerify(token, secret, { algorithms: ['HS256'], requiredClaims: ['exp'] }));
  } catch {
    return undefined;
  }
  const { tenant, scope, exp } = payload;
  if (typeof tenant !== 'string' || typeof scope !== 'string' || exp === undefined) return undefined;
  const caller: Caller = { tenant, scopes: new Set(scope.split(' ').filter(Boolean)) };
  verified.set(token, { caller, expiresAt: exp * 1000 });
  if (verified.size > VERIFIED_TOKENS_KEPT) verified.delete(verified.keys().next().value as string);
  return caller;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/graphql-response+json; charset=utf-8' });
  res.end(body);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === 'GET' && req.url === '/ready') return send(res, 200, '{}');
  if (req.method !== 'POST' || req.url !== '/graphql') return send(res, 404, '{"errors":[{"message":"not found"}]}');
  const caller = await callerOf(/^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1]);
  if (!caller) return send(res, 401, '{"errors":[{"message":"unauthenticated"}]}');
  if (!READ_SCOPES.some((scope) => caller.scopes.has(scope))) {
    return send(res, 403, '{"errors":[{"message":"forbidden"}]}');
  }
  const { tenant } = caller;
  const { operationName, variables = {} } = JSON.parse(await readBody(req)) as {
    operationName?: string;
    variables?: Record<string, unknown>;
  };
  let data: unknown;
  if (operationName === 'Q1') data = q1(await backend.q1Rows(tenant, String(variables.customerNumber)));
  else if (operationName === 'Q2') {
    const first = Number(variables.first);
    const after = variables.after as string | null | undefined;
    data = q2(first, await backend.q2Rows(tenant, first, after ? positionOf(after) : undefined));
  } else return send(res, 400, `{"errors":[{"message":"the baseline serves only Q1 and Q2"}]}`);
  send(res, 200, JSON.stringify({ data }));
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    if (!res.headersSent) send(res, 500, '{"errors":[{"message":"internal error"}]}');
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void Promise.resolve(backend.close()).finally(() => process.exit(0));
});
