/**
 * Customer rows: what a lookup, a list, a count, a filter, a `q` condition, an order and a cursor mean, and the
 * writes (with number claims), written once over a dialect (./dialect.ts).
 */
import { type Column, type SQL, sql } from 'drizzle-orm';
import {
  type Customer,
  type CustomerCondition,
  type CustomerListFilter,
  type CustomerOrderField,
  type CustomerParts,
  type CustomerTextColumn,
  type Direction,
  type KeysetPosition,
  NUMERIC_ORDER_FIELDS,
  type OrderTerm,
  type Reach,
  type StoreReads,
  type Transaction,
  totalOrder,
} from '../../domain/store.js';
import type { Dialect } from './dialect.js';
import { partColumns } from './parts.js';
import type { ExpensiveReads } from './index.js';
import { arity, type Bind, type Executor, Params, type Query, rowsOf } from './query.js';
import { deleteRow, insertRow, updateRow } from './writes.js';

/** Below three characters a trigram index cannot answer a substring search: such a search reads the other rows. */
export const isIndexedSearch = (search: string | undefined) => [...(search?.trim() ?? '')].length >= 3;

/** Deeper than this, a page's offset is the work: the rows it skips are read and dropped. */
const DEEP_OFFSET = 1000;

/**
 * Whether a read's work is not bounded by its page, so that it may read a large part of the tenant: a search, a
 * deep offset, a count (but of a small set of keys), conditions that the order's index walks past row by row. Those
 * go through admission (./admission.ts); reads by key and index-led pages do not.
 */
function isExpensive(lead: Lead, filter: CustomerListFilter, filtered: number, page?: { offset?: number | undefined }) {
  if ((filter.search?.trim() ?? '') !== '') return true;
  if (!page) return lead !== 'keys';
  return (page.offset ?? 0) > DEEP_OFFSET || (lead === 'order' && filtered > 0);
}

/** What lower() under the "C" collation and SQLite's NOCASE fold: ASCII letters only. */
export const foldAscii = (text: string) => text.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** The shape of a reach (not its values), for a statement's key. */
export const reachShape = (reach: Reach) =>
  !reach.company ? 'tenant' : reach.company.legalEntityId ? 'entity' : 'company';

/**
 * Which index should lead a list's plan: the order's (walked and filtered, right for broad filters), or a selective
 * condition's, the few rows it finds then sorted: `keys`, a set of pks (search matches, a legal entity's members, an
 * own company); `seek`, an equality on the unique number or a sort key.
 */
type Lead = 'order' | 'seek' | 'keys';

/** Text columns whose equality an index answers: the unique number, and the sort keys of the order indexes. */
const SORT_KEYED: ReadonlySet<CustomerTextColumn> = new Set(['firstName', 'lastName', 'contactEmail', 'company']);
const isSeek = (c: CustomerCondition) =>
  c.kind === 'text' && c.op === 'in' && (c.column === 'customerNumber' || SORT_KEYED.has(c.column));
/** A legal entity's members are a set of pks, as the legalEntityId filter's are. */
const isEntityIn = (c: CustomerCondition) => c.kind === 'text' && c.op === 'in' && c.column === 'legalEntityId';

function leadOf(filter: CustomerListFilter, reach: Reach): Lead {
  const conditions = filter.conditions ?? [];
  if (
    reach.company ||
    filter.legalEntityId !== undefined ||
    isIndexedSearch(filter.search) ||
    conditions.some(isEntityIn)
  ) {
    return 'keys';
  }
  return filter.contactEmail !== undefined || conditions.some(isSeek) ? 'seek' : 'order';
}

/** What the SQL of a condition depends on: neither its values nor the length of a list (one or many). */
function conditionShape(c: CustomerCondition): string {
  switch (c.kind) {
    case 'text':
    case 'number':
      return `${c.kind}:${c.column}:${c.op}${'values' in c ? `:${arity(c.values)}` : ''}`;
    case 'mixin':
      return `mixin:${c.op}:${c.path.length}${c.op === 'eq' ? `:${typeof c.value}` : ''}`;
  }
}

