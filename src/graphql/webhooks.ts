/**
 * Webhook endpoints in GraphQL (EVENTS.md "GraphQL"): the tenant's endpoints and their deliveries under the
 * webhook.subscription_* scopes, and the mutations that register, change, rotate, remove and redeliver.
 */
import type { StoredEvent, WebhookDelivery, WebhookEndpoint } from '../domain/store.js';
import type { DELIVERY_STATUSES } from '../domain/store.js';
import { deliveryId, endpointEventTypes, WEBHOOK_LIMITS } from '../domain/webhooks.js';
import { perform, permissionOf } from '../operations/index.js';
import { builder } from './builder.js';
import { connectionOf } from './connection.js';
import { CustomerEventRef } from './refs.js';

interface DeliveryView {
  delivery: WebhookDelivery;
  event: StoredEvent;
  endpoint: WebhookEndpoint;
}

const WebhookEndpointRef = builder.objectRef<WebhookEndpoint>('WebhookEndpoint');
const WebhookDeliveryRef = builder.objectRef<DeliveryView>('WebhookDelivery');
const WebhookAttemptRef = builder.objectRef<WebhookDelivery['attempts'][number]>('WebhookAttempt');
const WebhookEndpointWithSecretRef = builder.objectRef<{ endpoint: WebhookEndpoint; secret: string }>(
  'WebhookEndpointWithSecret',
);
const WebhookDeliveryStatusEnum = builder.enumType('WebhookDeliveryStatus', {
  values: {
    PENDING: { description: 'Not attempted yet, or being sent.' },
    SUCCEEDED: { description: 'The endpoint answered 2xx.' },
    FAILED: { description: 'The last attempt failed; it is retried at nextAttemptAt.' },
    GAVE_UP: { description: 'Every retry failed, or the endpoint answered 410 Gone.' },
  } satisfies Record<(typeof DELIVERY_STATUSES)[number], { description: string }>,
});

WebhookAttemptRef.implement({
  fields: (t) => ({
    at: t.field({ type: 'DateTime', nullable: false, resolve: (attempt) => attempt.at }),
    statusCode: t.int({ nullable: true, resolve: (attempt) => attempt.statusCode }),
    durationMs: t.int({ nullable: false, resolve: (attempt) => attempt.durationMs }),
    error: t.string({ nullable: true, resolve: (attempt) => attempt.error }),
  }),
});

WebhookDeliveryRef.implement({
  description: 'One event sent (or to send) to one endpoint, with every attempt made.',
  fields: (t) => ({
    id: t.id({ nullable: false, resolve: ({ endpoint, event }) => deliveryId(endpoint, event.id) }),
    event: t.field({
      type: CustomerEventRef,
      nullable: false,
      resolve: ({ event }) => ({ event, withinReach: false }),
    }),
    status: t.field({ type: WebhookDeliveryStatusEnum, nullable: false, resolve: ({ delivery }) => delivery.status }),
    attempts: t.field({
      type: [WebhookAttemptRef],
      nullable: false,
      resolve: ({ delivery }) => [...delivery.attempts],
    }),
    nextAttemptAt: t.field({ type: 'DateTime', nullable: true, resolve: ({ delivery }) => delivery.nextAttemptAt }),
  }),
});

const WebhookDeliveryConnection = builder.connectionObject(
  { type: WebhookDeliveryRef, name: 'WebhookDeliveryConnection' },
  { name: 'WebhookDeliveryEdge' },
);

WebhookEndpointRef.implement({
  description: "A URL of the tenant's that receives its events, signed (Standard Webhooks).",
  fields: (t) => ({
    id: t.id({ nullable: false, resolve: (endpoint) => endpoint.id }),
    url: t.string({ nullable: false, resolve: (endpoint) => endpoint.url }),
    description: t.string({ nullable: true, resolve: (endpoint) => endpoint.description }),
    eventTypes: t.stringList({
      nullable: false,
      description: 'Event types sent to this endpoint; empty means all.',
      resolve: endpointEventTypes,
    }),
    active: t.boolean({ nullable: false, resolve: (endpoint) => endpoint.active }),
    disabledReason: t.string({
      nullable: true,
      description: 'Why the service stopped sending (410 Gone, or given up for too long), when it did.',
      resolve: (endpoint) => endpoint.disabledReason,
    }),
    createdAt: t.field({ type: 'DateTime', nullable: false, resolve: (endpoint) => endpoint.createdAt }),
    deliveries: t.field({
      type: WebhookDeliveryConnection,
      nullable: false,
      description: `Newest event first. first: 0..${WEBHOOK_LIMITS.deliveriesPage}.`,
      args: {
        first: t.arg.int({ defaultValue: 20 }),
        after: t.arg.string(),
        status: t.arg({ type: WebhookDeliveryStatusEnum }),
      },
      authScopes: { allowed: permissionOf('webhookDeliveries') },
      complexity: ({ first }) => {
        const size = Number.isSafeInteger(first) ? Math.min(Math.max(first!, 1), WEBHOOK_LIMITS.deliveriesPage) : 20;
        return { field: 2 * size, multiplier: size };
      },
      resolve: async (endpoint, args, ctx) => {
        const page = await perform(ctx, 'webhookDeliveries', {
          endpoint,
          first: args.first ?? 20,
          after: args.after,
          status: args.status,
        });
        const edges = page.deliveries.map((node) => ({ cursor: String(node.delivery.eventPk), node }));
        return connectionOf(edges, { hasNextPage: page.hasNextPage, hasPreviousPage: args.after != null });
      },
    }),
  }),
});

