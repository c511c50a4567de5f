/**
 * Change events in GraphQL (EVENTS.md "GraphQL"): the CustomerEvent type, the pull query `customerEvents` (a page of
 * the tenant's log after a cursor) and the subscription `customerEvents` (the log replayed after a cursor, then live),
 * which Yoga serves over SSE. Both read the log within the caller's reach (src/domain/events.ts).
 */
import { Repeater } from 'graphql-yoga';
import { cursorOf, EVENT_PAGE_LIMIT, eventCustomer } from '../domain/events.js';
import { EVENT_FIELDS } from '../operations/fields.js';
import { perform, permissionOf } from '../operations/index.js';
import { builder } from './builder.js';
import { connectionOf } from './connection.js';
import { checkedField } from './field-permission.js';
import { CustomerEventRef, CustomerRef, type EventView } from './refs.js';

CustomerEventRef.implement({
  description: "A change to a customer, as the tenant's event log keeps it (the same id as the webhook's).",
  fields: (t) => ({
    id: t.id({ nullable: false, resolve: ({ event }) => event.id }),
    type: t.string({
      nullable: false,
      description: 'customer.created, customer.updated, customer.deleted or customer.password-reset.',
      resolve: ({ event }) => event.type,
    }),
    timestamp: t.field({ type: 'DateTime', nullable: false, resolve: ({ event }) => event.createdAt }),
    cursor: t.string({
      nullable: false,
      description: "Position in the tenant's log: pass it as `after` to read or follow what came later.",
      resolve: ({ event }) => cursorOf(event.position),
    }),
    customerNumber: t.string({ nullable: false, resolve: ({ event }) => event.customerNumber }),
    customer: t.field({
      type: CustomerRef,
      nullable: true,
      description:
        "The customer as this change left it (null for customer.deleted), read with the caller's own field permissions.",
      ...checkedField(EVENT_FIELDS.customer, async ({ event, withinReach }, _args, ctx) => {
        if (withinReach) return eventCustomer(event);
        // Reached through a delivery: shown only if a read of the log within the caller's reach would show it.
        const [visible] = await ctx.reads().events.byPks(ctx.reach(EVENT_FIELDS.customer), [event.position.pk]);
        return visible ? eventCustomer(visible) : null;
      }),
    }),
  }),
});

const CustomerEventConnection = builder.connectionObject(
  { type: CustomerEventRef, name: 'CustomerEventConnection' },
  { name: 'CustomerEventEdge' },
);

builder.queryField('customerEvents', (t) =>
  t.field({
    type: CustomerEventConnection,
    nullable: false,
    description: `The tenant's events after a cursor, oldest first; a page never skips an event committed later below its end. first: 0..${EVENT_PAGE_LIMIT}.`,
    authScopes: { allowed: permissionOf('customerEvents') },
    args: {
      first: t.arg.int({ defaultValue: 50 }),
      after: t.arg.string(),
      types: t.arg.stringList(),
    },
    complexity: ({ first }) => {
      const size = Number.isSafeInteger(first) ? Math.min(Math.max(first!, 1), EVENT_PAGE_LIMIT) : 50;
      return { field: 2 * size, multiplier: size };
    },
    resolve: async (_root, args, ctx) => {
      const page = await perform(ctx, 'customerEvents', {
        first: args.first ?? 50,
        after: args.after,
        types: args.types,
      });
      const edges = page.events.map((event) => ({
        cursor: cursorOf(event.position),
        node: { event, withinReach: true },
      }));
      return connectionOf(edges, {
        hasNextPage: page.hasNextPage,
        hasPreviousPage: args.after != null,
        emptyEndCursor: args.after,
      });
    },
  }),
);

builder.subscriptionField('customerEvents', (t) =>
  t.field({
    type: CustomerEventRef,
    nullable: false,
    description:
      'Events as they commit; with `after`, first every event after that cursor, then live, with no gap and no repeat.',
    authScopes: { allowed: permissionOf('followCustomerEvents') },
    args: { types: t.arg.stringList(), after: t.arg.string() },
    // The reach and the arguments are checked here, before the first event: a refused subscription never starts.
    subscribe: async (_root, args, ctx) => {
      let stop!: () => void;
      const stopped = new Promise<void>((resolve) => {
        stop = resolve;
      });
      const events = await perform(ctx, 'followCustomerEvents', {
        after: args.after,
        types: args.types,
        stopped: Promise.race([stopped, ctx.closing]),
      });
      // A Repeater ends the follow when the client goes, even while it waits for the next event.
      return new Repeater<EventView>(async (push, finish) => {
        // `finish` settles when the client goes; called, it ends the stream (the follow ended: shutdown, expiry).
        void finish.then(stop);
        try {
          for await (const event of events) await push({ event, withinReach: true });
        } finally {
          stop();
          finish();
        }
      });
    },
    resolve: (view) => view,
  }),
);
