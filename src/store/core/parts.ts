/**
 * A customer's parts in the customers' own statement: one column per part asked for, each a JSON array of the part's
 * rows (its columns in the table's order), in the orders of the part reads. One statement instead of one per part
 * halves the cost of a customer with its addresses, accounts and companies.
 */
import { type SQL, sql } from 'drizzle-orm';
import type {
  Account,
  Address,
  Customer,
  CustomerParts,
  CustomerRead,
  LegalEntity,
  Membership,
} from '../../domain/store.js';
import type { Dialect } from './dialect.js';
import { rowsOf } from './query.js';

type Part = keyof CustomerParts;

/** A membership from the values of one of its rows: the customer's pk, the assignment's id, the entity's columns. */
export const membershipOf = (
  values: readonly unknown[],
  legalEntity: (values: readonly unknown[], offset: number) => LegalEntity,
): Membership => ({
  // A bigint column's driver value may be a string (node-postgres); a JSON number is a number.
  customerPk: Number(values[0]),
  assignmentId: values[1] as string,
  legalEntity: legalEntity(values, 2),
});

/** Whether `parts` asks for anything. */
export const asksForParts = (parts: CustomerParts | undefined): parts is CustomerParts =>
  parts !== undefined && (parts.addresses === true || parts.accounts === true || parts.memberships === true);

export function partColumns(d: Dialect) {
  const { customers, addresses, accounts, legalEntities } = d.tables;
  const ADDRESS = rowsOf<Address>(addresses);
  const ACCOUNT = rowsOf<Account>(accounts);
  const LEGAL_ENTITY = rowsOf<LegalEntity>(legalEntities);
  const width = rowsOf(customers).width;
  const ofCustomer = (alias: string) =>
    sql`${sql.raw(alias)}.tenant = ${customers.tenant} AND ${sql.raw(alias)}.customer_pk = ${customers.pk}`;

  /** Each part's column, in this order: its rows for the customers row at hand, within that customer's tenant. */
  const PARTS: readonly { part: Part; sql: SQL; decode: (values: readonly unknown[]) => unknown }[] = [
    {
      part: 'addresses',
      sql: sql`(SELECT ${d.jsonRows(ADDRESS.aliased('a'), sql`a.is_default DESC, a.created_at, a.pk`)}
        FROM addresses a WHERE ${ofCustomer('a')})`,
      decode: (values) => ADDRESS.decode(values),
    },
    {
      part: 'accounts',
      sql: sql`(SELECT ${d.jsonRows(ACCOUNT.aliased('x'), sql`x.created_at, x.pk`)}
        FROM accounts x WHERE ${ofCustomer('x')})`,
      decode: (values) => ACCOUNT.decode(values),
    },
    {
      part: 'memberships',
      sql: sql`(SELECT ${d.jsonRows(sql`m.customer_pk, m.id, ${LEGAL_ENTITY.aliased('e')}`, sql`m.created_at, m.pk`)}
        FROM customer_legal_entities m JOIN legal_entities e ON e.pk = m.legal_entity_pk WHERE ${ofCustomer('m')})`,
      decode: (values) => membershipOf(values, LEGAL_ENTITY.decode),
    },
  ];

  return {
    /** The columns of the parts asked for, to follow the customers table's own, and their shape (for a key). */
    select(parts: CustomerParts | undefined): { columns: SQL; shape: string; parts: typeof PARTS } {
      const selected = asksForParts(parts) ? PARTS.filter(({ part }) => parts[part]) : [];
      return {
        columns: sql.join(
          selected.map((p) => sql`, ${p.sql}`),
          sql``,
        ),
        shape: selected.map(({ part }) => part).join('+'),
        parts: selected,
      };
    },
    /** A customer from a row of its columns followed by the part columns of `selected`. */
    decode(
      selected: typeof PARTS,
      customer: (values: readonly unknown[]) => Customer,
    ): (values: readonly unknown[]) => CustomerRead {
      if (selected.length === 0) return (values) => customer(values);
      return (values) => {
        const parts: Record<string, unknown[]> = {};
        selected.forEach(({ part, decode }, i) => {
          const value = values[width + i];
          // SQLite answers the JSON as text; PostgreSQL parses it, and answers NULL for no rows.
          const rows = (typeof value === 'string' ? JSON.parse(value) : (value ?? [])) as unknown[][];
          parts[part] = rows.map((row) => decode(row));
        });
        return { ...customer(values), parts };
      };
    },
  };
}
