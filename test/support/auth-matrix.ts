/**
 * The world both authorization matrices walk (test/authorization.test.ts for GraphQL, test/rest-authorization.test.ts
 * for REST): AUTH.md's scope table written out on its own (not imported from src/auth, so the tests check the
 * implementation rather than repeat it), the kinds of caller, and the customers inside and outside their company.
 */
import type { LegalEntity } from '../../src/domain/store.js';
import type { TestServer } from '../helpers.js';
import type { Fixtures, SeededCustomer } from '../tenant-fixtures.js';

export const READ = 'customer.customer_read';
export const READ_OWN = 'customer.customer_read_own';
export const MANAGE = 'customer.customer_manage';
export const MANAGE_OWN = 'customer.customer_manage_own';
export const CREATE = 'customer.customer_create';
export const UPDATE = 'customer.customer_update';
export const DELETE = 'customer.customer_delete';
export const EVERY_SCOPE = [READ, READ_OWN, MANAGE, MANAGE_OWN, CREATE, UPDATE, DELETE];

/** AUTH.md's table: the scopes that allow an operation on every customer of the tenant, and those that allow it "own". */
export const RULES = {
  read: { tenant: [READ, MANAGE], own: [READ_OWN, MANAGE_OWN] },
  addresses: { tenant: [READ, MANAGE], own: [] },
  create: { tenant: [MANAGE, CREATE], own: [MANAGE_OWN] },
  update: { tenant: [MANAGE, UPDATE], own: [MANAGE_OWN] },
  delete: { tenant: [MANAGE, UPDATE, DELETE], own: [MANAGE_OWN] },
  parts: { tenant: [MANAGE, UPDATE], own: [] },
} as const satisfies Record<string, { tenant: string[]; own: string[] }>;
export type Rule = keyof typeof RULES;

// The world: companies X, Y, Z in tenant acme. Alice (X and Y) and Bob (no company) act with customer tokens.
export type Company = 'X' | 'Y' | 'Z';
export type Actor = 'alice' | 'bob';
export const MEMBERSHIPS: Record<Actor, Company[]> = { alice: ['X', 'Y'], bob: [] };

export interface Principal {
  name: string;
  /** null: no Authorization header at all. */
  tenant: 'acme' | 'globex' | null;
  scopes: string[];
  customer?: Actor;
  /** The legal_entity_id claim. */
  narrowedTo?: Company;
}

export const PRINCIPALS: Principal[] = [
  { name: 'no token', tenant: null, scopes: [] },
  { name: 'scope ""', tenant: 'acme', scopes: [] },
  ...EVERY_SCOPE.map(
    (scope): Principal => ({ name: scope.replace('customer.customer_', ''), tenant: 'acme', scopes: [scope] }),
  ),
  { name: 'alice read_own', tenant: 'acme', scopes: [READ_OWN], customer: 'alice' },
  { name: 'alice manage_own', tenant: 'acme', scopes: [MANAGE_OWN], customer: 'alice' },
  { name: 'alice@Y read_own', tenant: 'acme', scopes: [READ_OWN], customer: 'alice', narrowedTo: 'Y' },
  { name: 'alice@Y manage_own', tenant: 'acme', scopes: [MANAGE_OWN], customer: 'alice', narrowedTo: 'Y' },
  { name: 'alice read (tenant-wide)', tenant: 'acme', scopes: [READ], customer: 'alice' },
  { name: 'bob (no company) manage_own', tenant: 'acme', scopes: [MANAGE_OWN], customer: 'bob' },
  { name: 'globex, every scope', tenant: 'globex', scopes: EVERY_SCOPE },
];

export interface Target {
  name: string;
  companies: Company[];
}
export const TARGETS: Target[] = [
  { name: 'colleague in Y', companies: ['Y'] },
  { name: 'colleague in X', companies: ['X'] },
  { name: 'stranger in Z', companies: ['Z'] },
  { name: 'stranger without company', companies: [] },
];

/** The caller's own company: its legal entities, or only the one its token names. */
export function companyOf(p: Principal): Company[] {
  if (!p.customer) return [];
  const mine = MEMBERSHIPS[p.customer];
  return p.narrowedTo ? mine.filter((c) => c === p.narrowedTo) : mine;
}

/** How far a caller reaches for a rule: the whole tenant, its own company, or not at all (FORBIDDEN). */
export function reachOf(p: Principal, rule: Rule): 'tenant' | 'own' | undefined {
  if ((RULES[rule].tenant as readonly string[]).some((s) => p.scopes.includes(s))) return 'tenant';
  if (p.customer && (RULES[rule].own as readonly string[]).some((s) => p.scopes.includes(s))) return 'own';
  return undefined;
}

/** Whether a caller with this reach sees the target (every target lives in acme). */
export function sees(p: Principal, reach: 'tenant' | 'own', t: Target): boolean {
  if (p.tenant !== 'acme') return false;
  return reach === 'tenant' || t.companies.some((c) => companyOf(p).includes(c));
}

/** The seeded world: the companies, the two actors, one customer per target, and each principal's token. */
export interface World {
  companies: Record<Company, LegalEntity>;
  actors: Record<Actor, SeededCustomer>;
  targets: Map<Target, SeededCustomer>;
  tokens: Map<Principal, string | null>;
}

export async function seedWorld(server: TestServer, fx: Fixtures): Promise<World> {
  const companies = { X: await fx.company('acme'), Y: await fx.company('acme'), Z: await fx.company('acme') };
  const inCompanies = (names: Company[]) => names.map((name) => companies[name]);
  const actors = {
    alice: await fx.customer('acme', { entities: inCompanies(MEMBERSHIPS.alice) }),
    bob: await fx.customer('acme', { entities: inCompanies(MEMBERSHIPS.bob) }),
  };
  const targets = new Map<Target, SeededCustomer>();
  for (const t of TARGETS) targets.set(t, await fx.customer('acme', { entities: inCompanies(t.companies) }));
  const tokens = new Map<Principal, string | null>();
  for (const p of PRINCIPALS) {
    tokens.set(
      p,
      p.tenant === null
        ? null
        : await server.token({
            tenant: p.tenant,
            scope: p.scopes.join(' '),
            sub: p.customer ?? 'client',
            customer_id: p.customer ? actors[p.customer].number : undefined,
            legal_entity_id: p.narrowedTo ? companies[p.narrowedTo].id : undefined,
          }),
    );
  }
  return { companies, actors, targets, tokens };
}
