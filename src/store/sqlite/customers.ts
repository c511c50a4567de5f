/** Customer rows: batched lookups, keyset-paginated lists, counts and writes. */
import { and, asc, desc, eq, sql, type SQL } from 'drizzle-orm';
import {
  totalOrder,
  type Customer,
  type CustomerChanges,
  type CustomerListFilter,
  type CustomerListQuery,
  type CustomerOrderField,
  type Direction,
  type NewCustomer,
  type Reach,
} from '../../domain/store.js';
import type { Db } from './db.js';
import { unindexed } from './planner.js';
import { PreparedCache } from './prepared.js';
import { customerInReach, reachShape, reachValues, type ReachShape } from './reach.js';
import { tableRows } from './rows.js';
import { customers, deletedCustomers, searchTenants, sortKey } from './schema.js';

/** The SQL expression each order field sorts by; each leads a (tenant, expr, customer_number) index. */
const orderExpression: Record<CustomerOrderField, SQL> = {
  CREATED_AT: sql`${customers.createdAt}`,
  MODIFIED_AT: sql`${customers.modifiedAt}`,
  CUSTOMER_NUMBER: sql`${customers.customerNumber}`,
  LAST_NAME: sortKey.lastName,
  FIRST_NAME: sortKey.firstName,
  CONTACT_EMAIL: sortKey.contactEmail,
  COMPANY: sortKey.company,
};

/**
 * Which index answers a list. SQLite, without statistics, prefers walking the order's index and filtering; that
 * is right for broad filters (active, onHold, businessModel, modifiedSince), but a selective condition must lead:
 * - `ids`: a set of pks (search matches, a legal entity's members, an own company) is looked up by rowid;
 * - `email`: the contact-email index finds the few customers with that email;
 * and the few rows found are then sorted.
 */
type Driver = 'order' | 'email' | 'ids';

/** Below three characters a trigram index cannot answer a substring search, so those scan instead. */
const isIndexedSearch = (search: string | undefined) => [...(search?.trim() ?? '')].length >= 3;

function driverOf(filter: CustomerListFilter, reach: ReachShape): Driver {
  if (reach !== 'tenant' || filter.legalEntityId !== undefined || isIndexedSearch(filter.search)) return 'ids';
  return filter.contactEmail !== undefined ? 'email' : 'order';
}

/** SQLite's lower() folds ASCII only; short searches fold every script, as the trigram index does. */
const FOLD = 'customer_search_fold';

/**
 * The customers that match a search, from the search index. Its rowid is `(tenant no << 40) | pk` (a pk needs far
 * fewer than 40 bits; drizzle/0003_search_by_tenant.sql), so a tenant's rows are one rowid range, and FTS5 seeks
 * every term's list to it: a search never walks another tenant's matches. CROSS JOIN keeps the tenant's number the
 * outer loop, which is what lets FTS5 take the range's bounds (with a plain join the planner left them unused); a
 * tenant without customers has no number, so no row to join, and the index is not asked at all.
 */
const PK_BITS = 40;
const PK_MASK = sql.raw(String(2 ** PK_BITS - 1));
const TENANT_LOW = sql`(${searchTenants.no} << ${sql.raw(String(PK_BITS))})`;
const SEARCH_MATCHES = sql`SELECT customers_search.rowid & ${PK_MASK} FROM ${searchTenants} CROSS JOIN customers_search
    WHERE ${searchTenants.tenant} = ${sql.placeholder('tenant')} AND customers_search MATCH ${sql.placeholder('search')}
      AND customers_search.rowid BETWEEN ${TENANT_LOW} AND (${TENANT_LOW} | ${PK_MASK})`;

