/**
 * The webhook relay: runs in every replica, claims due deliveries from the store (RelayStore.claim: one customer's
 * events in order, leased so that a crashed replica's claims come back), sends each outside any transaction, signed
 * (Standard Webhooks), and records every attempt with what happens next: done on 2xx, the endpoint disabled on 410,
 * else retried after the schedule's next wait (with jitter) or the endpoint's Retry-After, until the schedule ends.
 *
 * It looks for work when the store signals new events (Store.onEvents), when a delivery finishes (the customer's next
 * event may go), and every POLL_MS besides, since a signal can be lost. It also prunes the log past its retention.
 */
import { createAlarm, eventData } from '../domain/events.js';
import type { ClaimedDelivery, DeliveryOutcome, Store, WebhookAttempt } from '../domain/store.js';
import { signingSecrets } from '../domain/webhooks.js';
import type { Logger } from '../logger.js';
import { sendWebhook } from './send.js';
import { signatureHeaders } from './signature.js';
import type { WebhookAgents } from './ssrf.js';

/** Deliveries in flight (claimed, waiting or being sent) in this replica, and requests in flight per endpoint. */
const MAX_IN_FLIGHT = 128;
export const REQUESTS_PER_ENDPOINT = 32;
/**
 * How long a claim holds a delivery, in attempt timeouts: as long as the claims of one batch can wait for their
 * endpoint's turn and be sent (a crashed replica's claims come back after it).
 */
const LEASE_TIMEOUTS = MAX_IN_FLIGHT / REQUESTS_PER_ENDPOINT + 1;
const POLL_MS = 1000;
/** How long finished sends wait for others before their outcomes are written, in one transaction. */
const FLUSH_DELAY_MS = 5;
/** The shortest time between two claims: a claim gathers what the commits of that time made. */
const MIN_CLAIM_GAP_MS = 10;
/** How many old events a prune removes per statement, and how often it runs. */
const PRUNE_BATCH = 500;
const PRUNE_EVERY_MS = 60_000;

export type DeliveryResult = 'succeeded' | 'failed' | 'gave_up';

export interface RelayOptions {
  store: Pick<Store, 'relay' | 'onEvents'>;
  agents: WebhookAgents;
  /** An attempt without an answer in this time failed (EVENTS.md: 15 s). */
  timeoutMs: number;
  /** The waits after each failed attempt; after the last one the delivery is given up. */
  retryDelaysMs: readonly number[];
  /** Events older than this, with nothing left to deliver, are pruned. */
  retentionMs: number;
  logger: Logger;
  /** Told of every attempt's result (the metrics). */
  onAttempt?: (result: DeliveryResult) => void;
  now?: () => number;
}

/** A wait of the schedule with ±10% jitter, so that failures of many deliveries do not retry in step. */
const jittered = (ms: number) => Math.round(ms * (0.9 + Math.random() * 0.2));

/** What an attempt leads to: the delivery's next state (DeliveryOutcome) and its result for the metrics. */
export function outcomeOf(
  claimed: ClaimedDelivery,
  attempt: WebhookAttempt & { retryAfterMs: number | null },
  retryDelaysMs: readonly number[],
): { outcome: DeliveryOutcome; result: DeliveryResult } {
  const { delivery } = claimed;
  const { retryAfterMs, ...kept } = attempt;
  const attempts = [...delivery.attempts, kept];
  const base = { pk: delivery.pk, attempts };
  if (attempt.statusCode !== null && attempt.statusCode >= 200 && attempt.statusCode < 300) {
    return { outcome: { ...base, status: 'SUCCEEDED', nextAttemptAt: null }, result: 'succeeded' };
  }
  if (attempt.statusCode === 410) {
    const reason = `The endpoint answered 410 Gone on ${new Date(attempt.at).toISOString()}.`;
    return {
      outcome: { ...base, status: 'GAVE_UP', nextAttemptAt: null, disableEndpoint: reason },
      result: 'gave_up',
    };
  }
  // Failures since the delivery was last queued (a redelivery starts the schedule again).
  const failures = attempts.filter((a) => a.at >= delivery.createdAt).length;
  if (failures > retryDelaysMs.length) {
    return { outcome: { ...base, status: 'GAVE_UP', nextAttemptAt: null }, result: 'gave_up' };
  }
  const wait = retryAfterMs ?? jittered(retryDelaysMs[failures - 1]!);
  return { outcome: { ...base, status: 'FAILED', nextAttemptAt: attempt.at + wait }, result: 'failed' };
}

