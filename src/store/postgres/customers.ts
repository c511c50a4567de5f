/** Customer rows: batched lookups, keyset-paginated lists, counts, and the writes (with number claims). */
import { and, asc, desc, eq, getTableColumns, isNotNull, type SQL, sql } from 'drizzle-orm';
import {
  type CustomerCondition,
  type CustomerListFilter,
  type CustomerOrderField,
  type CustomerParts,
  type Direction,
  type KeysetPosition,
  NUMERIC_ORDER_FIELDS,
  type Reach,
  type StoreReads,
  type Transaction,
  totalOrder,
} from '../../domain/store.js';
import { anyOf, type Bind, type Db, keyIn, Params, type Statements } from './db.js';
import { partColumns, withParts } from './parts.js';
import { customerInReach, reachShape } from './reach.js';
import { customerNumbers, customers, sortKey } from './schema.js';

const CUSTOMER_COLUMNS = getTableColumns(customers);

/** The expression each order field sorts by; each leads a (tenant, expression, customer_number) index. */
const ORDER_EXPRESSION: Record<CustomerOrderField, SQL> = {
  CREATED_AT: sql`${customers.createdAt}`,
  MODIFIED_AT: sql`${customers.modifiedAt}`,
  // The column's collation is "C": byte order, as SQLite compares it.
  CUSTOMER_NUMBER: sql`${customers.customerNumber}`,
  LAST_NAME: sortKey(customers.lastName),
  FIRST_NAME: sortKey(customers.firstName),
  CONTACT_EMAIL: sortKey(customers.contactEmail),
  COMPANY: sortKey(customers.company),
};

/**
 * A cursor's value as its order expression compares it: a cursor holds the row's raw value (positionReader), so
 * text is folded here exactly as the sort key folds the column.
 */
function cursorValue(field: CustomerOrderField, value: SQL): SQL {
  if (NUMERIC_ORDER_FIELDS.has(field)) return sql`${value}::bigint`;
  if (field === 'CUSTOMER_NUMBER') return sql`${value}::text`;
  return sql`lower(${value}::text COLLATE "C")`;
}

/**
 * The searched text, the very expression of the GIN index in drizzle-postgres/0001_customer_search.sql (the planner
 * matches expressions, not names): the columns joined by chr(31), case folded in every script by ICU's root.
 */
const SEARCH_TEXT = sql`lower((${customers.customerNumber} || chr(31) || coalesce(${customers.firstName}, '')
  || chr(31) || coalesce(${customers.lastName}, '') || chr(31) || coalesce(${customers.company}, '')
  || chr(31) || coalesce(${customers.contactEmail}, '')) COLLATE "und-x-icu")`;

/** A LIKE pattern that matches `text` literally (backslash is LIKE's default escape). */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The conditions of a filter, their values entering through `bind`, and their shape: what the SQL text depends on
 * (which filters, which operators; not the values, nor the lengths of value lists, which are array parameters).
 * `searches` says that a LIKE pattern is among them.
 */
function filterConditions(
  reach: Reach,
  filter: CustomerListFilter,
  bind: Bind,
): { conditions: SQL[]; shape: string; searches: boolean } {
  const conditions: SQL[] = [];
  const shape: string[] = [];
  let searches = false;
  const search = filter.search?.trim() ?? '';
  if (search !== '') {
    // The pattern is folded by the same lower() as the indexed text; pg_trgm answers a pattern of three characters
    // or more from its trigrams, and a shorter one is checked on the rows the other conditions leave.
    conditions.push(
      sql`${SEARCH_TEXT} LIKE ('%' || lower(${bind(escapeLike(search))}::text COLLATE "und-x-icu") || '%')`,
    );
    shape.push('search');
    searches = true;
  }
  if (filter.legalEntityId !== undefined) {
    conditions.push(sql`${customers.pk} IN (SELECT m.customer_pk FROM customer_legal_entities m
      JOIN legal_entities e ON e.pk = m.legal_entity_pk
      WHERE e.tenant = ${bind(reach.tenant)} AND e.id = ${bind(filter.legalEntityId)})`);
    shape.push('entity');
  }
  if (filter.contactEmail !== undefined) {
    // The sort key maps NULL to '', so an empty email must not match the customers that have none.
    conditions.push(
      sql`${sortKey(customers.contactEmail)} = lower(${bind(filter.contactEmail)}::text COLLATE "C")`,
      isNotNull(customers.contactEmail),
    );
    shape.push('email');
  }
  if (filter.active !== undefined) {
    conditions.push(eq(customers.active, bind(filter.active)));
    shape.push('active');
  }
  if (filter.onHold !== undefined) {
    conditions.push(eq(customers.onHold, bind(filter.onHold)));
    shape.push('onHold');
  }
  if (filter.businessModel !== undefined) {
    const member = sql`SELECT 1 FROM customer_legal_entities m WHERE m.customer_pk = ${customers.pk}`;
    conditions.push(filter.businessModel === 'B2B' ? sql`EXISTS (${member})` : sql`NOT EXISTS (${member})`);
    shape.push(filter.businessModel);
  }
  if (filter.modifiedSince !== undefined) {
    conditions.push(sql`${customers.modifiedAt} >= ${bind(filter.modifiedSince)}::bigint`);
    shape.push('since');
  }
  for (const condition of filter.conditions ?? []) {
    conditions.push(conditionSql(reach, condition, bind));
    shape.push(conditionShape(condition));
    if ('op' in condition && condition.op === 'contains') searches = true;
  }
  return { conditions, shape: shape.join(','), searches };
}

