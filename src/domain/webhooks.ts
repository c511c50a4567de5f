/**
 * The tenant's webhook endpoints (EVENTS.md "Webhooks"): registering, changing, rotating the secret of and removing
 * an endpoint, sending an event again, and reading the deliveries. Where a URL may point and how a secret is made
 * belong to the sending side (src/events/), which the service hands in as a {@link WebhookPolicy}.
 */
import { z } from 'zod';
import { badInput, conflict, notFound } from './errors.js';
import { newHexId } from './ids.js';
import {
  type DeliveryStatus,
  EVENT_TYPES,
  type EventType,
  type Reach,
  type StoreReads,
  type Transaction,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookEndpointChanges,
} from './store.js';
import { parseArgument } from './validation.js';

/** What the service that sends webhooks decides: where an endpoint may be, and what a secret is. */
export interface WebhookPolicy {
  /** Undefined when the URL may receive webhooks, else why not (a URL that is not https, or not public). */
  checkUrl(url: string): Promise<string | undefined>;
  newSecret(): string;
}

export const WEBHOOK_LIMITS = {
  endpointsPerTenant: 20,
  url: 2048,
  description: 500,
  deliveriesPage: 100,
} as const;

/** How long the previous secret keeps signing beside a new one. */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

const eventTypes = z
  .array(z.enum(EVENT_TYPES, { error: `must be one of ${EVENT_TYPES.join(', ')}` }))
  .max(EVENT_TYPES.length * 2, 'lists too many event types');
// Text no store can hold (U+0000, unpaired surrogates) is refused by parseArgument, as in every input.
const url = z.string().max(WEBHOOK_LIMITS.url, `must be at most ${WEBHOOK_LIMITS.url} characters`);
const description = z
  .string()
  .max(WEBHOOK_LIMITS.description, `must be at most ${WEBHOOK_LIMITS.description} characters`);
const createInput = z.object({ url, description: description.nullish(), eventTypes: eventTypes.nullish() });
const updateInput = z.object({
  url: url.nullish(),
  description: description.nullish(),
  eventTypes: eventTypes.nullish(),
  active: z.boolean().nullish(),
});

/** Event types as stored: `,a,b,` in the contract's order, without repeats; empty for all. */
const storedTypes = (types: readonly EventType[] | null | undefined) => {
  const wanted = EVENT_TYPES.filter((type) => types?.includes(type));
  return wanted.length ? `,${wanted.join(',')},` : '';
};

/** The event types of an endpoint, as GraphQL lists them (empty: all). */
export const endpointEventTypes = (endpoint: WebhookEndpoint): string[] =>
  endpoint.eventTypes.split(',').filter(Boolean);

/** Whether the endpoint wants events of this type. */
export const endpointWants = (endpoint: WebhookEndpoint, type: EventType) =>
  endpoint.eventTypes === '' || endpoint.eventTypes.includes(`,${type},`);

/** The secrets that sign a delivery now: the current one, and the previous one during its 24 hours. */
export const signingSecrets = (endpoint: WebhookEndpoint, now: number): string[] =>
  endpoint.previousSecret && (endpoint.previousSecretUntil ?? 0) > now
    ? [endpoint.secret, endpoint.previousSecret]
    : [endpoint.secret];

/** A delivery's id: its endpoint's and its event's, which make it unique. */
export const deliveryId = (endpoint: WebhookEndpoint, eventId: string) => `${endpoint.id}.${eventId}`;

