/** Customer rows: batched lookups, keyset-paginated lists, counts and writes. */
import { and, asc, desc, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import {
  totalOrder,
  type Customer,
  type CustomerChanges,
  type CustomerCondition,
  type CustomerListFilter,
  type CustomerTextColumn,
  type CustomerListQuery,
  type CustomerOrderField,
  type CustomerParts,
  type CustomerRead,
  type Direction,
  type NewCustomer,
  type Reach,
} from '../../domain/store.js';
import type { Db } from './db.js';
import { unindexed } from './planner.js';
import { PreparedCache } from '../prepared.js';
import { customerInReach, reachShape, reachValues, type ReachShape } from './reach.js';
import { partColumnsSql, type PartsSelected, partsSelected, withPartColumns } from './parts.js';
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

/**
 * Text columns whose equality an index answers: the customer number (the unique key) and the sort keys of the
 * order indexes (which fold letter case, so the exact value is checked on the rows the index finds).
 */
const SEEK_COLUMNS: ReadonlySet<CustomerTextColumn> = new Set([
  'customerNumber',
  'firstName',
  'lastName',
  'contactEmail',
  'company',
]);
const isSeek = (c: CustomerCondition) => c.kind === 'text' && c.op === 'in' && SEEK_COLUMNS.has(c.column);
/** A legal entity's members are a set of pks, as the legalEntityId filter's are. */
const isEntityIn = (c: CustomerCondition) => c.kind === 'text' && c.op === 'in' && c.column === 'legalEntityId';

function driverOf(filter: CustomerListFilter, reach: ReachShape): Driver {
  const conditions = filter.conditions ?? [];
  if (
    reach !== 'tenant' ||
    filter.legalEntityId !== undefined ||
    isIndexedSearch(filter.search) ||
    conditions.some(isEntityIn)
  ) {
    return 'ids';
  }
  return filter.contactEmail !== undefined || conditions.some(isSeek) ? 'email' : 'order';
}

/** The columns of the text conditions (legalEntityId has its own subquery). */
const TEXT_COLUMNS = {
  customerNumber: customers.customerNumber,
  title: customers.title,
  firstName: customers.firstName,
  middleName: customers.middleName,
  lastName: customers.lastName,
  contactEmail: customers.contactEmail,
  contactPhone: customers.contactPhone,
  company: customers.company,
  preferredLanguage: customers.preferredLanguage,
  preferredCurrency: customers.preferredCurrency,
  preferredSite: customers.preferredSite,
  companyRegistrationId: customers.companyRegistrationId,
} as const;
const SORT_KEYS: Partial<Record<CustomerTextColumn, SQL>> = {
  firstName: sortKey.firstName,
  lastName: sortKey.lastName,
  contactEmail: sortKey.contactEmail,
  company: sortKey.company,
};
const NUMBER_COLUMNS = {
  version: customers.version,
  createdAt: customers.createdAt,
  modifiedAt: customers.modifiedAt,
} as const;
const COMPARISON = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/** A JSON path of mixin keys (letters, digits, _ and -, as the q parser allows), each quoted. */
const jsonPath = (path: readonly string[]) => `$${path.map((key) => `."${key}"`).join('')}`;

/**
 * One condition as SQL with placeholders named after `name` (so a prepared statement serves every value), and its
 * shape for the statement cache. `indexed` says whether an index may answer it (see {@link Driver}).
 */
function conditionSql(
  c: CustomerCondition,
  name: string,
  values: Record<string, unknown>,
  indexed: (expr: SQL) => SQL,
): { sql: SQL; shape: string } {
  const p = sql.placeholder;
  // One value compares with =, several with a JSON array's members: one statement serves every list length.
  const oneOf = (expr: SQL, list: readonly (string | number)[]) => {
    if (list.length === 1) {
      values[name] = list[0];
      return sql`${expr} = ${p(name)}`;
    }
    values[name] = JSON.stringify(list);
    return sql`${expr} IN (SELECT value FROM json_each(${p(name)}))`;
  };
  const many = (list: readonly unknown[]) => (list.length === 1 ? '1' : 'n');
  switch (c.kind) {
    case 'text': {
      if (c.column === 'legalEntityId') {
        const members = (where: SQL) => sql`${customers.pk} IN (SELECT m.customer_pk FROM customer_legal_entities m
          JOIN legal_entities e ON e.pk = m.legal_entity_pk WHERE e.tenant = ${p('tenant')} AND ${where})`;
        if (c.op === 'in') return { sql: members(oneOf(sql`e.id`, c.values)), shape: `entity:${many(c.values)}` };
        if (c.op === 'contains') {
          values[name] = c.value.toLowerCase();
          return { sql: members(sql`instr(${sql.raw(FOLD)}(e.id), ${p(name)}) > 0`), shape: 'entity~' };
        }
        const member = sql`SELECT 1 FROM customer_legal_entities m WHERE m.customer_pk = ${customers.pk}`;
        return { sql: sql`NOT EXISTS (${member})`, shape: 'entity:null' };
      }
      const column = sql`${TEXT_COLUMNS[c.column]}`;
      const shape = `${c.column}:${c.op}`;
      if (c.op === 'isNull') return { sql: sql`${column} IS NULL`, shape };
      if (c.op === 'contains') {
        values[name] = c.value.toLowerCase();
        return { sql: sql`instr(${sql.raw(FOLD)}(${column}), ${p(name)}) > 0`, shape };
      }
      const key = SORT_KEYS[c.column];
      if (c.column === 'contactEmail') {
        // As the contactEmail filter: letter case ignored, through the sort key's index.
        return {
          sql: sql`${oneOf(indexed(key!), c.values)} AND ${column} IS NOT NULL`,
          shape: `${shape}:${many(c.values)}`,
        };
      }
      if (key) {
        // The sort key (case folded) finds the rows through its index; the exact value is checked on them.
        const exact = oneOf(column, c.values);
        const exactName = `${name}x`;
        values[exactName] = values[name];
        const folded =
          c.values.length === 1
            ? sql`${indexed(key)} = ${p(exactName)}`
            : sql`${indexed(key)} IN (SELECT value FROM json_each(${p(exactName)}))`;
        return { sql: sql`${folded} AND ${exact}`, shape: `${shape}:${many(c.values)}` };
      }
      return {
        sql: oneOf(c.column === 'customerNumber' ? indexed(column) : column, c.values),
        shape: `${shape}:${many(c.values)}`,
      };
    }
    case 'number': {
      const column = indexed(sql`${NUMBER_COLUMNS[c.column]}`);
      if (c.op === 'in') return { sql: oneOf(column, c.values), shape: `${c.column}:in:${many(c.values)}` };
      values[name] = c.value;
      return { sql: sql`${column} ${sql.raw(COMPARISON[c.op])} ${p(name)}`, shape: `${c.column}:${c.op}` };
    }
    case 'mixin': {
      const pathName = `${name}p`;
      values[pathName] = jsonPath(c.path);
      const type = sql`json_type(${customers.mixins}, ${p(pathName)})`;
      if (c.op !== 'eq') {
        return c.op === 'exists'
          ? { sql: sql`${type} IS NOT NULL`, shape: 'mixin:exists' }
          : { sql: sql`${type} IS NULL`, shape: 'mixin:missing' };
      }
      if (typeof c.value === 'boolean') {
        return { sql: sql`${type} = ${c.value ? 'true' : 'false'}`, shape: `mixin:${c.value}` };
      }
      values[name] = c.value;
      const types = typeof c.value === 'number' ? sql`IN ('integer', 'real')` : sql`= 'text'`;
      return {
        sql: sql`${type} ${types} AND json_extract(${customers.mixins}, ${p(pathName)}) = ${p(name)}`,
        shape: `mixin:${typeof c.value}`,
      };
    }
  }
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
  for (const [i, condition] of (filter.conditions ?? []).entries()) {
    // Where an equality seeks, it leads: every other index is hidden, as for the contact email.
    const indexed = (expr: SQL) =>
      driver === 'order' || (driver === 'email' && isSeek(condition)) ? expr : unindexed(expr);
    const one = conditionSql(condition, `q${i}`, values, indexed);
    shape.push(one.shape);
    conditions.push(one.sql);
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

/** The columns a customer is looked up by. */
type LookupKey = 'customerNumber' | 'pk';

export function createCustomerStore(db: Db) {
  const lookups = new PreparedCache<ReturnType<typeof prepareLookup>>(128);
  const lists = new PreparedCache<ReturnType<typeof prepareList>>();
  const counts = new PreparedCache<ReturnType<typeof prepareCount>>();
  // A function of this connection, for the short searches' case folding.
  db.$client.function(FOLD, { deterministic: true }, (text: unknown) =>
    typeof text === 'string' ? text.toLowerCase() : text,
  );

  // A batch of keys comes as one JSON array, so one prepared statement serves any batch size; a single key (Q1's
  // lookup) has a statement of its own, `= ?`, which spares json_each and its parse (1.04-1.08x Q1's requests/s).
  // With the parts asked for as columns of their own (./parts.ts): one statement for customers and parts.
  function prepareLookup(reach: Reach, key: LookupKey, selected: PartsSelected, single: boolean) {
    const partColumns = Object.fromEntries(partColumnsSql(selected).map((column, i) => [`part${i}`, column]));
    const column = customers[key];
    const query = db
      .select({ ...getTableColumns(customers), ...partColumns })
      .from(customers)
      .where(
        and(
          // pks lead: the rowid finds each, where a tenant-led index would walk the tenant's customers for a batch.
          customerInReach(reachShape(reach), { tenantIndexed: key !== 'pk' }),
          single
            ? sql`${column} = ${sql.placeholder('key')}`
            : sql`${column} IN (SELECT value FROM json_each(${sql.placeholder('keys')}))`,
        ),
      )
      .prepare();
    return tableRows(customers, query, selected.length > 0 ? withPartColumns(selected) : undefined);
  }
  /** The customers within reach whose `key` is one of `keys`, with the parts asked for. */
  function lookup(reach: Reach, key: LookupKey, keys: readonly (string | number)[], parts?: CustomerParts) {
    if (keys.length === 0) return [];
    const { selected, shape } = partsSelected(parts);
    const single = keys.length === 1;
    const query = lookups.get(`${key}|${reachShape(reach)}|${shape}|${single ? 'one' : 'many'}`, () =>
      prepareLookup(reach, key, selected, single),
    );
    return query.all(
      single ? { ...reachValues(reach), key: keys[0] } : { ...reachValues(reach), keys: JSON.stringify(keys) },
    );
  }
  function prepareList(
    where: SQL[],
    terms: readonly { expr: SQL; direction: Direction }[],
    hasCursor: boolean,
    hasOffset: boolean,
  ) {
    const limited = db
      .select()
      .from(customers)
      .where(and(...where, ...(hasCursor ? [keysetCondition(terms)] : [])))
      .orderBy(...terms.map((t) => (t.direction === 'ASC' ? asc(t.expr) : desc(t.expr))))
      .limit(sql.placeholder('limit'));
    const query = (hasOffset ? limited.offset(sql.placeholder('offset')) : limited).prepare();
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
    async byNumbers(reach: Reach, numbers: readonly string[], parts?: CustomerParts): Promise<CustomerRead[]> {
      return lookup(reach, 'customerNumber', numbers, parts);
    },

    async byPks(reach: Reach, pks: readonly number[], parts?: CustomerParts): Promise<CustomerRead[]> {
      return lookup(reach, 'pk', pks, parts);
    },

    /**
     * Up to `limit` rows after the cursor, in order; the caller asks for one more than a page to learn hasNextPage.
     * Brings no parts (see ./parts.ts): the part loaders read them, one statement each for the whole page.
     */
    async list(reach: Reach, query: CustomerListQuery): Promise<CustomerRead[]> {
      const { key, driver, values, where } = selection(reach, query.filter);
      const order = totalOrder(query.order);
      const terms = order.map((t) => ({
        expr: driver === 'order' ? orderExpression[t.field] : unindexed(orderExpression[t.field]),
        direction: t.direction,
      }));
      const orderKey = order.map((t) => `${t.field}:${t.direction}`).join(',');
      const after = query.after;
      const offset = query.offset ? query.offset : undefined;
      const prepared = lists.get(`${key}|${orderKey}|${after ? 'after' : 'first'}|${offset ? 'offset' : ''}`, () =>
        prepareList(where(), terms, after !== undefined, offset !== undefined),
      );
      const cursorValues = Object.fromEntries((after ?? []).map((value, i) => [`c${i}`, value]));
      return prepared.all({ ...values, ...cursorValues, limit: query.limit, ...(offset ? { offset } : {}) });
    },

    async count(reach: Reach, filter: CustomerListFilter): Promise<number> {
      const { key, values, where } = selection(reach, filter);
      return counts.get(key, () => prepareCount(where())).get(values)?.count ?? 0;
    },

    /** Writes run one transaction at a time on the one writer connection, so a read holds the row until commit. */
    async lockByNumber(reach: Reach, customerNumber: string): Promise<Customer | undefined> {
      return lookup(reach, 'customerNumber', [customerNumber])[0];
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
