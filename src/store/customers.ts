/** Customer rows: batched lookups, keyset-paginated lists, counts and writes. */
import { and, asc, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from './db.js';
import { PreparedCache } from './prepared.js';
import { customerInReach, reachShape, reachValues, type Reach } from './reach.js';
import { customers, deletedCustomers, sortKey, type CustomerRow } from './schema.js';

export type CustomerOrderField =
  | 'CREATED_AT'
  | 'MODIFIED_AT'
  | 'CUSTOMER_NUMBER'
  | 'LAST_NAME'
  | 'FIRST_NAME'
  | 'CONTACT_EMAIL'
  | 'COMPANY';
export type Direction = 'ASC' | 'DESC';
export interface OrderTerm {
  readonly field: CustomerOrderField;
  readonly direction: Direction;
}

export interface CustomerListFilter {
  readonly search?: string | undefined;
  readonly contactEmail?: string | undefined;
  readonly active?: boolean | undefined;
  readonly onHold?: boolean | undefined;
  readonly businessModel?: 'B2B' | 'B2C' | undefined;
  readonly legalEntityId?: string | undefined;
  /** Epoch milliseconds. */
  readonly modifiedSince?: number | undefined;
}

/** A position in an ordered list: the order key's values of a row, then its pk. */
export type KeysetPosition = readonly (string | number)[];

export interface CustomerListQuery {
  readonly filter: CustomerListFilter;
  readonly order: readonly OrderTerm[];
  readonly after?: KeysetPosition | undefined;
  readonly limit: number;
}

export type NewCustomer = typeof customers.$inferInsert;
export type CustomerChanges = Partial<Omit<NewCustomer, 'pk' | 'tenant' | 'customerNumber' | 'createdAt'>>;

/** The SQL expression each order field sorts by; every one is the leading column of a (tenant, expr, pk) index. */
const orderExpression: Record<CustomerOrderField, SQL> = {
  CREATED_AT: sql`${customers.createdAt}`,
  MODIFIED_AT: sql`${customers.modifiedAt}`,
  CUSTOMER_NUMBER: sql`${customers.customerNumber}`,
  LAST_NAME: sortKey.lastName,
  FIRST_NAME: sortKey.firstName,
  CONTACT_EMAIL: sortKey.contactEmail,
  COMPANY: sortKey.company,
};

/** The value of a row under an order field, as the cursor records it (the same as the SQL expression's). */
export function orderValue(row: CustomerRow, field: CustomerOrderField): string | number {
  switch (field) {
    case 'CREATED_AT':
      return row.createdAt;
    case 'MODIFIED_AT':
      return row.modifiedAt;
    case 'CUSTOMER_NUMBER':
      return row.customerNumber;
    case 'LAST_NAME':
      return row.lastName ?? '';
    case 'FIRST_NAME':
      return row.firstName ?? '';
    case 'CONTACT_EMAIL':
      return row.contactEmail ?? '';
    case 'COMPANY':
      return row.company ?? '';
  }
}

/** Below three characters a trigram index cannot answer a substring search, so those scan instead. */
const MIN_INDEXED_SEARCH = 3;

function filterConditions(filter: CustomerListFilter): { conditions: SQL[]; shape: string; values: Record<string, unknown> } {
  const conditions: SQL[] = [];
  const shape: string[] = [];
  const values: Record<string, unknown> = {};
  const p = sql.placeholder;
  if (filter.search !== undefined) {
    const search = filter.search.trim().toLowerCase();
    if ([...search].length >= MIN_INDEXED_SEARCH) {
      shape.push('search');
      values.search = `"${search.replaceAll('"', '""')}"`;
      conditions.push(
        sql`${customers.pk} IN (SELECT rowid FROM customers_search WHERE customers_search MATCH ${p('search')})`,
      );
    } else if (search.length > 0) {
      shape.push('shortSearch');
      values.search = search;
      conditions.push(sql`(instr(lower(${customers.customerNumber}), ${p('search')}) > 0
        OR instr(lower(ifnull(${customers.firstName}, '')), ${p('search')}) > 0
        OR instr(lower(ifnull(${customers.lastName}, '')), ${p('search')}) > 0
        OR instr(lower(ifnull(${customers.company}, '')), ${p('search')}) > 0
        OR instr(lower(ifnull(${customers.contactEmail}, '')), ${p('search')}) > 0)`);
    }
  }
  if (filter.contactEmail !== undefined) {
    shape.push('email');
    values.contactEmail = filter.contactEmail;
    conditions.push(sql`${sortKey.contactEmail} = ${p('contactEmail')}`);
  }
  if (filter.active !== undefined) {
    shape.push('active');
    values.active = filter.active ? 1 : 0;
    conditions.push(sql`${customers.active} = ${p('active')}`);
  }
  if (filter.onHold !== undefined) {
    shape.push('onHold');
    values.onHold = filter.onHold ? 1 : 0;
    conditions.push(sql`${customers.onHold} = ${p('onHold')}`);
  }
  if (filter.businessModel !== undefined) {
    shape.push(filter.businessModel);
    const member = sql`SELECT 1 FROM customer_legal_entities m WHERE m.customer_pk = ${customers.pk}`;
    conditions.push(filter.businessModel === 'B2B' ? sql`EXISTS (${member})` : sql`NOT EXISTS (${member})`);
  }
  if (filter.legalEntityId !== undefined) {
    shape.push('entity');
    values.legalEntityId = filter.legalEntityId;
    conditions.push(sql`${customers.pk} IN (SELECT m.customer_pk FROM customer_legal_entities m
      JOIN legal_entities e ON e.pk = m.legal_entity_pk
      WHERE e.tenant = ${p('tenant')} AND e.id = ${p('legalEntityId')})`);
  }
  if (filter.modifiedSince !== undefined) {
    shape.push('modifiedSince');
    values.modifiedSince = filter.modifiedSince;
    conditions.push(sql`${customers.modifiedAt} >= ${p('modifiedSince')}`);
  }
  return { conditions, shape: shape.join(','), values };
}

/**
 * "Comes after the cursor" for a lexicographic order whose last term is the pk. When every term runs the same
 * way this is one row-value comparison, which SQLite turns into an index range; mixed directions expand to the
 * textbook OR-chain, with the first term's bound repeated so the index range still applies.
 */
function keysetCondition(terms: readonly { expr: SQL; direction: Direction }[]): SQL {
  const cursor = terms.map((_, i) => sql.placeholder(`c${i}`));
  const first = terms[0]!;
  if (terms.every((t) => t.direction === first.direction)) {
    const op = first.direction === 'ASC' ? sql`>` : sql`<`;
    return sql`(${sql.join(terms.map((t) => t.expr), sql`, `)}) ${op} (${sql.join(cursor, sql`, `)})`;
  }
  const alternatives = terms.map((term, i) => {
    const equalBefore = terms.slice(0, i).map((t, j) => sql`${t.expr} = ${cursor[j]}`);
    const after = sql`${term.expr} ${term.direction === 'ASC' ? sql`>` : sql`<`} ${cursor[i]}`;
    return sql.join([...equalBefore, after], sql` AND `);
  });
  const bound = sql`${first.expr} ${first.direction === 'ASC' ? sql`>=` : sql`<=`} ${cursor[0]}`;
  return sql`(${bound} AND ((${sql.join(alternatives, sql`) OR (`)})))`;
}

export function createCustomerStore(db: Db) {
  const byNumbers = new PreparedCache<ReturnType<typeof prepareByNumbers>>(8);
  const byPks = new PreparedCache<ReturnType<typeof prepareByPks>>(8);
  const lists = new PreparedCache<ReturnType<typeof prepareList>>();
  const counts = new PreparedCache<ReturnType<typeof prepareCount>>();

  // Batched lookups take their keys as one JSON array, so one prepared statement serves any batch size.
  function prepareByNumbers(reach: Reach) {
    return db
      .select()
      .from(customers)
      .where(
        and(
          customerInReach(reachShape(reach)),
          sql`${customers.customerNumber} IN (SELECT value FROM json_each(${sql.placeholder('keys')}))`,
        ),
      )
      .prepare();
  }
  function prepareByPks(reach: Reach) {
    return db
      .select()
      .from(customers)
      .where(
        and(
          customerInReach(reachShape(reach)),
          sql`${customers.pk} IN (SELECT value FROM json_each(${sql.placeholder('keys')}))`,
        ),
      )
      .prepare();
  }
  function prepareList(reach: Reach, conditions: SQL[], terms: { expr: SQL; direction: Direction }[], hasCursor: boolean) {
    const where = [customerInReach(reachShape(reach)), ...conditions];
    if (hasCursor) where.push(keysetCondition(terms));
    return db
      .select()
      .from(customers)
      .where(and(...where))
      .orderBy(...terms.map((t) => (t.direction === 'ASC' ? asc(t.expr) : desc(t.expr))))
      .limit(sql.placeholder('limit'))
      .prepare();
  }
  function prepareCount(reach: Reach, conditions: SQL[]) {
    return db
      .select({ count: sql<number>`count(*)` })
      .from(customers)
      .where(and(customerInReach(reachShape(reach)), ...conditions))
      .prepare();
  }

  const numberTaken = db
    .select({ taken: sql<number>`1` })
    .from(customers)
    .where(and(eq(customers.tenant, sql.placeholder('tenant')), eq(customers.customerNumber, sql.placeholder('number'))))
    .union(
      db
        .select({ taken: sql<number>`1` })
        .from(deletedCustomers)
        .where(
          and(
            eq(deletedCustomers.tenant, sql.placeholder('tenant')),
            eq(deletedCustomers.customerNumber, sql.placeholder('number')),
          ),
        ),
    )
    .prepare();
  const deletedNumber = db
    .select({ taken: sql<number>`1` })
    .from(deletedCustomers)
    .where(
      and(eq(deletedCustomers.tenant, sql.placeholder('tenant')), eq(deletedCustomers.customerNumber, sql.placeholder('number'))),
    )
    .prepare();

  return {
    byNumbers(reach: Reach, numbers: readonly string[]): CustomerRow[] {
      if (numbers.length === 0) return [];
      const query = byNumbers.get(reachShape(reach), () => prepareByNumbers(reach));
      return query.all({ ...reachValues(reach), keys: JSON.stringify(numbers) });
    },

    byPks(reach: Reach, pks: readonly number[]): CustomerRow[] {
      if (pks.length === 0) return [];
      const query = byPks.get(reachShape(reach), () => prepareByPks(reach));
      return query.all({ ...reachValues(reach), keys: JSON.stringify(pks) });
    },

    /** Up to `limit` rows after the cursor, in order; the caller asks for one more than a page to learn hasNextPage. */
    list(reach: Reach, query: CustomerListQuery): CustomerRow[] {
      const { conditions, shape, values } = filterConditions(query.filter);
      const terms = [
        ...query.order.map((t) => ({ expr: orderExpression[t.field], direction: t.direction })),
        // The pk breaks ties, running the same way as the last term so a single-field order is one index scan.
        { expr: sql`${customers.pk}`, direction: query.order.at(-1)?.direction ?? 'ASC' },
      ];
      const orderShape = query.order.map((t) => `${t.field}:${t.direction}`).join(',');
      const key = `${reachShape(reach)}|${shape}|${orderShape}|${query.after ? 'after' : 'first'}`;
      const prepared = lists.get(key, () => prepareList(reach, conditions, terms, query.after !== undefined));
      const cursorValues = Object.fromEntries((query.after ?? []).map((value, i) => [`c${i}`, value]));
      return prepared.all({ ...reachValues(reach), ...values, ...cursorValues, limit: query.limit });
    },

    count(reach: Reach, filter: CustomerListFilter): number {
      const { conditions, shape, values } = filterConditions(filter);
      const prepared = counts.get(`${reachShape(reach)}|${shape}`, () => prepareCount(reach, conditions));
      return prepared.get({ ...reachValues(reach), ...values })?.count ?? 0;
    },

    /** Whether a customer number is in use or was used by a deleted customer, in the whole tenant. */
    numberTaken(reach: Reach, customerNumber: string): boolean {
      return numberTaken.all({ tenant: reach.tenant, number: customerNumber }).length > 0;
    },

    numberDeleted(reach: Reach, customerNumber: string): boolean {
      return deletedNumber.get({ tenant: reach.tenant, number: customerNumber }) !== undefined;
    },

    insert(reach: Reach, values: Omit<NewCustomer, 'tenant'>): CustomerRow {
      return db
        .insert(customers)
        .values({ ...values, tenant: reach.tenant })
        .returning()
        .get();
    },

    update(reach: Reach, pk: number, changes: CustomerChanges): CustomerRow {
      return db
        .update(customers)
        .set(changes)
        .where(and(eq(customers.tenant, reach.tenant), eq(customers.pk, pk)))
        .returning()
        .get();
    },

    /** Deletes the customer (addresses, accounts and assignments cascade) and keeps its number as a tombstone. */
    delete(reach: Reach, row: CustomerRow, now: number): void {
      db.delete(customers)
        .where(and(eq(customers.tenant, reach.tenant), eq(customers.pk, row.pk)))
        .run();
      db.insert(deletedCustomers)
        .values({ tenant: reach.tenant, customerNumber: row.customerNumber, deletedAt: now })
        .onConflictDoNothing()
        .run();
    },
  };
}

export type CustomerStore = ReturnType<typeof createCustomerStore>;