export function createWebhookService(policy: WebhookPolicy, now: () => number = Date.now) {
  async function checkedUrl(value: string, field: string): Promise<string> {
    const problem = await policy.checkUrl(value);
    if (problem) throw badInput([{ field, message: problem }]);
    return value;
  }

  async function endpoint(reads: StoreReads, reach: Reach, id: string): Promise<WebhookEndpoint | null> {
    return (await reads.webhooks.endpointsByIds(reach, [id]))[0] ?? null;
  }

  async function existing(tx: Transaction, reach: Reach, id: string): Promise<WebhookEndpoint> {
    const found = await endpoint(tx, reach, id);
    if (!found) throw notFound(`Webhook endpoint ${id}`);
    return found;
  }

  return {
    endpoint,
    endpoints: (reads: StoreReads, reach: Reach) => reads.webhooks.endpoints(reach),

    async create(tx: Transaction, reach: Reach, input: unknown) {
      const fields = parseArgument(createInput, input, 'input');
      const target = await checkedUrl(fields.url, 'input.url');
      if ((await tx.webhooks.endpoints(reach)).length >= WEBHOOK_LIMITS.endpointsPerTenant) {
        throw conflict(`A tenant has at most ${WEBHOOK_LIMITS.endpointsPerTenant} webhook endpoints.`);
      }
      const secret = policy.newSecret();
      for (let attempt = 0; attempt < 5; attempt++) {
        const created = await tx.webhooks.insertEndpoint(reach, {
          id: `wh_${newHexId()}`,
          url: target,
          description: fields.description ?? null,
          eventTypes: storedTypes(fields.eventTypes),
          active: true,
          disabledReason: null,
          secret,
          previousSecret: null,
          previousSecretUntil: null,
          createdAt: now(),
        });
        if (created) return { endpoint: created, secret };
      }
      throw new Error('Could not generate a free webhook endpoint id.');
    },

    async update(tx: Transaction, reach: Reach, id: string, input: unknown): Promise<WebhookEndpoint> {
      const fields = parseArgument(updateInput, input, 'input');
      const row = await existing(tx, reach, id);
      const changes: { -readonly [K in keyof WebhookEndpointChanges]: WebhookEndpointChanges[K] } = {};
      if (fields.url != null) changes.url = await checkedUrl(fields.url, 'input.url');
      if (fields.description !== undefined) changes.description = fields.description;
      if (fields.eventTypes !== undefined) changes.eventTypes = storedTypes(fields.eventTypes);
      if (fields.active != null) {
        changes.active = fields.active;
        // Turned on again by its owner: the reason it was turned off no longer holds.
        if (fields.active) changes.disabledReason = null;
      }
      return tx.webhooks.updateEndpoint(reach, row.pk, changes);
    },

    async delete(tx: Transaction, reach: Reach, id: string): Promise<string> {
      const row = await existing(tx, reach, id);
      await tx.webhooks.deleteEndpoint(reach, row.pk);
      return row.id;
    },

    /** A new secret; the current one keeps signing beside it for {@link ROTATION_OVERLAP_MS}. */
    async rotateSecret(tx: Transaction, reach: Reach, id: string) {
      const row = await existing(tx, reach, id);
      const secret = policy.newSecret();
      const rotated = await tx.webhooks.updateEndpoint(reach, row.pk, {
        secret,
        previousSecret: row.secret,
        previousSecretUntil: now() + ROTATION_OVERLAP_MS,
      });
      return { endpoint: rotated, secret };
    },

    /** Sends the event to the endpoint again, now (its earlier attempts stay listed). */
    async redeliver(tx: Transaction, reach: Reach, endpointId: string, eventId: string) {
      const row = await existing(tx, reach, endpointId);
      const [event] = await tx.events.byIds(reach, [eventId]);
      if (!event) throw notFound(`Event ${eventId}`);
      return tx.webhooks.redeliver(reach, row.pk, event, now());
    },

    /** A page of the endpoint's deliveries, newest event first; `after` is the last delivery's cursor. */
    async deliveries(
      reads: StoreReads,
      reach: Reach,
      row: WebhookEndpoint,
      args: { first: number; after?: string | null | undefined; status?: DeliveryStatus | null | undefined },
    ): Promise<{ deliveries: WebhookDelivery[]; hasNextPage: boolean }> {
      if (!Number.isInteger(args.first) || args.first < 0 || args.first > WEBHOOK_LIMITS.deliveriesPage) {
        throw badInput([{ field: 'first', message: `must be between 0 and ${WEBHOOK_LIMITS.deliveriesPage}` }]);
      }
      const before = args.after == null ? undefined : Number(args.after);
      if (before !== undefined && !(Number.isSafeInteger(before) && before > 0)) {
        throw badInput([{ field: 'after', message: 'is not a cursor of these deliveries' }]);
      }
      const rows = await reads.webhooks.deliveries(reach, row.pk, {
        limit: args.first + 1,
        beforeEventPk: before,
        status: args.status ?? undefined,
      });
      return { deliveries: rows.slice(0, args.first), hasNextPage: rows.length > args.first };
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