/** What the SQL text of {@link conditionSql} depends on. */
function conditionShape(c: CustomerCondition): string {
  switch (c.kind) {
    case 'text':
      return `text:${c.column}:${c.op}`;
    case 'number':
      return `number:${c.column}:${c.op}`;
    case 'mixin':
      return `mixin:${c.op}:${c.op === 'eq' ? typeof c.value : ''}`;
  }
}

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
/** The columns whose sort key leads an order index: their equality seeks it. */
const SORT_KEYED = new Set(['firstName', 'lastName', 'contactEmail', 'company']);
const NUMBER_COLUMNS = {
  version: customers.version,
  createdAt: customers.createdAt,
  modifiedAt: customers.modifiedAt,
} as const;
const COMPARISON = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/** What lower() under the "C" collation does (the sort keys' folding): ASCII letters only. */
const foldAscii = (text: string) => text.replace(/[A-Z]/g, (c) => c.toLowerCase());
/** The searched text's folding (SEARCH_TEXT), for a case-insensitive substring of one column. */
const containsFolded = (expr: SQL, value: string, bind: Bind) =>
  sql`lower(${expr} COLLATE "und-x-icu") LIKE ('%' || lower(${bind(escapeLike(value))}::text COLLATE "und-x-icu") || '%')`;

/** One condition of the REST API's q as SQL (the meanings of src/domain/store.ts, as the SQLite store's). */
function conditionSql(reach: Reach, c: CustomerCondition, bind: Bind): SQL {
  switch (c.kind) {
    case 'text': {
      if (c.column === 'legalEntityId') {
        const members = (where: SQL) => sql`${customers.pk} IN (SELECT m.customer_pk FROM customer_legal_entities m
          JOIN legal_entities e ON e.pk = m.legal_entity_pk WHERE e.tenant = ${bind(reach.tenant)} AND ${where})`;
        if (c.op === 'in') return members(sql`e.id = ${anyOf(c.values, 'text', bind)}`);
        if (c.op === 'contains') return members(containsFolded(sql`e.id`, c.value, bind));
        return sql`NOT EXISTS (SELECT 1 FROM customer_legal_entities m WHERE m.customer_pk = ${customers.pk})`;
      }
      const column = TEXT_COLUMNS[c.column];
      if (c.op === 'isNull') return sql`${column} IS NULL`;
      if (c.op === 'contains') return containsFolded(sql`${column}`, c.value, bind);
      if (c.column === 'contactEmail') {
        // As the contactEmail filter: ASCII letter case ignored, through the sort key's index.
        return sql`${sortKey(column)} = ${anyOf(c.values.map(foldAscii), 'text', bind)} AND ${column} IS NOT NULL`;
      }
      const exact = sql`${column} = ${anyOf(c.values, 'text', bind)}`;
      // The sort key (folded) is what the index holds; the exact value is checked on the rows it finds.
      return SORT_KEYED.has(c.column)
        ? sql`${sortKey(column)} = ${anyOf(c.values.map(foldAscii), 'text', bind)} AND ${exact}`
        : exact;
    }
    case 'number': {
      const column = NUMBER_COLUMNS[c.column];
      if (c.op === 'in') return sql`${column} = ${anyOf(c.values, 'bigint', bind)}`;
      return sql`${column} ${sql.raw(COMPARISON[c.op])} ${bind(c.value)}::bigint`;
    }
    case 'mixin': {
      const path = sql`VARIADIC ${bind(c.path)}::text[]`;
      const value = sql`json_extract_path(${customers.mixins}, ${path})`;
      // A key present with the value null is there: json_extract_path answers JSON null for it, SQL NULL when absent.
      if (c.op !== 'eq') return c.op === 'exists' ? sql`${value} IS NOT NULL` : sql`${value} IS NULL`;
      const asText = sql`json_extract_path_text(${customers.mixins}, ${path})`;
      if (typeof c.value === 'boolean') {
        return sql`json_typeof(${value}) = 'boolean' AND ${asText} = ${bind(String(c.value))}`;
      }
      if (typeof c.value === 'number') {
        return sql`json_typeof(${value}) = 'number' AND (${asText})::numeric = ${bind(String(c.value))}::numeric`;
      }
      return sql`json_typeof(${value}) = 'string' AND ${asText} = ${bind(c.value)}::text`;
    }
  }
}

