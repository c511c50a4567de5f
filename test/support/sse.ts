/**
 * A GraphQL-over-SSE subscriber for the tests (graphql-sse's "distinct connections" protocol, which Yoga serves on
 * /graphql): it POSTs the subscription with `accept: text/event-stream` and collects each `next` payload.
 */
export interface Subscription<T> {
  /** The payloads received so far (`{ data, errors }`). */
  readonly received: { data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] }[];
  /** Resolves once `count` payloads have arrived (rejects after `timeoutMs`, or if the stream ends first). */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  /** Whether the server completed the stream. */
  readonly completed: Promise<void>;
  close(): void;
}

export function subscribe<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string>,
): Subscription<T> {
  const controller = new AbortController();
  const received: Subscription<T>['received'] = [];
  const waiters = new Set<() => void>();
  let ended = false;
  const completed = (async () => {
    try {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
        body: JSON.stringify({ query, variables }),
        signal: controller.signal,
      });
      if (!response.body) return;
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = message.split('\n');
          const event = lines
            .find((line) => line.startsWith('event:'))
            ?.slice(6)
            .trim();
          const data = lines
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trim())
            .join('\n');
          if (event === 'next' && data) received.push(JSON.parse(data));
          if (event === 'complete') return;
          for (const wake of waiters) wake();
          end = buffer.indexOf('\n\n');
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    } finally {
      ended = true;
      for (const wake of waiters) wake();
    }
  })();
  completed.catch(() => {});
  return {
    received,
    completed,
    waitFor(count, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`the subscriber got ${received.length} payloads, not ${count}`));
        }, timeoutMs);
        const check = () => {
          if (received.length >= count) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve();
          } else if (ended) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`the stream ended after ${received.length} payloads, before ${count}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
    close: () => controller.abort(),
  };
}