/** The filter's conditions; those on indexed columns are hidden from the planner when another index leads. */
function filterConditions(filter: CustomerListFilter, driver: Driver) {
  const conditions: SQL[] = [];
  const shape: string[] = [];
  const values: Record<string, unknown> = {};
  const p = sql.placeholder;
  const column = (expr: SQL) => (driver === 'order' ? expr : unindexed(expr));
  const search = filter.search?.trim() ?? '';
  if (isIndexedSearch(search)) {
    shape.push('search');
    // One FTS5 phrase: the trigram tokenizer makes it a case-insensitive substring match; quotes are doubled.
    values.search = `"${search.replaceAll('"', '""')}"`;
    conditions.push(sql`${customers.pk} IN (${SEARCH_MATCHES})`);
  } else if (search.length > 0) {
    shape.push('shortSearch');
    values.search = search.toLowerCase();
    const { customerNumber, firstName, lastName, company, contactEmail } = customers;
    const contains = [customerNumber, firstName, lastName, company, contactEmail].map(
      (column) => sql`instr(${sql.raw(FOLD)}(${column}), ${p('search')}) > 0`,
    );
    conditions.push(sql`(${sql.join(contains, sql` OR `)})`);
  }
  if (filter.legalEntityId !== undefined) {
    shape.push('entity');
    values.legalEntityId = filter.legalEntityId;
    conditions.push(sql`${customers.pk} IN (SELECT m.customer_pk FROM customer_legal_entities m
      JOIN legal_entities e ON e.pk = m.legal_entity_pk
      WHERE e.tenant = ${p('tenant')} AND e.id = ${p('legalEntityId')})`);
  }
  if (filter.contactEmail !== undefined) {
    shape.push('email');
    values.contactEmail = filter.contactEmail;
    // The sort key maps NULL to '', so an empty email must not match the customers that have none.
    conditions.push(sql`${sortKey.contactEmail} = ${p('contactEmail')} AND ${customers.contactEmail} IS NOT NULL`);
  }
  if (filter.active !== undefined) {
    shape.push('active');
    values.active = filter.active ? 1 : 0;
    conditions.push(sql`${column(sql`${customers.active}`)} = ${p('active')}`);
  }
  if (filter.onHold !== undefined) {
    shape.push('onHold');
    values.onHold = filter.onHold ? 1 : 0;
    conditions.push(sql`${column(sql`${customers.onHold}`)} = ${p('onHold')}`);
  }
  if (filter.businessModel !== undefined) {
    shape.push(filter.businessModel);
    const member = sql`SELECT 1 FROM customer_legal_entities m WHERE m.customer_pk = ${customers.pk}`;
    conditions.push(filter.businessModel === 'B2B' ? sql`EXISTS (${member})` : sql`NOT EXISTS (${member})`);
  }
  if (filter.modifiedSince !== undefined) {
    shape.push('modifiedSince');
    values.modifiedSince = filter.modifiedSince;
    conditions.push(sql`${column(sql`${customers.modifiedAt}`)} >= ${p('modifiedSince')}`);
  }
  return { conditions, shape: shape.join(','), values };
}

/**
 * "Comes after the cursor" in a lexicographic order: the textbook OR-chain, behind a bound on the first term
 * that SQLite turns into an index range (it does not for a row-value comparison of a NOCASE expression).
 */
function keysetCondition(terms: readonly { expr: SQL; direction: Direction }[]): SQL {
  const cursor = terms.map((_, i) => sql.placeholder(`c${i}`));
  const beyond = (direction: Direction, orEqual: boolean) =>
    sql.raw(direction === 'ASC' ? (orEqual ? '>=' : '>') : orEqual ? '<=' : '<');
  const alternatives = terms.map((term, i) => {
    const equalBefore = terms.slice(0, i).map((t, j) => sql`${t.expr} = ${cursor[j]}`);
    return sql.join([...equalBefore, sql`${term.expr} ${beyond(term.direction, false)} ${cursor[i]}`], sql` AND `);
  });
  const first = terms[0]!;
  const bound = sql`${first.expr} ${beyond(first.direction, true)} ${cursor[0]}`;
  return sql`(${bound} AND ((${sql.join(alternatives, sql`) OR (`)})))`;
}

