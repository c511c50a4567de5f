/**
 * The baseline: the fastest thing that could serve Q1 and Q2 on the same stack, a hand-written node:http handler
 * running prepared better-sqlite3 statements. It takes the same requests as the service (POST /graphql with the
 * same body and bearer token), verifies the token with jose as the service does (tenant from the token), and
 * answers with the same JSON, byte for byte; it understands nothing but the two operations of scenarios.ts,
 * chosen by operationName. The benchmark checks the sameness before it measures.
 *
 * Env: DATABASE_URL (file:PATH or PATH), PORT, AUTH_JWT_SECRET.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Database from 'better-sqlite3';
import { jwtVerify } from 'jose';

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

const path = (process.env.DATABASE_URL ?? '').replace(/^file:/, '');
const secret = new TextEncoder().encode(process.env.AUTH_JWT_SECRET ?? '');
const db = new Database(path, { fileMustExist: true });
db.pragma('busy_timeout = 5000');

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
function q1(tenant: string, customerNumber: string) {
  const c = customerByNumber.get(tenant, customerNumber);
  if (!c) return { customer: null };
  const addresses = addressesOf.all(tenant, c.pk);
  const accounts = accountsOf.all(tenant, c.pk);
  const memberships = membershipsOf.all(tenant, c.pk);
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
function q2(tenant: string, first: number, after: string | null | undefined) {
  const rows = after ? pageAfter.all(tenant, ...positionOf(after), first + 1) : firstPage.all(tenant, first + 1);
  const page = rows.slice(0, first);
  const pks = JSON.stringify(page.map((c) => c.pk));
  const addresses = groupByCustomer(addressesOfMany.all(tenant, pks));
  const accounts = groupByCustomer(accountsOfMany.all(tenant, pks));
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
  const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
  let tenant: unknown;
  try {
    ({
      payload: { tenant },
    } = await jwtVerify(token ?? '', secret, { algorithms: ['HS256'], requiredClaims: ['exp'] }));
  } catch {
    tenant = undefined;
  }
  if (typeof tenant !== 'string') return send(res, 401, '{"errors":[{"message":"unauthenticated"}]}');
  const { operationName, variables = {} } = JSON.parse(await readBody(req)) as {
    operationName?: string;
    variables?: Record<string, unknown>;
  };
  let data: unknown;
  if (operationName === 'Q1') data = q1(tenant, String(variables.customerNumber));
  else if (operationName === 'Q2')
    data = q2(tenant, Number(variables.first), variables.after as string | null | undefined);
  else return send(res, 400, `{"errors":[{"message":"the baseline serves only Q1 and Q2"}]}`);
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
  db.close();
  process.exit(0);
});