const COMPARISON = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

export function customerStore(d: Dialect) {
  const c = d.tables.customers;
  const { sortKey } = d.expressions;
  const CUSTOMER = rowsOf<Customer>(c);
  const PARTS = partColumns(d);

  /** The expression each order field sorts by; each leads a (tenant, expression, customer_number) index. */
  const ORDER: Record<CustomerOrderField, SQL> = {
    CREATED_AT: sql`${c.createdAt}`,
    MODIFIED_AT: sql`${c.modifiedAt}`,
    CUSTOMER_NUMBER: sql`${c.customerNumber}`,
    LAST_NAME: sortKey(c.lastName),
    FIRST_NAME: sortKey(c.firstName),
    CONTACT_EMAIL: sortKey(c.contactEmail),
    COMPANY: sortKey(c.company),
  };
  /**
   * "This customers row is within reach": the tenant, and for an own-scope customer token only the customers that
   * share a legal entity with the caller (only `legalEntityId` when the token names one). The others are not there
   * at all, so lookups, lists and counts cannot tell them from missing ones. `tenantLeads` false leaves the tenant a
   * filter only, so that a small set of keys leads the plan.
   */
  function inReach(reach: Reach, bind: Bind, tenantLeads: boolean): SQL {
    const tenant = sql`${d.lead(sql`${c.tenant}`, tenantLeads)} = ${bind(reach.tenant)}`;
    const company = reach.company;
    if (!company) return tenant;
    const narrowToEntity = company.legalEntityId
      ? sql` AND mine.legal_entity_pk = (SELECT e.pk FROM legal_entities e
          WHERE e.tenant = ${bind(reach.tenant)} AND e.id = ${bind(company.legalEntityId)})`
      : sql``;
    return sql`(${tenant} AND ${c.pk} IN (
      SELECT theirs.customer_pk FROM customer_legal_entities theirs WHERE theirs.legal_entity_pk IN (
        SELECT mine.legal_entity_pk FROM customer_legal_entities mine
        JOIN customers me ON me.pk = mine.customer_pk
        WHERE me.tenant = ${bind(reach.tenant)} AND me.customer_number = ${bind(company.customerNumber)}${narrowToEntity})))`;
  }

  /** The customers that belong to a legal entity of the tenant for which `where` (on `e`, the entity) holds. */
  const members = (reach: Reach, where: SQL, bind: Bind) =>
    sql`${c.pk} IN (SELECT m.customer_pk FROM customer_legal_entities m JOIN legal_entities e ON e.pk = m.legal_entity_pk
      WHERE e.tenant = ${bind(reach.tenant)} AND ${where})`;
  const hasMembership = sql`EXISTS (SELECT 1 FROM customer_legal_entities m WHERE m.customer_pk = ${c.pk})`;

  /** One `q` condition (src/domain/store.ts says what each means); `indexed` marks what may lead the plan. */
  function conditionSql(reach: Reach, q: CustomerCondition, bind: Bind, indexed: (expr: SQL) => SQL): SQL {
    switch (q.kind) {
      case 'text': {
        if (q.column === 'legalEntityId') {
          if (q.op === 'in') return members(reach, d.oneOf(sql`e.id`, q.values, 'text', bind), bind);
          if (q.op === 'contains') return members(reach, d.contains(sql`e.id`, q.value, bind), bind);
          return sql`NOT ${hasMembership}`;
        }
        // A text column of a condition is the row field of that name.
        const column = c[q.column];
        if (q.op === 'isNull') return sql`${column} IS NULL`;
        if (q.op === 'contains') return d.contains(sql`${column}`, q.value, bind);
        if (!SORT_KEYED.has(q.column)) {
          return d.oneOf(q.column === 'customerNumber' ? indexed(sql`${column}`) : column, q.values, 'text', bind);
        }
        // The sort key (folded) is what the index holds: it finds the rows; the exact value is checked on them, but
        // for the contact email, whose letter case is ignored as the contactEmail filter ignores it.
        const folded = d.oneOf(indexed(sortKey(column)), q.values.map(foldAscii), 'text', bind);
        return q.column === 'contactEmail'
          ? sql`${folded} AND ${column} IS NOT NULL`
          : sql`${folded} AND ${d.oneOf(column, q.values, 'text', bind)}`;
      }
      case 'number': {
        const column = indexed(sql`${c[q.column]}`);
        if (q.op === 'in') return d.oneOf(column, q.values, 'bigint', bind);
        return sql`${column} ${sql.raw(COMPARISON[q.op])} ${d.typed(bind(q.value), 'bigint')}`;
      }
      case 'mixin':
        return d.mixin(c.mixins, q.path, q, bind);
    }
  }

  /** The conditions of a filter, and their shape: what their SQL depends on (not the values). */
  function filterConditions(reach: Reach, filter: CustomerListFilter, bind: Bind, lead: Lead) {
    const conditions: SQL[] = [];
    const shape: string[] = [];
    let planPerCall = false;
    const broad = (column: Column) => d.lead(sql`${column}`, lead === 'order');
    const search = filter.search?.trim() ?? '';
    if (search !== '') {
      conditions.push(d.search(reach.tenant, search, bind));
      shape.push(isIndexedSearch(search) ? 'search' : 'shortSearch');
      planPerCall = true;
    }
    if (filter.legalEntityId !== undefined) {
      conditions.push(members(reach, sql`e.id = ${bind(filter.legalEntityId)}`, bind));
      shape.push('entity');
    }
    if (filter.contactEmail !== undefined) {
      // The sort key maps NULL to '', so an empty email must not match the customers that have none.
      const email = d.typed(bind(foldAscii(filter.contactEmail)), 'text');
      conditions.push(sql`${sortKey(c.contactEmail)} = ${email} AND ${c.contactEmail} IS NOT NULL`);
      shape.push('email');
    }
    for (const flag of ['active', 'onHold'] as const) {
      if (filter[flag] === undefined) continue;
      conditions.push(sql`${broad(c[flag])} = ${bind(c[flag].mapToDriverValue(filter[flag]))}`);
      shape.push(flag);
    }
    if (filter.businessModel !== undefined) {
      conditions.push(filter.businessModel === 'B2B' ? hasMembership : sql`NOT ${hasMembership}`);
      shape.push(filter.businessModel);
    }
    if (filter.modifiedSince !== undefined) {
      conditions.push(sql`${broad(c.modifiedAt)} >= ${d.typed(bind(filter.modifiedSince), 'bigint')}`);
      shape.push('since');
    }
    for (const condition of filter.conditions ?? []) {
      // Where an equality seeks, it leads: the other indexes are hidden, as for the contact email.
      const leads = lead === 'order' || (lead === 'seek' && isSeek(condition));
      conditions.push(conditionSql(reach, condition, bind, (expr) => d.lead(expr, leads)));
      shape.push(conditionShape(condition));
      if (condition.op === 'contains') planPerCall = true;
    }
    return { conditions, shape: shape.join(','), planPerCall };
  }

  /** The conditions of a list or count (reach and filter), and the key of their shape. */
  function listConditions(reach: Reach, filter: CustomerListFilter, bind: Bind) {
    const lead = leadOf(filter, reach);
    const filtered = filterConditions(reach, filter, bind, lead);
    return {
      lead,
      filtered: filtered.conditions.length,
      where: [inReach(reach, bind, lead !== 'keys'), ...filtered.conditions],
      key: `${reachShape(reach)}|${filtered.shape}`,
      planPerCall: filtered.planPerCall,
    };
  }

  /** A cursor's value as its order expression compares it: text folded as the sort key folds its column. */
  function cursorValue(field: CustomerOrderField, value: string | number, bind: Bind): SQL {
    if (NUMERIC_ORDER_FIELDS.has(field)) return d.typed(bind(value), 'bigint');
    return d.typed(bind(field === 'CUSTOMER_NUMBER' ? value : foldAscii(String(value))), 'text');
  }

  /**
   * "Comes after the cursor" in the total order: one row comparison where the index seeks to one and every term runs
   * one way; else the OR-chain, behind a bound on the first term that the index seeks to.
   */
  function afterPosition(terms: readonly OrderTerm[], exprs: readonly SQL[], after: KeysetPosition, bind: Bind): SQL {
    const values = terms.map((term, i) => cursorValue(term.field, after[i]!, bind));
    const beyond = (direction: Direction, orEqual: boolean) =>
      sql.raw(direction === 'ASC' ? (orEqual ? '>=' : '>') : orEqual ? '<=' : '<');
    const first = terms[0]!;
    if (d.rowValueSeek && terms.every((term) => term.direction === first.direction)) {
      return sql`(${sql.join([...exprs], sql`, `)}) ${beyond(first.direction, false)} (${sql.join(values, sql`, `)})`;
    }
    const alternatives = terms.map((term, i) => {
      const equalBefore = exprs.slice(0, i).map((expr, j) => sql`${expr} = ${values[j]}`);
      return sql.join([...equalBefore, sql`${exprs[i]} ${beyond(term.direction, false)} ${values[i]}`], sql` AND `);
    });
    return sql`(${exprs[0]} ${beyond(first.direction, true)} ${values[0]} AND ((${sql.join(alternatives, sql`) OR (`)})))`;
  }

  /** The customers within reach whose `key` is one of `keys`, with the parts asked for; locked with `lock`. */
  async function lookup(
    exec: Executor,
    reach: Reach,
    key: 'customerNumber' | 'pk',
    keys: readonly (string | number)[],
    parts: CustomerParts | undefined,
    lock = false,
  ) {
    if (keys.length === 0) return [];
    const { bind, values } = new Params();
    const column = key === 'pk' ? c.pk : c.customerNumber;
    // pks lead: each is found by key, where a tenant-led index would walk the tenant's customers for a batch.
    const where = sql`${inReach(reach, bind, key !== 'pk')} AND ${d.oneOf(column, keys, key === 'pk' ? 'bigint' : 'text', bind)}`;
    const selected = PARTS.select(parts);
    const rows = await exec.all({
      key: `customers.${key}|${reachShape(reach)}|${arity(keys)}|${selected.shape}|${lock ? 'lock' : ''}`,
      sql: sql`SELECT ${CUSTOMER.list}${selected.columns} FROM ${c} WHERE ${where}${lock ? d.forUpdate : sql``}`,
      values,
    });
    return rows.map(PARTS.decode(selected.parts, CUSTOMER.decode));
  }

  function reads(exec: Executor, expensive?: ExpensiveReads): StoreReads['customers'] {
    /** A statement on `exec`, or when it is expensive on the expensive reads' connections once admitted. */
    const read = (reach: Reach, query: Query, costly: boolean) =>
      costly && expensive ? expensive.admission.run(reach.tenant, () => expensive.exec.all(query)) : exec.all(query);
    return {
      byNumbers: (reach, numbers, parts) => lookup(exec, reach, 'customerNumber', numbers, parts),
      byPks: (reach, pks, parts) => lookup(exec, reach, 'pk', pks, parts),

      async list(reach, query, parts) {
        const terms = totalOrder(query.order);
        const { bind, values } = new Params();
        const { lead, filtered, where, key, planPerCall } = listConditions(reach, query.filter, bind);
        const exprs = terms.map((term) => d.lead(ORDER[term.field], lead === 'order'));
        if (query.after !== undefined) where.push(afterPosition(terms, exprs, query.after, bind));
        const order = terms.map((term, i) => sql`${exprs[i]} ${sql.raw(term.direction)}`);
        const offset = query.offset ? query.offset : undefined;
        const selected = PARTS.select(d.partsOnPages ? parts : undefined);
        // The parts' subqueries are in the select list: they run for the rows the limit keeps only.
        const costly = isExpensive(lead, query.filter, filtered, query);
        const rows = await read(
          reach,
          {
            key: [
              'customers.list',
              key,
              terms.map((term) => `${term.field}:${term.direction}`).join(','),
              query.after === undefined ? 'first' : 'after',
              offset === undefined ? '' : 'offset',
              selected.shape,
            ].join('|'),
            sql: sql`SELECT ${CUSTOMER.list}${selected.columns} FROM ${c} WHERE ${sql.join(where, sql` AND `)}
            ORDER BY ${sql.join(order, sql`, `)} LIMIT ${bind(query.limit)}${offset === undefined ? sql`` : sql` OFFSET ${bind(offset)}`}`,
            values,
            planPerCall,
          },
          costly,
        );
        return rows.map(PARTS.decode(selected.parts, CUSTOMER.decode));
      },

      async count(reach, filter) {
        const { bind, values } = new Params();
        const { lead, filtered, where, key, planPerCall } = listConditions(reach, filter, bind);
        const query = {
          key: `customers.count|${key}`,
          sql: sql`SELECT count(*) FROM ${c} WHERE ${sql.join(where, sql` AND `)}`,
          values,
          planPerCall,
        };
        const [row] = await read(reach, query, isExpensive(lead, filter, filtered));
        return Number(row?.[0] ?? 0);
      },
    };
  }

  type Writes = Omit<Transaction['customers'], keyof StoreReads['customers']>;

  function writesOn(exec: Executor): Writes {
    const n = d.tables.customerNumbers;
    return {
      /** Where transactions run one at a time, the read alone holds the row until the commit. */
      lockByNumber: async (reach, customerNumber) =>
        (await lookup(exec, reach, 'customerNumber', [customerNumber], undefined, true))[0],

      async numberDeleted(reach, customerNumber) {
        const { bind, values } = new Params();
        const rows = await exec.all({
          key: 'customers.numberDeleted',
          sql: sql`SELECT 1 FROM ${n} WHERE ${n.tenant} = ${bind(reach.tenant)}
            AND ${n.customerNumber} = ${bind(customerNumber)} AND ${n.deletedAt} IS NOT NULL`,
          values,
        });
        return rows.length > 0;
      },

      async insert(reach, values) {
        // The claim decides: a number that is or was in use is there already (a racing insert waits for the first
        // one's commit), and DO NOTHING leaves the transaction usable.
        const claimed = await insertRow(exec, n, { tenant: reach.tenant, customerNumber: values.customerNumber });
        if (!claimed) return undefined;
        return insertRow<Customer>(exec, c, { ...values, tenant: reach.tenant });
      },

      update: (reach, pk, changes) => updateRow<Customer>(exec, c, reach, pk, changes),

      async delete(reach, customer, at) {
        // Addresses, accounts and assignments go with it (ON DELETE CASCADE); the number's claim stays, marked.
        await deleteRow(exec, c, reach, customer.pk);
        const { bind, values } = new Params();
        await exec.run({
          key: 'customers.tombstone',
          sql: sql`INSERT INTO ${n} (tenant, customer_number, deleted_at)
            VALUES (${bind(reach.tenant)}, ${bind(customer.customerNumber)}, ${bind(at)})
            ON CONFLICT (tenant, customer_number) DO UPDATE SET deleted_at = excluded.deleted_at`,
          values,
        });
      },
    };
  }

  return {
    reads,
    transaction: (exec: Executor): Transaction['customers'] => ({ ...reads(exec), ...writesOn(exec) }),
  };
}
