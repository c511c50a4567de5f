/**
 * Change events (EVENTS.md): what each change to a customer appends to its tenant's log, in the change's own
 * transaction, so that a change and its events commit together or not at all. The rules call these at the end of
 * every change that raised a customer's version (and a deletion), once per change; the log is then read by the
 * subscription and the pull query, and sent by the webhook relay (src/events/).
 *
 * A created or updated event keeps the customer's rows as the change left them; its `data` (what a webhook sends) is
 * their REST representation, made by {@link eventData}, and GraphQL shows the rows as a Customer.
 */
import { randomUUID } from 'node:crypto';
import { badInput } from './errors.js';
import { customerJson } from './representation.js';
import type {
  Account,
  Customer,
  CustomerRead,
  CustomerSnapshot,
  EventPosition,
  EventType,
  Membership,
  NewEvent,
  Reach,
  Store,
  StoredEvent,
  StoreReads,
  Transaction,
} from './store.js';
import { EVENT_TYPES } from './store.js';

/** Everything a webhook's `data` shows of a customer: as `GET …?expand=addresses,accounts`, with its mixins. */
const SHOWN = { addresses: true, accounts: true, mixins: true } as const;
const READABLE = { b2b: true, defaultAddress: true, accounts: true } as const;

/** A position as a cursor: the transaction and the row, both decimal. */
export const cursorOf = (position: EventPosition): string => `${position.tx}.${position.pk}`;

const CURSOR = /^(\d{1,19})\.(\d{1,19})$/;

/** The position a cursor names, or BAD_USER_INPUT naming `field`. */
export function positionOf(cursor: string, field: string): EventPosition {
  const match = CURSOR.exec(cursor);
  const position = match && { tx: Number(match[1]), pk: Number(match[2]) };
  if (!position || !Number.isSafeInteger(position.tx) || !Number.isSafeInteger(position.pk)) {
    throw badInput([{ field, message: 'is not a cursor of the event log (take one from an event)' }]);
  }
  return position;
}

/** The ids of the customer's legal entities: whom own-scope callers see its events by. */
const entityIds = (memberships: readonly Membership[]) => memberships.map((m) => m.legalEntity.id);

export function createEventLog(now: () => number = Date.now) {
  const append = (tx: Transaction, reach: Reach, event: Omit<NewEvent, 'id' | 'createdAt'>) =>
    tx.events.append(reach, { ...event, id: randomUUID(), createdAt: now() });

  /** An event that carries `data` as it is, seen by whom the customer's legal entities show it to. */
  async function appendData(
    tx: Transaction,
    reach: Reach,
    type: Extract<EventType, 'customer.deleted' | 'customer.password-reset'>,
    customer: Customer,
    data: Record<string, unknown>,
  ): Promise<void> {
    const memberships = await tx.legalEntities.membershipsByCustomerPks({ tenant: reach.tenant }, [customer.pk]);
    await append(tx, reach, {
      type,
      customerNumber: customer.customerNumber,
      legalEntities: entityIds(memberships),
      payload: { data },
    });
  }

  /** The customer's rows now, in the transaction: with its parts in one statement where the store brings them. */
  async function snapshot(tx: Transaction, reach: Reach, customer: Customer): Promise<CustomerSnapshot> {
    const tenant = { tenant: reach.tenant };
    const [read] = await tx.customers.byPks(tenant, [customer.pk], {
      addresses: true,
      accounts: true,
      memberships: true,
    });
    const row = read ?? customer;
    const parts = read?.parts;
    const [addresses, accounts, memberships] = await Promise.all([
      parts?.addresses ?? tx.addresses.byCustomerPks(tenant, [row.pk]),
      parts?.accounts ?? tx.accounts.byCustomerPks(tenant, [row.pk]),
      parts?.memberships ?? tx.legalEntities.membershipsByCustomerPks(tenant, [row.pk]),
    ]);
    const { parts: _, ...plain } = row as CustomerRead;
    return { customer: plain, addresses, accounts, memberships };
  }

  return {
    /** A customer was created, or something of it changed (its version was raised): as it is now. */
    async changed(
      tx: Transaction,
      reach: Reach,
      type: Extract<EventType, 'customer.created' | 'customer.updated'>,
      customer: Customer,
    ): Promise<void> {
      const rows = await snapshot(tx, reach, customer);
      await append(tx, reach, {
        type,
        customerNumber: customer.customerNumber,
        legalEntities: entityIds(rows.memberships),
        payload: { snapshot: rows },
      });
    },

    /** The customer is being deleted: call before its rows go, which the event names it by. */
    async deleted(tx: Transaction, reach: Reach, customer: Customer): Promise<void> {
      await appendData(tx, reach, 'customer.deleted', customer, {
        tenant: reach.tenant,
        customerNumber: customer.customerNumber,
        id: customer.customerNumber,
        ...(customer.contactEmail !== null ? { contactEmail: customer.contactEmail } : {}),
      });
    },

    /**
     * The caller asked for a password reset notification for the account (sendPasswordResetNotifications): the
     * identity service that owns passwords sends the mail, so the event carries no secret.
     */
    async passwordReset(tx: Transaction, reach: Reach, customer: Customer, account: Account): Promise<void> {
      await appendData(tx, reach, 'customer.password-reset', customer, {
        tenant: reach.tenant,
        customerNumber: customer.customerNumber,
        accountId: account.id,
        email: account.email,
        site: customer.preferredSite,
      });
    },
  };
}

