/**
 * `customers`: a keyset-paginated Relay connection over the domain's customer list (src/domain/customer-list.ts),
 * which checks the page size, order, cursor and filter; `totalCount` runs its count(*) only when selected.
 */
import { PAGE_SIZE, type CustomerPage } from '../domain/customer-list.js';
import { CUSTOMER_ORDER_FIELDS } from '../domain/store.js';
import { perform, permissionOf } from '../operations/index.js';
import { builder } from './builder.js';
import { connectionOf } from './connection.js';
import { selectedParts } from './lookahead.js';
import { BusinessModelEnum, CustomerRef } from './refs.js';

const OrderDirectionEnum = builder.enumType('OrderDirection', { values: ['ASC', 'DESC'] as const });
const CustomerOrderFieldEnum = builder.enumType('CustomerOrderField', { values: CUSTOMER_ORDER_FIELDS });

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
      description:
        'Case-insensitive match anywhere in first name, last name, company, contact email or customer number.',
    }),
    contactEmail: t.string({ description: 'Exact, case-insensitive.' }),
    active: t.boolean(),
    onHold: t.boolean(),
    businessModel: t.field({ type: BusinessModelEnum }),
    legalEntityId: t.id({ description: 'Customers assigned to this legal entity.' }),
    modifiedSince: t.field({ type: 'DateTime', description: 'Customers created or changed at or after this instant.' }),
  }),
});

const CustomerConnection = builder.connectionObject(
  {
    type: CustomerRef,
    name: 'CustomerConnection',
    fields: (t) => ({
      totalCount: t.int({
        nullable: false,
        description: 'How many customers match, over all pages.',
        resolve: (connection) => (connection as unknown as { page: CustomerPage }).page.count(),
      }),
    }),
  },
  { name: 'CustomerEdge' },
);

builder.queryField('customers', (t) =>
  t.field({
    type: CustomerConnection,
    nullable: false,
    description: 'The customers the caller may see. Default order: CREATED_AT ASC, then id. first: 1..200, default 60.',
    authScopes: { allowed: permissionOf('customers') },
    args: {
      first: t.arg.int({ defaultValue: PAGE_SIZE.default }),
      after: t.arg.string(),
      filter: t.arg({ type: CustomerFilter }),
      orderBy: t.arg({ type: [CustomerOrder] }),
    },
    // A page multiplies what each customer costs by its size (one out of range is the domain's BAD_USER_INPUT).
    complexity: ({ first }) => {
      const size = Number.isSafeInteger(first) ? Math.min(Math.max(first!, 1), PAGE_SIZE.max) : PAGE_SIZE.default;
      return { field: 2 * size, multiplier: size };
    },
    resolve: async (_root, args, ctx, info) => {
      const page = await perform(ctx, 'customers', { ...args, parts: selectedParts(info, ctx, 'connection') });
      // The rows are whole customers: later lookups of the same numbers in this request need no statement.
      const byNumber = ctx.loaders.customerByNumber(ctx.reach(permissionOf('customers')));
      for (const row of page.rows) byNumber.prime(row.customerNumber, row);
      const edges = page.rows.map((node, i) => ({ cursor: page.cursors[i]!, node }));
      return { ...connectionOf(edges, page), page };
    },
  }),
);
