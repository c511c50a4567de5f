/**
 * The event log, the tenants' webhook endpoints and their deliveries, written once over a dialect (./dialect.ts):
 * what a position in the log means, what an own-scope caller sees of it, which deliveries an event makes, and how
 * relays share the due deliveries without breaking one customer's order.
 */
import { type SQL, sql } from 'drizzle-orm';
import type {
  ClaimedDelivery,
  EventListener,
  DeliveryOutcome,
  EventPosition,
  Reach,
  RelayStore,
  StoredEvent,
  StoreReads,
  Transaction,
  WebhookDelivery,
  WebhookEndpoint,
} from '../../domain/store.js';
import { reachShape } from './customers.js';
import type { Dialect } from './dialect.js';
import { arity, type Bind, type Executor, Params, rowsOf } from './query.js';
import { deleteRow, insertRow, updateRow } from './writes.js';

/** The columns of a recorded outcome, as `record` hands them to the dialect's JSON table. */
const OUTCOME_COLUMNS = [
  ['pk', 'bigint'],
  ['status', 'text'],
  ['attempts', 'json'],
  ['next', 'bigint'],
] as const;

/** A named placeholder as a fragment, for the dialect's functions that take one. */
const named = (name: string): SQL => sql`${sql.placeholder(name)}`;

interface EventRow {
  pk: number;
  tenant: string;
  id: string;
  tx: number;
  type: StoredEvent['type'];
  customerNumber: string;
  legalEntities: string;
  payload: StoredEvent['payload'];
  createdAt: number;
}

const storedEvent = (row: EventRow): StoredEvent => ({
  tenant: row.tenant,
  position: { tx: Number(row.tx), pk: row.pk },
  id: row.id,
  type: row.type,
  customerNumber: row.customerNumber,
  legalEntities: row.legalEntities.split(',').filter(Boolean),
  payload: row.payload,
  createdAt: row.createdAt,
});

