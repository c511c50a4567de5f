/**
 * A customer's parts in a lookup's own statement: one column per part asked for, each a JSON array of the part's
 * rows (json_array of its columns, in the table's order), in the orders of the part reads. One statement instead
 * of one per part halves the cost of a customer with its addresses, accounts and companies (Q1). A page of the
 * list does not bring them: there the parts' own batched statements cost no more, and a sorted page would build
 * them for every match before its limit.
 */
import { getTableName, sql, type SQL } from 'drizzle-orm';
import type { Account, Address, Customer, CustomerParts, CustomerRead, LegalEntity } from '../../domain/store.js';
import { jsonColumns } from '../columns.js';
import { asksForParts, membershipOf } from '../parts.js';
import { accounts, addresses, customers, legalEntities } from './schema.js';

const ADDRESS = jsonColumns<Address>(addresses, 'a');
const ACCOUNT = jsonColumns<Account>(accounts, 'x');
const LEGAL_ENTITY = jsonColumns<LegalEntity>(legalEntities, 'e');

const OUTER_TENANT = sql.raw(`"${getTableName(customers)}"."tenant"`);
const OUTER_PK = sql.raw(`"${getTableName(customers)}"."pk"`);

/** Each part's column, in this order: its rows for the customers row at hand, within that customer's tenant. */
const PARTS = [
  {
    part: 'addresses',
    sql: sql`(SELECT json_group_array(json_array(${ADDRESS.list}) ORDER BY a.is_default DESC, a.created_at, a.pk)
      FROM addresses a WHERE a.tenant = ${OUTER_TENANT} AND a.customer_pk = ${OUTER_PK})`,
    decode: (values: readonly unknown[]) => ADDRESS.decode(values),
  },
  {
    part: 'accounts',
    sql: sql`(SELECT json_group_array(json_array(${ACCOUNT.list}) ORDER BY x.created_at, x.pk)
      FROM accounts x WHERE x.tenant = ${OUTER_TENANT} AND x.customer_pk = ${OUTER_PK})`,
    decode: (values: readonly unknown[]) => ACCOUNT.decode(values),
  },
  {
    part: 'memberships',
    sql: sql`(SELECT json_group_array(json_array(m.customer_pk, m.id, ${LEGAL_ENTITY.list}) ORDER BY m.created_at, m.pk)
      FROM customer_legal_entities m JOIN legal_entities e ON e.pk = m.legal_entity_pk
      WHERE m.tenant = ${OUTER_TENANT} AND m.customer_pk = ${OUTER_PK})`,
    decode: (values: readonly unknown[]) => membershipOf(values, LEGAL_ENTITY.decode),
  },
] satisfies readonly { part: keyof CustomerParts; sql: SQL; decode: (values: readonly unknown[]) => unknown }[];

/** The parts asked for, in column order, and their shape (for a statement's cache key). */
export function partsSelected(parts: CustomerParts | undefined): { selected: PartsSelected; shape: string } {
  const selected = asksForParts(parts) ? PARTS.filter(({ part }) => parts[part as keyof CustomerParts]) : [];
  return { selected, shape: selected.map(({ part }) => part[0]).join('') };
}

export type PartsSelected = readonly (typeof PARTS)[number][];

/** The SQL of the part columns, to follow the customers table's own columns in a select list. */
export const partColumnsSql = (selected: PartsSelected): SQL[] => selected.map(({ sql }) => sql);

/** Adds to a customer row the part columns that followed its own (from `offset` of the raw values). */
export const withPartColumns =
  (selected: PartsSelected) =>
  (customer: Customer, values: readonly unknown[], offset: number): CustomerRead => {
    if (selected.length === 0) return customer;
    const parts: Record<string, unknown[]> = {};
    selected.forEach(({ part, decode }, i) => {
      parts[part] = (JSON.parse(values[offset + i] as string) as unknown[][]).map((row) => decode(row));
    });
    return { ...customer, parts };
  };