export function createCustomerStore(db: Db) {
  const byNumbers = new PreparedCache<ReturnType<typeof prepareByNumbers>>(8);
  const byPks = new PreparedCache<ReturnType<typeof prepareByPks>>(8);
  const lists = new PreparedCache<ReturnType<typeof prepareList>>();
  const counts = new PreparedCache<ReturnType<typeof prepareCount>>();
  // A function of this connection, for the short searches' case folding.
  db.$client.function(FOLD, { deterministic: true }, (text: unknown) =>
    typeof text === 'string' ? text.toLowerCase() : text,
  );

  // Batched lookups take their keys as one JSON array, so one prepared statement serves any batch size.
  function prepareByNumbers(reach: Reach) {
    const query = db
      .select()
      .from(customers)
      .where(
        and(
          customerInReach(reachShape(reach), { tenantIndexed: true }),
          sql`${customers.customerNumber} IN (SELECT value FROM json_each(${sql.placeholder('keys')}))`,
        ),
      )
      .prepare();
    return tableRows(customers, query);
  }
  function prepareByPks(reach: Reach) {
    const query = db
      .select()
      .from(customers)
      .where(
        and(
          customerInReach(reachShape(reach), { tenantIndexed: true }),
          sql`${customers.pk} IN (SELECT value FROM json_each(${sql.placeholder('keys')}))`,
        ),
      )
      .prepare();
    return tableRows(customers, query);
  }
  function prepareList(where: SQL[], terms: readonly { expr: SQL; direction: Direction }[], hasCursor: boolean) {
    const query = db
      .select()
      .from(customers)
      .where(and(...where, ...(hasCursor ? [keysetCondition(terms)] : [])))
      .orderBy(...terms.map((t) => (t.direction === 'ASC' ? asc(t.expr) : desc(t.expr))))
      .limit(sql.placeholder('limit'))
      .prepare();
    return tableRows(customers, query);
  }
  function prepareCount(where: SQL[]) {
    return db
      .select({ count: sql<number>`count(*)` })
      .from(customers)
      .where(and(...where))
      .prepare();
  }

  /** The conditions of a list or count (reach and filter), the index that should lead, and the cache key. */
  function selection(reach: Reach, filter: CustomerListFilter) {
    const shape = reachShape(reach);
    const driver = driverOf(filter, shape);
    const filtered = filterConditions(filter, driver);
    return {
      key: `${shape}|${filtered.shape}`,
      driver,
      values: { ...reachValues(reach), ...filtered.values },
      // Hiding the tenant from the planner leaves the rowid lookup of the pk set as the only way in.
      where: () => [customerInReach(shape, { tenantIndexed: driver !== 'ids' }), ...filtered.conditions],
    };
  }

  const numberTaken = db
    .select({ taken: sql<number>`1` })
    .from(customers)
    .where(
      and(eq(customers.tenant, sql.placeholder('tenant')), eq(customers.customerNumber, sql.placeholder('number'))),
    )
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
      and(
        eq(deletedCustomers.tenant, sql.placeholder('tenant')),
        eq(deletedCustomers.customerNumber, sql.placeholder('number')),
      ),
    )
    .prepare();

  return {
    async byNumbers(reach: Reach, numbers: readonly string[]): Promise<Customer[]> {
      if (numbers.length === 0) return [];
      const query = byNumbers.get(reachShape(reach), () => prepareByNumbers(reach));
      return query.all({ ...reachValues(reach), keys: JSON.stringify(numbers) });
    },

    async byPks(reach: Reach, pks: readonly number[]): Promise<Customer[]> {
      if (pks.length === 0) return [];
      const query = byPks.get(reachShape(reach), () => prepareByPks(reach));
      return query.all({ ...reachValues(reach), keys: JSON.stringify(pks) });
    },

    /** Up to `limit` rows after the cursor, in order; the caller asks for one more than a page to learn hasNextPage. */
    async list(reach: Reach, query: CustomerListQuery): Promise<Customer[]> {
      const { key, driver, values, where } = selection(reach, query.filter);
      const order = totalOrder(query.order);
      const terms = order.map((t) => ({
        expr: driver === 'order' ? orderExpression[t.field] : unindexed(orderExpression[t.field]),
        direction: t.direction,
      }));
      const orderKey = order.map((t) => `${t.field}:${t.direction}`).join(',');
      const after = query.after;
      const prepared = lists.get(`${key}|${orderKey}|${after ? 'after' : 'first'}`, () =>
        prepareList(where(), terms, after !== undefined),
      );
      const cursorValues = Object.fromEntries((after ?? []).map((value, i) => [`c${i}`, value]));
      return prepared.all({ ...values, ...cursorValues, limit: query.limit });
    },

    async count(reach: Reach, filter: CustomerListFilter): Promise<number> {
      const { key, values, where } = selection(reach, filter);
      return counts.get(key, () => prepareCount(where())).get(values)?.count ?? 0;
    },

    /** Writes run one transaction at a time on the one writer connection, so a read holds the row until commit. */
    async lockByNumber(reach: Reach, customerNumber: string): Promise<Customer | undefined> {
      const query = byNumbers.get(reachShape(reach), () => prepareByNumbers(reach));
      return query.all({ ...reachValues(reach), keys: JSON.stringify([customerNumber]) })[0];
    },

    async numberDeleted(reach: Reach, customerNumber: string): Promise<boolean> {
      return deletedNumber.get({ tenant: reach.tenant, number: customerNumber }) !== undefined;
    },

    /** Undefined when the number is in use or was used by a deleted customer, in the whole tenant. */
    async insert(reach: Reach, values: NewCustomer): Promise<Customer | undefined> {
      if (numberTaken.all({ tenant: reach.tenant, number: values.customerNumber }).length > 0) return undefined;
      return db
        .insert(customers)
        .values({ ...values, tenant: reach.tenant })
        .returning()
        .get();
    },

    async update(reach: Reach, pk: number, changes: CustomerChanges): Promise<Customer> {
      return db
        .update(customers)
        .set(changes)
        .where(and(eq(customers.tenant, reach.tenant), eq(customers.pk, pk)))
        .returning()
        .get();
    },

    /** Deletes the customer (addresses, accounts and assignments cascade) and keeps its number as a tombstone. */
    async delete(reach: Reach, row: Customer, at: number): Promise<void> {
      db.delete(customers)
        .where(and(eq(customers.tenant, reach.tenant), eq(customers.pk, row.pk)))
        .run();
      db.insert(deletedCustomers)
        .values({ tenant: reach.tenant, customerNumber: row.customerNumber, deletedAt: at })
        .onConflictDoNothing()
        .run();
    },
  };
}

export type CustomerStore = ReturnType<typeof createCustomerStore>;