export type EventLog = ReturnType<typeof createEventLog>;

/** What a webhook sends as the event's `data` (EVENTS.md's table). */
export function eventData(event: StoredEvent): Record<string, unknown> {
  if ('data' in event.payload) return event.payload.data;
  const { customer, addresses, accounts, memberships } = event.payload.snapshot;
  return { ...customerJson(customer, { memberships, addresses, accounts }, SHOWN, READABLE), tenant: event.tenant };
}

/** The customer as the event's change left it, with all its parts; null for a deletion or a password reset. */
export function eventCustomer(event: StoredEvent): CustomerRead | null {
  if (event.type === 'customer.deleted' || !('snapshot' in event.payload)) return null;
  const { customer, addresses, accounts, memberships } = event.payload.snapshot;
  return { ...customer, parts: { addresses: [...addresses], accounts: [...accounts], memberships: [...memberships] } };
}

/** The most events a page of the pull query holds. */
export const EVENT_PAGE_LIMIT = 500;
/** How many events a subscription reads at a time. */
const FOLLOW_BATCH = 100;
/** The longest a subscription waits without a signal before it looks at the log again (signals can be lost). */
const FOLLOW_POLL_MS = 1000;
/** After a signal that found nothing new yet (an older transaction still running), it looks again this soon. */
const FOLLOW_RETRY_MS = 10;

/**
 * A wait that a signal cuts short: `wait(ms)` ends after `ms` or at the next `ring()`, and a ring while nobody
 * waits ends the next wait at once. `take()` says whether it rang since it was last asked.
 */
export function createAlarm() {
  let rung = false;
  let wake: (() => void) | undefined;
  return {
    ring(): void {
      rung = true;
      wake?.();
    },
    take(): boolean {
      const was = rung;
      rung = false;
      return was;
    },
    async wait(ms: number): Promise<void> {
      if (rung) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    },
  };
}

/** Event types as asked for: known ones only (BAD_USER_INPUT otherwise); none or empty means all. */
export function eventTypesOf(types: readonly string[] | null | undefined, field: string): EventType[] | undefined {
  if (!types?.length) return undefined;
  const unknown = types.filter((type) => !(EVENT_TYPES as readonly string[]).includes(type));
  if (unknown.length) {
    throw badInput([{ field, message: `${unknown.join(', ')} is no event type; types are ${EVENT_TYPES.join(', ')}` }]);
  }
  return [...new Set(types as EventType[])];
}

export interface EventPageArgs {
  readonly first: number;
  readonly after?: string | null | undefined;
  readonly types?: readonly string[] | null | undefined;
}

/** A page of the tenant's log within reach, oldest first, after the cursor (from the start without one). */
export async function eventPage(reads: StoreReads, reach: Reach, args: EventPageArgs) {
  if (!Number.isInteger(args.first) || args.first < 0 || args.first > EVENT_PAGE_LIMIT) {
    throw badInput([{ field: 'first', message: `must be between 0 and ${EVENT_PAGE_LIMIT}` }]);
  }
  const after = args.after ? positionOf(args.after, 'after') : { tx: 0, pk: 0 };
  const types = eventTypesOf(args.types, 'types');
  const rows = await reads.events.page(reach, { after, types, limit: args.first + 1 });
  return { events: rows.slice(0, args.first), hasNextPage: rows.length > args.first };
}

export interface FollowArgs {
  readonly after?: string | null | undefined;
  readonly types?: readonly string[] | null | undefined;
}

/**
 * The tenant's events within reach as they commit: after the cursor first (the log replayed), else from now on,
 * then each new one, in the log's order, each once. A store signal says when to look (`onEvents`), a poll covers a
 * lost one. It reads a batch at a time and only when the consumer asks for more, so a subscriber that stops reading
 * holds one batch, whatever is written meanwhile; it ends when `stopped` settles.
 */
export async function* followEvents(
  store: Pick<Store, 'reads' | 'onEvents'>,
  reach: Reach,
  args: FollowArgs,
  stopped: Promise<unknown>,
): AsyncGenerator<StoredEvent> {
  const types = eventTypesOf(args.types, 'types');
  let position = args.after ? positionOf(args.after, 'after') : await store.reads.events.head(reach);
  const alarm = createAlarm();
  let ended = false;
  void stopped.then(() => {
    ended = true;
    alarm.ring();
  });
  const stopListening = store.onEvents((tenant) => {
    if (tenant === reach.tenant) alarm.ring();
  });
  let retrying = false;
  let retryMs = FOLLOW_RETRY_MS;
  try {
    while (!ended) {
      const signalled: boolean = alarm.take() || retrying;
      const batch = await store.reads.events.page(reach, { after: position, types, limit: FOLLOW_BATCH });
      for (const event of batch) {
        if (ended) return;
        position = event.position;
        yield event;
      }
      if (batch.length === FOLLOW_BATCH) continue;
      if (signalled && batch.length === 0) {
        // A signal whose events are not yet below every running transaction: look again soon, then less often,
        // doubling from 10 ms up to the poll's pace.
        retryMs = retrying ? retryMs * 2 : FOLLOW_RETRY_MS;
        retrying = retryMs < FOLLOW_POLL_MS;
      } else {
        retrying = false;
      }
      await alarm.wait(retrying ? retryMs : FOLLOW_POLL_MS);
    }
  } finally {
    stopListening();
  }
}