/**
 * "Comes after the cursor" under the total order. When every term runs one way it is one row comparison, which
 * the order's index answers as a range; mixed directions need the OR-chain, behind a bound on the first term that
 * the index can seek to.
 */
function afterPosition(
  terms: readonly { field: CustomerOrderField; direction: Direction }[],
  after: KeysetPosition,
  bind: Bind,
) {
  if (after.length !== terms.length) throw new Error('The cursor does not belong to this order.');
  const exprs = terms.map((term) => ORDER_EXPRESSION[term.field]);
  const values = terms.map((term, i) => cursorValue(term.field, bind(after[i]!)));
  const beyond = (direction: Direction, orEqual: boolean) =>
    sql.raw(direction === 'ASC' ? (orEqual ? '>=' : '>') : orEqual ? '<=' : '<');
  const first = terms[0]!;
  if (terms.every((term) => term.direction === first.direction)) {
    return sql`(${sql.join(exprs, sql`, `)}) ${beyond(first.direction, false)} (${sql.join(values, sql`, `)})`;
  }
  const alternatives = terms.map((term, i) => {
    const equalBefore = exprs.slice(0, i).map((expr, j) => sql`${expr} = ${values[j]}`);
    return sql.join([...equalBefore, sql`${exprs[i]} ${beyond(term.direction, false)} ${values[i]}`], sql` AND `);
  });
  return sql`(${exprs[0]} ${beyond(first.direction, true)} ${values[0]} AND ((${sql.join(alternatives, sql`) OR (`)})))`;
}