WebhookEndpointWithSecretRef.implement({
  description: 'An endpoint and its new secret, which is shown only this once.',
  fields: (t) => ({
    endpoint: t.field({ type: WebhookEndpointRef, nullable: false, resolve: (created) => created.endpoint }),
    secret: t.string({
      nullable: false,
      description: 'whsec_ + base64: give it to a Standard Webhooks verifier.',
      resolve: (created) => created.secret,
    }),
  }),
});

const CreateWebhookEndpointInput = builder.inputType('CreateWebhookEndpointInput', {
  fields: (t) => ({
    url: t.string({
      required: true,
      description: 'https (plain http only in development); its host must resolve to public addresses only.',
    }),
    description: t.string(),
    eventTypes: t.stringList({ description: 'The event types to send; all when empty or absent.' }),
  }),
});

const UpdateWebhookEndpointInput = builder.inputType('UpdateWebhookEndpointInput', {
  fields: (t) => ({
    url: t.string(),
    description: t.string(),
    eventTypes: t.stringList(),
    active: t.boolean({ description: 'true sends again (and clears disabledReason); false pauses.' }),
  }),
});

builder.queryFields((t) => ({
  webhookEndpoints: t.field({
    type: [WebhookEndpointRef],
    nullable: false,
    authScopes: { allowed: permissionOf('webhookEndpoints') },
    resolve: (_root, _args, ctx) => perform(ctx, 'webhookEndpoints', {}),
  }),
  webhookEndpoint: t.field({
    type: WebhookEndpointRef,
    nullable: true,
    authScopes: { allowed: permissionOf('webhookEndpoint') },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => perform(ctx, 'webhookEndpoint', { id: String(args.id) }),
  }),
}));

builder.mutationFields((t) => ({
  createWebhookEndpoint: t.field({
    type: WebhookEndpointWithSecretRef,
    nullable: false,
    description: 'Registers an endpoint: events committed from now on are sent to it, signed with the secret answered.',
    authScopes: { allowed: permissionOf('createWebhookEndpoint') },
    args: { input: t.arg({ type: CreateWebhookEndpointInput, required: true }) },
    resolve: (_root, args, ctx) => perform(ctx, 'createWebhookEndpoint', { input: args.input }),
  }),
  updateWebhookEndpoint: t.field({
    type: WebhookEndpointRef,
    nullable: false,
    authScopes: { allowed: permissionOf('updateWebhookEndpoint') },
    args: {
      id: t.arg.id({ required: true }),
      input: t.arg({ type: UpdateWebhookEndpointInput, required: true }),
    },
    resolve: (_root, args, ctx) => perform(ctx, 'updateWebhookEndpoint', { id: String(args.id), input: args.input }),
  }),
  deleteWebhookEndpoint: t.field({
    type: 'ID',
    nullable: false,
    authScopes: { allowed: permissionOf('deleteWebhookEndpoint') },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => perform(ctx, 'deleteWebhookEndpoint', { id: String(args.id) }),
  }),
  rotateWebhookSecret: t.field({
    type: WebhookEndpointWithSecretRef,
    nullable: false,
    description: 'A new secret; the old one keeps signing beside it for 24 hours.',
    authScopes: { allowed: permissionOf('rotateWebhookSecret') },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => perform(ctx, 'rotateWebhookSecret', { id: String(args.id) }),
  }),
  redeliverWebhookEvent: t.field({
    type: WebhookDeliveryRef,
    nullable: false,
    description: 'Sends the event to the endpoint again, now (after the earlier events of its customer).',
    authScopes: { allowed: permissionOf('redeliverWebhookEvent') },
    args: { endpointId: t.arg.id({ required: true }), eventId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) =>
      perform(ctx, 'redeliverWebhookEvent', { endpointId: String(args.endpointId), eventId: String(args.eventId) }),
  }),
}));
