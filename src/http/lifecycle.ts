/**
 * A listener's life: listening (port 0 picks a free one), and a graceful close that lets the requests in flight
 * finish, up to a grace period. While closing, every response says `Connection: close`, so keep-alive clients leave
 * once their request is done instead of sending more or idling until the keep-alive timeout.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';
import { send } from './body.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export function createListener(handle: Handler, logger: Logger) {
  let closing = false;
  const open = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    open.add(res);
    res.once('close', () => open.delete(res));
    // A response that ends while closing (one that began before, a stream) leaves an idle connection: close it.
    res.once('finish', () => {
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
    if (closing) res.setHeader('connection', 'close');
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'request failed');
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
      else res.destroy();
    });
  });
  return {
    server,
    /** Resolves to the base URL, e.g. http://127.0.0.1:4000. */
    listen: (port: number, host: string): Promise<string> =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const address = server.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`http://${shownHost}:${address.port}`);
        });
      }),
    /** Stops accepting connections and waits for those in flight, closing them after `graceMs`. */
    async close(graceMs: number): Promise<void> {
      closing = true;
      for (const res of open) if (!res.headersSent) res.setHeader('connection', 'close');
      if (!server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
    },
  };
}

export type Listener = ReturnType<typeof createListener>;
