/**
 * `customers`: a keyset-paginated connection. A cursor records the order it was made for and the row's values
 * under that order (ending with its id), so the next page starts with an index seek, never an offset scan;
 * `totalCount` runs its count(*) only when selected.
 */
import { DomainError, badInput } from '../domain/errors.js';
import {
  isPositionIn,
  positionReader,
  type CustomerListFilter,
  type KeysetPosition,
  type OrderTerm,
} from '../store/customers.js';
import type { CustomerRow } from '../store/schema.js';
import { builder } from './builder.js';
import { BusinessModelEnum, CustomerRef } from './refs.js';

export const PAGE_SIZE = { default: 60, max: 200 } as const;

const OrderDirectionEnum = builder.enumType('OrderDirection', { values: ['ASC', 'DESC'] as const });
const CustomerOrderFieldEnum = builder.enumType('CustomerOrderField', {
  values: ['CREATED_AT', 'MODIFIED_AT', 'CUSTOMER_NUMBER', 'LAST_NAME', 'FIRST_NAME', 'CONTACT_EMAIL', 'COMPANY'] as const,
});

const CustomerOrder = builder.inputType('CustomerOrder', {
  fields: (t) => ({
    field: t.field({ type: CustomerOrderFieldEnum, required: true }),
    direction: t.field({ type: OrderDirectionEnum, defaultValue: 'ASC' }),
  }),
});

const CustomerFilter = builder.inputType('CustomerFilter', {
  description: 'All conditions that are given must hold.',
  fields: (t) => ({
    search: t.string({
      description: 'Case-insensitive match anywhere in first name, last name, company, contact email or customer number.',
    }),
    contactEmail: t.string({ description: 'Exact, case-insensitive.' }),
    active: t.boolean(),
    onHold: t.boolean(),
    businessModel: t.field({ type: BusinessModelEnum }),
    legalEntityId: t.id({ description: 'Customers assigned to this legal entity.' }),
    modifiedSince: t.field({ type: 'DateTime', description: 'Customers created or changed at or after this instant.' }),
  }),
});

interface CustomerPage {
  edges: { cursor: string; node: CustomerRow }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  /** Counted only when `totalCount` is selected. */
  count: () => number;
}

const CustomerConnection = builder.connectionObject(
  {
    type: CustomerRef,
    name: 'CustomerConnection',
    fields: (t) => ({
      totalCount: t.int({
        nullable: false,
        description: 'How many customers match, over all pages.',
        resolve: (page) => (page as unknown as CustomerPage).count(),
      }),
    }),
  },
  { name: 'CustomerEdge' },
);

const DEFAULT_ORDER: readonly OrderTerm[] = [{ field: 'CREATED_AT', direction: 'ASC' }];

/** The order asked for, each field once (the first mention wins). */
function orderOf(orderBy: readonly { field: OrderTerm['field']; direction?: OrderTerm['direction'] | null }[] | null | undefined) {
  const seen = new Set<string>();
  const terms: OrderTerm[] = [];
  for (const { field, direction } of orderBy ?? []) {
    if (seen.has(field)) continue;
    seen.add(field);
    terms.push({ field, direction: direction ?? 'ASC' });
  }
  return terms.length > 0 ? terms : DEFAULT_ORDER;
}

const signature = (order: readonly OrderTerm[]) => order.map((t) => `${t.field}:${t.direction}`).join(',');

/** The cursors of one order's rows: the order's signature, and the row's position under it. */
function cursorEncoder(order: readonly OrderTerm[]): (row: CustomerRow) => string {
  const o = signature(order);
  const position = positionReader(order);
  return (row) => Buffer.from(JSON.stringify({ o, k: position(row) })).toString('base64url');
}

/** The position a cursor records; BAD_USER_INPUT when it is malformed or was made for another order. */
export function decodeCursor(order: readonly OrderTerm[], cursor: string): KeysetPosition {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const { o, k } = (typeof decoded === 'object' && decoded !== null ? decoded : {}) as { o?: unknown; k?: unknown };
  if (typeof o === 'string' && o !== signature(order)) {
    throw badInput([{ field: 'after', message: 'was made for another orderBy' }]);
  }
  if (typeof o !== 'string' || !isPositionIn(order, k)) {
    throw badInput([{ field: 'after', message: 'is not a cursor of this list' }]);
  }
  return k;
}

function filterOf(filter: typeof CustomerFilter.$inferInput | null | undefined): CustomerListFilter {
  if (!filter) return {};
  return {
    search: filter.search?.trim() || undefined,
    contactEmail: filter.contactEmail?.trim() ?? undefined,
    active: filter.active ?? undefined,
    onHold: filter.onHold ?? undefined,
    businessModel: filter.businessModel ?? undefined,
    legalEntityId: filter.legalEntityId === null || filter.legalEntityId === undefined ? undefined : String(filter.legalEntityId),
    modifiedSince: filter.modifiedSince?.getTime(),
  };
}

builder.queryField('customers', (t) =>
  t.field({
    type: CustomerConnection,
    nullable: false,
    description: 'The customers the caller may see. Default order: CREATED_AT ASC, then id. first: 1..200, default 60.',
    authScopes: { allowed: 'read' },
    args: {
      first: t.arg.int({ defaultValue: PAGE_SIZE.default }),
      after: t.arg.string(),
      filter: t.arg({ type: CustomerFilter }),
      orderBy: t.arg({ type: [CustomerOrder] }),
    },
    resolve: (_root, args, ctx) => {
      const first = args.first ?? PAGE_SIZE.default;
      if (!Number.isInteger(first) || first < 1 || first > PAGE_SIZE.max) {
        throw badInput([{ field: 'first', message: `must be between 1 and ${PAGE_SIZE.max}` }]);
      }
      const order = orderOf(args.orderBy);
      const after = args.after === null || args.after === undefined ? undefined : decodeCursor(order, args.after);
      const filter = filterOf(args.filter);
      const reach = ctx.reach('read');
      const rows = ctx.repos.customers.list(reach, { filter, order, after, limit: first + 1 });
      const page = rows.slice(0, first);
      const byNumber = ctx.loaders.customerByNumber(reach);
      for (const row of page) byNumber.prime(row.customerNumber, row);
      const cursorOf = cursorEncoder(order);
      const edges = page.map((node) => ({ cursor: cursorOf(node), node }));
      const result: CustomerPage = {
        edges,
        pageInfo: {
          hasNextPage: rows.length > first,
          // Relay lets forward pagination answer this cheaply: there is a previous page when we started after one.
          hasPreviousPage: after !== undefined,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
        count: () => ctx.repos.customers.count(reach, filter),
      };
      return result;
    },
  }),
);

export { DomainError };
