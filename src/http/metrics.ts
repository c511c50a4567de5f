/**
 * Prometheus metrics: SQL statements executed, GraphQL operations counted and timed by name, REST requests by
 * route, status and outcome, the admission of expensive reads, and change events: appended, delivered, waiting.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AdmissionState } from '../store/core/admission.js';
import { bearerToken } from '../auth/tokens.js';
import { send } from './body.js';

export interface MetricsOptions {
  /**
   * Operation names are chosen by callers; past this many distinct names, further ones are labelled "other" so
   * that a client cannot grow the metrics without bound.
   */
  maxOperationNames?: number;
}

export function createMetrics({ maxOperationNames = 500 }: MetricsOptions = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const statements = new Counter({
    name: 'db_statements_total',
    help: 'SQL statements the service has executed.',
    registers: [registry],
  });
  const backgroundStatements = new Counter({
    name: 'db_background_statements_total',
    help: 'SQL statements of background work (the webhook relay, pruning, the backlog gauges).',
    registers: [registry],
  });
  const operations = new Counter({
    name: 'graphql_operations_total',
    help: 'GraphQL operations executed, by operation name and type and whether they had errors.',
    labelNames: ['operation', 'type', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'graphql_operation_duration_seconds',
    help: 'Execution time of GraphQL operations, by operation name and type.',
    labelNames: ['operation', 'type'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });

  const restRequests = new Counter({
    name: 'rest_requests_total',
    help: 'REST API requests answered, by route (its operation id), method, status and outcome.',
    labelNames: ['route', 'method', 'status', 'outcome'] as const,
    registers: [registry],
  });
  const restDuration = new Histogram({
    name: 'rest_request_duration_seconds',
    help: 'Time to answer REST API requests, by route.',
    labelNames: ['route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  /** The methods a label may name; routes are the route table's ids, so neither grows with what clients send. */
  const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

  const operationNames = new Set<string>();
  function operationLabel(name: string | undefined): string {
    if (!name) return 'anonymous';
    if (!operationNames.has(name)) {
      if (operationNames.size >= maxOperationNames) return 'other';
      operationNames.add(name);
    }
    return name;
  }

  /** Counts and times every executed operation; anonymous ones are labelled "anonymous". */
  function plugin<C extends object = object>(): Plugin<C> {
    return {
      onExecute({ args }) {
        const started = process.hrtime.bigint();
        const operation = getOperationAST(args.document, args.operationName);
        const labels = { operation: operationLabel(operation?.name?.value), type: operation?.operation ?? 'unknown' };
        return {
          onExecuteDone({ result }) {
            const failed = 'errors' in result && (result.errors?.length ?? 0) > 0;
            operations.inc({ ...labels, outcome: failed ? 'error' : 'ok' });
            duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
          },
        };
      },
    };
  }

  /** One REST answer: `route` is a route id, `docs`, or `unmatched` for a path or method the API does not have. */
  function restRequest(route: string, method: string | undefined, status: number, outcome: string, seconds: number) {
    const label = method && METHODS.has(method) ? method : 'other';
    restRequests.inc({ route, method: label, status: String(status), outcome });
    restDuration.observe({ route }, seconds);
  }

  /** Reads the admission of expensive reads at each scrape (src/store/core/admission.ts). */
  function observeAdmission(state: () => AdmissionState | undefined): void {
    const gauge = (name: string, help: string, value: (s: AdmissionState) => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          const now = state();
          if (now) this.set(value(now));
        },
      });
    gauge('admission_expensive_reads_running', 'Expensive reads in flight, all tenants.', (s) => s.running);
    gauge(
      'admission_expensive_reads_waiting',
      'Expensive reads waiting for their turn, all tenants.',
      (s) => s.waiting,
    );
    // A gauge that only grows: the admission counts, the scrape reads.
    gauge(
      'admission_expensive_reads_refused_total',
      'Expensive reads refused with 429 (their tenant over its share for too long), since start.',
      (s) => s.refused,
    );
  }

  const eventsAppended = new Counter({
    name: 'events_appended_total',
    help: 'Change events committed to the event log by this process.',
    registers: [registry],
  });
  const deliveries = new Counter({
    name: 'webhook_delivery_attempts_total',
    help: 'Webhook delivery attempts by this process, by result (succeeded, failed and to be retried, gave_up).',
    labelNames: ['result'] as const,
    registers: [registry],
  });

  /** Reads the relay's backlog at each scrape: deliveries waiting, and the age of the oldest one's event. */
  function observeWebhookBacklog(backlog: () => Promise<{ waiting: number; oldestEventAt: number | null }>): void {
    let last: Promise<{ waiting: number; oldestEventAt: number | null }> | undefined;
    // Both gauges from one statement per scrape.
    const read = () => {
      last ??= backlog().finally(() => setImmediate(() => (last = undefined)));
      return last;
    };
    new Gauge({
      name: 'webhook_deliveries_waiting',
      help: 'Webhook deliveries not yet succeeded or given up, all tenants (the relay queue).',
      registers: [registry],
      async collect() {
        this.set((await read().catch(() => undefined))?.waiting ?? 0);
      },
    });
    new Gauge({
      name: 'webhook_oldest_undelivered_event_age_seconds',
      help: 'Age of the oldest event with a webhook delivery still to make (0 when none).',
      registers: [registry],
      async collect() {
        const oldest = (await read().catch(() => undefined))?.oldestEventAt;
        this.set(oldest ? Math.max(0, (Date.now() - oldest) / 1000) : 0);
      },
    });
  }

  return {
    registry,
    countStatement: () => statements.inc(),
    countBackgroundStatement: () => backgroundStatements.inc(),
    countEvents: (count: number) => eventsAppended.inc(count),
    countDeliveryAttempt: (result: 'succeeded' | 'failed' | 'gave_up') => deliveries.inc({ result }),
    observeWebhookBacklog,
    observeAdmission,
    plugin,
    restRequest,
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * GET /metrics: Prometheus text. Operation names are chosen by callers of every tenant, so /metrics can be kept
 * internal: on a listener of its own (METRICS_PORT, never exposed publicly) and/or behind a bearer token
 * (METRICS_TOKEN, compared in constant time).
 */
export function metricsEndpoint(metrics: Metrics, token: string | undefined) {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (token && !timingSafeEqual(digest(bearerToken(req.headers.authorization) ?? ''), digest(token))) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="metrics"' });
      return void res.end('/metrics needs Authorization: Bearer <METRICS_TOKEN>\n');
    }
    send(res, 200, metrics.registry.contentType, await metrics.registry.metrics());
  };
}