export function customerReads(db: Db, statements: Statements): StoreReads['customers'] {
  /** The customers within reach whose `column` is one of `keys`, with the parts asked for. */
  async function lookup(
    name: string,
    reach: Reach,
    column: typeof customers.customerNumber | typeof customers.pk,
    keys: readonly (string | number)[],
    type: 'text' | 'bigint',
    parts: CustomerParts | undefined,
  ) {
    if (keys.length === 0) return [];
    const { bind, values } = new Params();
    const matching = keyIn(column, keys, type, bind);
    const where = and(customerInReach(reach, bind), matching.sql);
    const selected = partColumns(parts);
    const rows = await statements.run(
      db,
      `customers.${name}|${reachShape(reach)}|${matching.shape}|${selected.shape}`,
      (on) =>
        on
          .select({ ...CUSTOMER_COLUMNS, ...selected.columns })
          .from(customers)
          .where(where),
      values,
    );
    return withParts(rows, parts);
  }

  return {
    byNumbers: (reach, numbers, parts) => lookup('byNumbers', reach, customers.customerNumber, numbers, 'text', parts),
    byPks: (reach, pks, parts) => lookup('byPks', reach, customers.pk, pks, 'bigint', parts),

    async list(reach, query, parts) {
      const terms = totalOrder(query.order);
      const { bind, values } = new Params();
      const filtered = filterConditions(reach, query.filter, bind);
      const where = [customerInReach(reach, bind), ...filtered.conditions];
      if (query.after !== undefined) where.push(afterPosition(terms, query.after, bind));
      const offset = query.offset ? query.offset : undefined;
      const order = terms.map((term) =>
        term.direction === 'ASC' ? asc(ORDER_EXPRESSION[term.field]) : desc(ORDER_EXPRESSION[term.field]),
      );
      const selected = partColumns(parts);
      const key = [
        'customers.list',
        reachShape(reach),
        filtered.shape,
        terms.map((term) => `${term.field}:${term.direction}`).join(','),
        query.after === undefined ? 'first' : 'after',
        offset === undefined ? '' : 'offset',
        selected.shape,
      ].join('|');
      const rows = await statements.run(
        db,
        key,
        (on) => {
          // The parts' subqueries are in the select list: PostgreSQL runs them for the rows the limit keeps only.
          const limited = on
            .select({ ...CUSTOMER_COLUMNS, ...selected.columns })
            .from(customers)
            .where(and(...where))
            .orderBy(...order)
            .limit(sql.placeholder('limit'));
          return offset === undefined ? limited : limited.offset(sql.placeholder('offset'));
        },
        { ...values, limit: query.limit, ...(offset === undefined ? {} : { offset }) },
        { named: !filtered.searches },
      );
      return withParts(rows, parts);
    },

    async count(reach, filter) {
      const { bind, values } = new Params();
      const filtered = filterConditions(reach, filter, bind);
      const where = and(customerInReach(reach, bind), ...filtered.conditions);
      const [row] = await statements.run(
        db,
        `customers.count|${reachShape(reach)}|${filtered.shape}`,
        (on) => on.select({ count: sql<number>`count(*)::integer` }).from(customers).where(where),
        values,
        { named: !filtered.searches },
      );
      return row?.count ?? 0;
    },
  };
}

type CustomerWrites = Omit<Transaction['customers'], keyof StoreReads['customers']>;

export function customerWrites(db: Db): CustomerWrites {
  const ofTenant = (reach: Reach, pk: number) => and(eq(customers.tenant, reach.tenant), eq(customers.pk, pk));
  return {
    async lockByNumber(reach, customerNumber) {
      // The same reach-checked select as byNumbers; only the customers row is locked, not the membership rows.
      const [row] = await db
        .select()
        .from(customers)
        .where(and(customerInReach(reach), eq(customers.customerNumber, customerNumber)))
        .for('update', { of: customers });
      return row;
    },

    async numberDeleted(reach, customerNumber) {
      const rows = await db
        .select({ taken: sql<number>`1` })
        .from(customerNumbers)
        .where(
          and(
            eq(customerNumbers.tenant, reach.tenant),
            eq(customerNumbers.customerNumber, customerNumber),
            isNotNull(customerNumbers.deletedAt),
          ),
        );
      return rows.length > 0;
    },

    async insert(reach, values) {
      // The claim decides: a number that is or was in use is there already (a racing insert waits for the first
      // one's commit), and DO NOTHING leaves the transaction usable.
      const claimed = await db
        .insert(customerNumbers)
        .values({ tenant: reach.tenant, customerNumber: values.customerNumber })
        .onConflictDoNothing()
        .returning({ customerNumber: customerNumbers.customerNumber });
      if (claimed.length === 0) return undefined;
      const [row] = await db
        .insert(customers)
        .values({ ...values, tenant: reach.tenant })
        .onConflictDoNothing()
        .returning();
      return row;
    },

    async update(reach, pk, changes) {
      const [row] = Object.values(changes).some((value) => value !== undefined)
        ? await db.update(customers).set(changes).where(ofTenant(reach, pk)).returning()
        : await db.select().from(customers).where(ofTenant(reach, pk));
      if (!row) throw new Error(`No customer ${pk} in tenant ${reach.tenant} to update.`);
      return row;
    },

    async delete(reach, customer, at) {
      // Addresses, accounts and assignments go with it (ON DELETE CASCADE); the number's claim stays, marked.
      await db.delete(customers).where(ofTenant(reach, customer.pk));
      await db
        .insert(customerNumbers)
        .values({ tenant: reach.tenant, customerNumber: customer.customerNumber, deletedAt: at })
        .onConflictDoUpdate({
          target: [customerNumbers.tenant, customerNumbers.customerNumber],
          set: { deletedAt: at },
        });
    },
  };
}