export function eventStores(d: Dialect) {
  const { events, webhookEndpoints: endpoints, webhookDeliveries: deliveries } = d.tables;
  const EVENT = rowsOf<EventRow>(events);
  const ENDPOINT = rowsOf<WebhookEndpoint>(endpoints);
  const DELIVERY = rowsOf<WebhookDelivery>(deliveries);
  const flag = (value: boolean) => endpoints.active.mapToDriverValue(value);

  /**
   * After `p` in the log's order (tx, pk), as the index seeks it: a row value where transactions commit out of order
   * (PostgreSQL); where they commit in order every `tx` is the same, and the seek is on `pk` within it (SQLite,
   * which would otherwise walk the tenant's whole log from the start).
   */
  const after = (p: EventPosition, bind: Bind) =>
    d.settledTransactions
      ? sql`(${events.tx}, ${events.pk}) > (${bind(p.tx)}, ${bind(p.pk)})`
      : sql`${events.tx} = ${bind(p.tx)} AND ${events.pk} > ${bind(p.pk)}`;
  /** Committed below every transaction still running: nothing can later appear before it. */
  const settled = d.settledTransactions ? sql` AND ${events.tx} < ${d.settledTransactions}` : sql``;

  /**
   * The events an own-scope reach sees: those of customers that belonged, when the event was made, to a legal
   * entity of the caller's (only the one its token names, when it names one); never a password reset, which is for
   * the identity service. Entity ids are a letter and digits, so LIKE's wildcards cannot occur in them.
   */
  function visible(reach: Reach, bind: Bind): SQL {
    const company = reach.company;
    if (!company) return sql``;
    const narrow = company.legalEntityId ? sql` AND le.id = ${bind(company.legalEntityId)}` : sql``;
    return sql` AND ${events.type} <> 'customer.password-reset' AND EXISTS (SELECT 1 FROM customer_legal_entities mine
      JOIN customers me ON me.pk = mine.customer_pk JOIN legal_entities le ON le.pk = mine.legal_entity_pk
      WHERE me.tenant = ${bind(reach.tenant)} AND me.customer_number = ${bind(company.customerNumber)}${narrow}
      AND ${events.legalEntities} LIKE '%,' || le.id || ',%')`;
  }

  async function selectEvents(exec: Executor, key: string, where: SQL, values: Record<string, unknown>, tail = sql``) {
    const rows = await exec.all({ key, sql: sql`SELECT ${EVENT.list} FROM ${events} WHERE ${where}${tail}`, values });
    return rows.map((row) => storedEvent(EVENT.decode(row)));
  }

  const reads = (exec: Executor): Pick<StoreReads, 'events' | 'webhooks'> => ({
    events: {
      async page(reach, query) {
        const { bind, values } = new Params();
        const types = query.types?.length ? sql` AND ${d.oneOf(events.type, query.types, 'text', bind)}` : sql``;
        return selectEvents(
          exec,
          `events.page|${reachShape(reach)}|${query.types?.length ? arity(query.types) : 'all'}`,
          sql`${events.tenant} = ${bind(reach.tenant)} AND ${after(query.after, bind)}${settled}${types}${visible(reach, bind)}`,
          values,
          sql` ORDER BY ${events.tx}, ${events.pk} LIMIT ${bind(query.limit)}`,
        );
      },
      async head(reach) {
        const { bind, values } = new Params();
        const [row] = await exec.all({
          key: 'events.head',
          sql: sql`SELECT ${events.tx}, ${events.pk} FROM ${events} WHERE ${events.tenant} = ${bind(reach.tenant)}${settled}
            ORDER BY ${events.tx} DESC, ${events.pk} DESC LIMIT 1`,
          values,
        });
        return row ? { tx: Number(row[0]), pk: Number(row[1]) } : { tx: 0, pk: 0 };
      },
      async byIds(reach, ids) {
        if (ids.length === 0) return [];
        const { bind, values } = new Params();
        return selectEvents(
          exec,
          `events.byIds|${reachShape(reach)}|${arity(ids)}`,
          sql`${events.tenant} = ${bind(reach.tenant)} AND ${d.oneOf(events.id, ids, 'text', bind)}${visible(reach, bind)}`,
          values,
        );
      },
      async byPks(reach, pks) {
        if (pks.length === 0) return [];
        const { bind, values } = new Params();
        return selectEvents(
          exec,
          `events.byPks|${reachShape(reach)}|${arity(pks)}`,
          sql`${events.tenant} = ${bind(reach.tenant)} AND ${d.oneOf(events.pk, pks, 'bigint', bind)}${visible(reach, bind)}`,
          values,
        );
      },
    },
    webhooks: {
      async endpoints(reach) {
        const { bind, values } = new Params();
        const rows = await exec.all({
          key: 'webhooks.endpoints',
          sql: sql`SELECT ${ENDPOINT.list} FROM ${endpoints} WHERE ${endpoints.tenant} = ${bind(reach.tenant)}
            ORDER BY ${endpoints.createdAt}, ${endpoints.pk}`,
          values,
        });
        return rows.map((row) => ENDPOINT.decode(row));
      },
      async endpointsByIds(reach, ids) {
        if (ids.length === 0) return [];
        const { bind, values } = new Params();
        const rows = await exec.all({
          key: `webhooks.endpointsByIds|${arity(ids)}`,
          sql: sql`SELECT ${ENDPOINT.list} FROM ${endpoints} WHERE ${endpoints.tenant} = ${bind(reach.tenant)}
            AND ${d.oneOf(endpoints.id, ids, 'text', bind)}`,
          values,
        });
        return rows.map((row) => ENDPOINT.decode(row));
      },
      async deliveries(reach, endpointPk, query) {
        const { bind, values } = new Params();
        const before =
          query.beforeEventPk === undefined ? sql`` : sql` AND ${deliveries.eventPk} < ${bind(query.beforeEventPk)}`;
        const status = query.status === undefined ? sql`` : sql` AND ${deliveries.status} = ${bind(query.status)}`;
        const rows = await exec.all({
          key: `webhooks.deliveries|${query.beforeEventPk === undefined ? '' : 'before'}|${query.status ? 'status' : ''}`,
          sql: sql`SELECT ${DELIVERY.list} FROM ${deliveries} WHERE ${deliveries.endpointPk} = ${bind(endpointPk)}
            AND ${deliveries.tenant} = ${bind(reach.tenant)}${before}${status}
            ORDER BY ${deliveries.eventPk} DESC LIMIT ${bind(query.limit)}`,
          values,
        });
        return rows.map((row) => DELIVERY.decode(row));
      },
    },
  });

  function writes(exec: Executor): Pick<Transaction, 'events' | 'webhooks'> {
    const read = reads(exec);
    return {
      events: {
        ...read.events,
        async append(reach, event) {
          const inserted = await exec.all({
            key: 'events.append',
            sql: sql`INSERT INTO ${events} (tenant, id, tx, type, customer_number, legal_entities, payload, created_at)
              VALUES (${sql.placeholder('tenant')}, ${sql.placeholder('id')}, ${d.transactionId}, ${sql.placeholder('type')},
              ${sql.placeholder('customerNumber')}, ${sql.placeholder('legalEntities')}, ${sql.placeholder('payload')},
              ${sql.placeholder('createdAt')}) RETURNING ${events.pk}`,
            values: {
              tenant: reach.tenant,
              id: event.id,
              type: event.type,
              customerNumber: event.customerNumber,
              legalEntities: event.legalEntities.length ? `,${event.legalEntities.join(',')},` : '',
              payload: events.payload.mapToDriverValue(event.payload),
              createdAt: event.createdAt,
            },
          });
          const eventPk = Number(inserted[0]![0]);
          // One delivery to each active endpoint of the tenant that wants this type (`,type,` in its list).
          const made = await exec.run({
            key: 'events.deliveries',
            sql: sql`INSERT INTO ${deliveries} (tenant, endpoint_pk, event_pk, customer_number, status, attempts,
              next_attempt_at, created_at)
              SELECT ${endpoints.tenant}, ${endpoints.pk}, ${d.typed(named('eventPk'), 'bigint')},
              ${d.typed(named('customerNumber'), 'text')}, 'PENDING', '[]', ${d.typed(named('createdAt'), 'bigint')},
              ${d.typed(named('createdAt'), 'bigint')} FROM ${endpoints}
              WHERE ${endpoints.tenant} = ${sql.placeholder('tenant')} AND ${endpoints.active} = ${sql.placeholder('active')}
              AND (${endpoints.eventTypes} = '' OR ${endpoints.eventTypes} LIKE ${sql.placeholder('typePattern')})`,
            values: {
              eventPk,
              customerNumber: event.customerNumber,
              createdAt: event.createdAt,
              tenant: reach.tenant,
              active: flag(true),
              typePattern: `%,${event.type},%`,
            },
          });
          if (d.signalEvents) {
            await exec.all({
              key: `events.signal|${made > 0 ? 'deliveries' : ''}`,
              sql: d.signalEvents(sql`${named('tenant')}`, made > 0),
              values: { tenant: reach.tenant },
            });
          }
          return made;
        },
      },
      webhooks: {
        ...read.webhooks,
        insertEndpoint: (reach, values) =>
          insertRow<WebhookEndpoint>(exec, endpoints, { ...values, tenant: reach.tenant }),
        updateEndpoint: (reach, pk, changes) => updateRow<WebhookEndpoint>(exec, endpoints, reach, pk, changes),
        deleteEndpoint: async (reach, pk) => void (await deleteRow(exec, endpoints, reach, pk)),
        async redeliver(reach, endpointPk, event, at) {
          const { bind, values } = new Params();
          const [row] = await exec.all({
            key: 'webhooks.redeliver',
            sql: sql`INSERT INTO ${deliveries} (tenant, endpoint_pk, event_pk, customer_number, status, attempts,
              next_attempt_at, created_at) VALUES (${bind(reach.tenant)}, ${bind(endpointPk)}, ${bind(event.position.pk)},
              ${bind(event.customerNumber)}, 'PENDING', '[]', ${bind(at)}, ${bind(at)})
              ON CONFLICT (endpoint_pk, event_pk) DO UPDATE SET status = 'PENDING', next_attempt_at = ${bind(at)},
              lease_until = NULL, created_at = ${bind(at)} RETURNING ${DELIVERY.list}`,
            values,
          });
          return DELIVERY.decode(row!);
        },
      },
    };
  }

  /**
   * The relay's statements: each names rows by key, across tenants (see RelayStore). `reads` answers from committed
   * state without waiting for writers (SQLite's reader); `writes` and `transaction` change rows.
   */
  function relay(
    reads: Executor,
    writes: Executor,
    transaction: <T>(work: (exec: Executor) => Promise<T>) => Promise<T>,
  ): RelayStore {
    const byPks = async <R>(
      name: string,
      table: typeof events | typeof endpoints,
      decode: (row: unknown[]) => R,
      pks: readonly number[],
    ): Promise<R[]> => {
      if (pks.length === 0) return [];
      const { bind, values } = new Params();
      const rows = await reads.all({
        key: `relay.${name}|${arity(pks)}`,
        sql: sql`SELECT ${table === events ? EVENT.list : ENDPOINT.list} FROM ${table} WHERE ${d.oneOf(table.pk, pks, 'bigint', bind)}`,
        values,
      });
      return rows.map(decode);
    };
    return {
      async claim(now, leaseUntil, limit, busyEndpoints = []) {
        const { bind, values } = new Params();
        const busy = busyEndpoints.length
          ? sql` AND NOT (${d.oneOf(sql`d.endpoint_pk`, busyEndpoints, 'bigint', bind)})`
          : sql``;
        // Due, not leased, of an active endpoint that is not busy here: what the probe and the claim both look for.
        const due = sql`webhook_deliveries d JOIN webhook_endpoints e ON e.pk = d.endpoint_pk
          WHERE d.next_attempt_at <= ${named('now')} AND (d.lease_until IS NULL OR d.lease_until < ${named('now')})
          AND e.active = ${named('active')}${busy}`;
        const shape = busyEndpoints.length ? arity(busyEndpoints) : '';
        // Whether anything is due at all, from committed state: most looks find nothing, and then no transaction
        // (on SQLite, no turn of the one writer) is taken.
        const [anyDue] = await reads.all({
          key: `relay.due|${shape}`,
          sql: sql`SELECT 1 FROM ${due} LIMIT 1`,
          values: { ...values, now, active: flag(true) },
        });
        if (!anyDue) return [];
        const claimed = await transaction(async (tx) => {
          const rows = await tx.all({
            key: `relay.claim|${shape}`,
            sql: sql`UPDATE ${deliveries} SET lease_until = ${sql.placeholder('leaseUntil')} WHERE ${deliveries.pk} IN (
              SELECT d.pk FROM ${due}
              AND NOT EXISTS (SELECT 1 FROM webhook_deliveries earlier WHERE earlier.endpoint_pk = d.endpoint_pk
                AND earlier.customer_number = d.customer_number AND earlier.next_attempt_at IS NOT NULL AND earlier.pk < d.pk)
              ORDER BY d.next_attempt_at, d.pk LIMIT ${sql.placeholder('limit')}${d.skipLocked(sql.raw('d'))})
              RETURNING ${DELIVERY.list}`,
            values: { ...values, leaseUntil, now, active: flag(true), limit },
          });
          return rows.map((row) => DELIVERY.decode(row));
        });
        const [eventRows, endpointRows] = await Promise.all([
          byPks('events', events, (row) => storedEvent(EVENT.decode(row)), [...new Set(claimed.map((c) => c.eventPk))]),
          byPks('endpoints', endpoints, (row) => ENDPOINT.decode(row), [...new Set(claimed.map((c) => c.endpointPk))]),
        ]);
        const eventOf = new Map(eventRows.map((event) => [event.position.pk, event]));
        const endpointOf = new Map(endpointRows.map((endpoint) => [endpoint.pk, endpoint]));
        return claimed.flatMap((delivery): ClaimedDelivery[] => {
          const event = eventOf.get(delivery.eventPk);
          const endpoint = endpointOf.get(delivery.endpointPk);
          return event && endpoint ? [{ delivery, event, endpoint }] : [];
        });
      },
      async record(outcomes: readonly DeliveryOutcome[]) {
        if (outcomes.length === 0) return;
        await transaction(async (tx) => {
          // Every outcome in one statement: a JSON array of rows, read as a table by the dialect.
          await tx.run({
            key: 'relay.record',
            sql: sql`UPDATE ${deliveries} SET status = v.status, attempts = v.attempts, next_attempt_at = v.next,
              lease_until = NULL FROM ${d.jsonTable(named('outcomes'), 'v', OUTCOME_COLUMNS)}
              WHERE ${deliveries.pk} = v.pk`,
            values: {
              outcomes: JSON.stringify(
                outcomes.map((o) => ({ pk: o.pk, status: o.status, attempts: o.attempts, next: o.nextAttemptAt })),
              ),
            },
          });
          for (const outcome of outcomes) {
            if (!outcome.disableEndpoint) continue;
            await tx.run({
              key: 'relay.disable',
              sql: sql`UPDATE ${endpoints} SET active = ${sql.placeholder('inactive')},
                disabled_reason = ${sql.placeholder('reason')} WHERE ${endpoints.pk} =
                (SELECT endpoint_pk FROM webhook_deliveries WHERE pk = ${sql.placeholder('pk')})`,
              values: { inactive: flag(false), reason: outcome.disableEndpoint, pk: outcome.pk },
            });
          }
        });
      },
      async release(pks) {
        if (pks.length === 0) return;
        const { bind, values } = new Params();
        await writes.run({
          key: `relay.release|${arity(pks)}`,
          sql: sql`UPDATE ${deliveries} SET lease_until = NULL WHERE ${d.oneOf(deliveries.pk, pks, 'bigint', bind)}`,
          values,
        });
      },
      async prune(before, limit) {
        // Oldest first by the index on created_at; an event with a delivery still to make stays.
        return writes.run({
          key: 'relay.prune',
          sql: sql`DELETE FROM ${events} WHERE ${events.pk} IN (SELECT old.pk FROM events old
            WHERE old.created_at < ${sql.placeholder('before')} AND NOT EXISTS (SELECT 1 FROM webhook_deliveries w
            JOIN webhook_endpoints e ON e.pk = w.endpoint_pk
            WHERE w.event_pk = old.pk AND w.next_attempt_at IS NOT NULL AND e.active = ${sql.placeholder('active')})
            ORDER BY old.created_at, old.pk LIMIT ${sql.placeholder('limit')})`,
          values: { before, limit, active: flag(true) },
        });
      },
      async backlog() {
        const [row] = await reads.all({
          key: 'relay.backlog',
          sql: sql`SELECT count(*), min(e.created_at) FROM webhook_deliveries w JOIN events e ON e.pk = w.event_pk
            JOIN webhook_endpoints p ON p.pk = w.endpoint_pk
            WHERE w.next_attempt_at IS NOT NULL AND p.active = ${sql.placeholder('active')}`,
          values: { active: flag(true) },
        });
        return { waiting: Number(row?.[0] ?? 0), oldestEventAt: row?.[1] == null ? null : Number(row[1]) };
      },
    };
  }

  return { reads, writes, relay };
}

/**
 * A transaction that counts the events it appends, per tenant: what a store tells its listeners (and the metrics)
 * once the transaction has committed.
 */
export function countingAppends(tx: Transaction): {
  tx: Transaction;
  appended: Map<string, { events: number; deliveries: number }>;
} {
  const appended = new Map<string, { events: number; deliveries: number }>();
  return {
    appended,
    tx: {
      ...tx,
      events: {
        ...tx.events,
        async append(reach, event) {
          const made = await tx.events.append(reach, event);
          const counts = appended.get(reach.tenant) ?? { events: 0, deliveries: 0 };
          appended.set(reach.tenant, { events: counts.events + 1, deliveries: counts.deliveries + made });
          return made;
        },
      },
    },
  };
}

/** The in-process side of `Store.onEvents`: listeners called with a tenant, each call isolated from the others. */
export function eventSignal() {
  const listeners = new Set<EventListener>();
  return {
    emit(tenant: string, deliveries: boolean): void {
      for (const listener of listeners) {
        try {
          listener(tenant, deliveries);
        } catch {
          // A listener's failure is its own: the others still hear of the events.
        }
      }
    },
    on(listener: EventListener): () => void {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