/** The body a webhook carries (Standard Webhooks' envelope): exactly the bytes that are signed. */
export const webhookBody = (claimed: ClaimedDelivery): string =>
  JSON.stringify({
    id: claimed.event.id,
    type: claimed.event.type,
    timestamp: new Date(claimed.event.createdAt).toISOString(),
    data: eventData(claimed.event),
  });

export function createRelay(options: RelayOptions) {
  const { store, agents, retryDelaysMs, logger } = options;
  const now = options.now ?? Date.now;
  let running = false;
  let loop: Promise<void> | undefined;
  /** Rung by new events and by finished deliveries (a customer's next event may go): look for work. */
  const alarm = createAlarm();
  /** Claimed and not yet recorded: waiting for their endpoint's turn, or being sent. */
  const claimed = new Map<number, ClaimedDelivery>();
  const waiting = new Map<number, ClaimedDelivery[]>();
  const sending = new Map<number, number>();
  const sends = new Set<Promise<void>>();
  let outcomes: DeliveryOutcome[] = [];
  let flushing: Promise<void> | undefined;
  /** Claims given back by stop() while still being sent. */
  const released = new Set<number>();
  let lastPrune = 0;

  /**
   * Writes the outcomes gathered so far in one transaction, then looks for work (a customer's next event may go).
   * `soon`: after a moment, so that the outcomes of the sends finishing meanwhile are written in the same one.
   */
  function flush(soon = false): Promise<void> {
    flushing ??= (async () => {
      if (soon) await new Promise((resolve) => setTimeout(resolve, FLUSH_DELAY_MS));
      while (outcomes.length > 0) {
        const batch = outcomes;
        outcomes = [];
        try {
          await store.relay.record(batch);
        } catch (error) {
          // Their leases run out and they are sent again: at least once.
          logger.error({ err: error }, 'webhook relay: recording attempts failed');
        }
        for (const outcome of batch) claimed.delete(outcome.pk);
      }
      flushing = undefined;
      alarm.ring();
    })();
    return flushing;
  }

  async function send(item: ClaimedDelivery): Promise<void> {
    const { event, endpoint, delivery } = item;
    const body = webhookBody(item);
    const at = now();
    const headers = signatureHeaders(signingSecrets(endpoint, at), event.id, Math.floor(at / 1000), body);
    const attempt = await sendWebhook({ url: endpoint.url, body, headers, timeoutMs: options.timeoutMs, agents });
    const { outcome, result } = outcomeOf(
      item,
      {
        at,
        statusCode: attempt.statusCode,
        durationMs: attempt.durationMs,
        error: attempt.error,
        retryAfterMs: attempt.retryAfterMs,
      },
      retryDelaysMs,
    );
    options.onAttempt?.(result);
    // The request log's line for the attempt: ids and outcome, never the URL (it may hold a token) or the body.
    logger.info(
      {
        webhook: {
          endpoint: endpoint.id,
          event: event.id,
          type: event.type,
          attempt: outcome.attempts.length,
          status: attempt.statusCode,
          durationMs: attempt.durationMs,
          result,
          ...(attempt.error ? { error: attempt.error } : {}),
          ...(outcome.nextAttemptAt ? { nextAttemptAt: new Date(outcome.nextAttemptAt).toISOString() } : {}),
        },
        tenant: delivery.tenant,
      },
      'webhook attempt',
    );
    // After stop() gave its claim back, the outcome is not ours to write: another replica may be sending it.
    if (released.has(delivery.pk)) return;
    outcomes.push(outcome);
    void flush(true);
  }

  /** Starts the endpoint's waiting deliveries while it has fewer than REQUESTS_PER_ENDPOINT requests in flight. */
  function pump(endpointPk: number): void {
    const queue = waiting.get(endpointPk) ?? [];
    while (queue.length > 0 && (sending.get(endpointPk) ?? 0) < REQUESTS_PER_ENDPOINT && running) {
      const item = queue.shift()!;
      sending.set(endpointPk, (sending.get(endpointPk) ?? 0) + 1);
      const done = send(item)
        .catch((error: unknown) => logger.error({ err: error }, 'webhook relay: a send failed'))
        .finally(() => {
          sends.delete(done);
          sending.set(endpointPk, (sending.get(endpointPk) ?? 1) - 1);
          pump(endpointPk);
        });
      sends.add(done);
    }
    if (queue.length === 0) waiting.delete(endpointPk);
  }

  async function prune(): Promise<void> {
    if (now() - lastPrune < PRUNE_EVERY_MS) return;
    lastPrune = now();
    const before = now() - options.retentionMs;
    // Small batches, each its own statement: writers wait for one batch at most.
    while (running && (await store.relay.prune(before, PRUNE_BATCH)) === PRUNE_BATCH) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Whether the last claim left busy endpoints out and found nothing: then only new deliveries make a claim. */
  let starved = false;
  let lastClaim = 0;

  async function run(): Promise<void> {
    while (running) {
      alarm.take();
      // Signals come with every commit: looking at most once per gap gathers them into one claim.
      const gap = lastClaim + MIN_CLAIM_GAP_MS - now();
      if (gap > 0) await new Promise((resolve) => setTimeout(resolve, gap));
      let found = 0;
      const free = MAX_IN_FLIGHT - claimed.size;
      try {
        // Endpoints with a full queue here get no more claims: one slow endpoint cannot take every slot.
        const busy = [...waiting].filter(([, queue]) => queue.length >= REQUESTS_PER_ENDPOINT).map(([pk]) => pk);
        if (free > 0 && !(starved && busy.length > 0 && now() - lastClaim < POLL_MS)) {
          const at = now();
          lastClaim = at;
          const batch = await store.relay.claim(at, at + LEASE_TIMEOUTS * options.timeoutMs, free, busy);
          found = batch.length;
          starved = found === 0 && busy.length > 0;
          for (const item of batch) {
            claimed.set(item.delivery.pk, item);
            const queue = waiting.get(item.endpoint.pk) ?? [];
            queue.push(item);
            waiting.set(item.endpoint.pk, queue);
            pump(item.endpoint.pk);
          }
        }
        await prune();
      } catch (error) {
        logger.error({ err: error }, 'webhook relay: claiming failed');
      }
      if (!running) break;
      if (found > 0 && found === free) continue;
      await alarm.wait(POLL_MS);
    }
  }

  let stopListening: (() => void) | undefined;
  return {
    start(): void {
      if (running) return;
      running = true;
      // Only commits that made deliveries: a tenant without endpoints costs the relay nothing.
      stopListening = store.onEvents((_tenant, deliveries) => {
        if (!deliveries) return;
        starved = false;
        alarm.ring();
      });
      loop = run();
    },
    /**
     * Stops claiming; lets the sends in flight finish for up to `graceMs`, records them, and gives back the claims
     * of deliveries not yet sent (and of those still sending after the grace period, which may then arrive twice).
     */
    async stop(graceMs: number): Promise<void> {
      if (!running) return;
      running = false;
      stopListening?.();
      alarm.ring();
      await loop;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...sends]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(timer);
      await flush();
      const unsent = [...claimed.keys()];
      for (const pk of unsent) released.add(pk);
      claimed.clear();
      waiting.clear();
      await store.relay.release(unsent).catch((error: unknown) => {
        logger.error({ err: error }, 'webhook relay: giving back claims failed');
      });
    },
  };
}

export type Relay = ReturnType<typeof createRelay>;
