/**
 * A customer's parts in the customers' own statement, for lookups and pages alike: one column per part asked for,
 * each a json array of the part's rows (json_build_array of its columns, in the table's order), in the orders of
 * the part reads. A statement is a round trip to PostgreSQL, which costs more than the rows it brings: Q1 (a
 * customer with its addresses, accounts and legal entities) took four of them, and takes one. PostgreSQL runs the
 * subqueries after the sort and limit, for the rows kept only (test/store-parts.test.ts checks the plans).
 */
import { getTableName, sql, type SQL } from 'drizzle-orm';
import type { Account, Address, CustomerParts, CustomerRead, LegalEntity } from '../../domain/store.js';
import { jsonColumns } from '../columns.js';
import { asksForParts, membershipOf } from '../parts.js';
import { accounts, addresses, customers, legalEntities } from './schema.js';

const ADDRESS = jsonColumns<Address>(addresses, 'a');
const ACCOUNT = jsonColumns<Account>(accounts, 'x');
const LEGAL_ENTITY = jsonColumns<LegalEntity>(legalEntities, 'e');

// Qualified by hand: drizzle writes a one-table select's own columns unqualified, which the subqueries' would shadow.
const OUTER_TENANT = sql.raw(`"${getTableName(customers)}"."tenant"`);
const OUTER_PK = sql.raw(`"${getTableName(customers)}"."pk"`);

/** Each part's column: its rows for the customers row at hand, within that customer's tenant; null when none. */
const PART_COLUMNS = {
  partAddresses: sql`(SELECT json_agg(json_build_array(${ADDRESS.list})
    ORDER BY a.is_default DESC, a.created_at, a.pk)
    FROM addresses a WHERE a.tenant = ${OUTER_TENANT} AND a.customer_pk = ${OUTER_PK})`,
  partAccounts: sql`(SELECT json_agg(json_build_array(${ACCOUNT.list}) ORDER BY x.created_at, x.pk)
    FROM accounts x WHERE x.tenant = ${OUTER_TENANT} AND x.customer_pk = ${OUTER_PK})`,
  partMemberships: sql`(SELECT json_agg(json_build_array(m.customer_pk, m.id, ${LEGAL_ENTITY.list})
    ORDER BY m.created_at, m.pk)
    FROM customer_legal_entities m JOIN legal_entities e ON e.pk = m.legal_entity_pk
    WHERE m.tenant = ${OUTER_TENANT} AND m.customer_pk = ${OUTER_PK})`,
} satisfies Record<string, SQL>;

type PartValues = { partAddresses?: unknown; partAccounts?: unknown; partMemberships?: unknown };

/** The columns to select beside the customers table's for `parts`, and their shape (for a statement's key). */
export function partColumns(parts: CustomerParts | undefined): {
  columns: Partial<typeof PART_COLUMNS>;
  shape: string;
} {
  if (!asksForParts(parts)) return { columns: {}, shape: '' };
  return {
    columns: {
      ...(parts.addresses ? { partAddresses: PART_COLUMNS.partAddresses } : {}),
      ...(parts.accounts ? { partAccounts: PART_COLUMNS.partAccounts } : {}),
      ...(parts.memberships ? { partMemberships: PART_COLUMNS.partMemberships } : {}),
    },
    shape: `${parts.addresses ? 'a' : ''}${parts.accounts ? 'c' : ''}${parts.memberships ? 'm' : ''}`,
  };
}

const rowsOf = (value: unknown) => (value ?? []) as unknown[][];

/** Rows selected with {@link partColumns}, as the contract's customers with their parts. */
export function withParts<R extends PartValues>(rows: readonly R[], parts: CustomerParts | undefined): CustomerRead[] {
  if (!asksForParts(parts)) return rows as unknown as CustomerRead[];
  return rows.map(({ partAddresses, partAccounts, partMemberships, ...customer }) => ({
    ...(customer as unknown as CustomerRead),
    parts: {
      ...(parts.addresses ? { addresses: rowsOf(partAddresses).map((values) => ADDRESS.decode(values)) } : {}),
      ...(parts.accounts ? { accounts: rowsOf(partAccounts).map((values) => ACCOUNT.decode(values)) } : {}),
      ...(parts.memberships
        ? {
            memberships: rowsOf(partMemberships).map((values) => membershipOf(values, LEGAL_ENTITY.decode)),
          }
        : {}),
    },
  }));
}
