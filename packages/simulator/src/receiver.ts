import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The raw body, exactly as posted (signatures are over these bytes). */
  readonly body: string;
  /** The status the receiver answered. */
  readonly status: number;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly received: readonly ReceivedWebhook[];
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  clear(): void;
  stop(): Promise<void>;
}

/**
 * A tiny webhook sink for tests: records every POST and answers `status` (a number, or a function
 * of the request so a test can fail the first attempts and watch the retries).
 */
export async function startWebhookReceiver(
  options: {
    status?:
      | number
      | ((req: {
          path: string;
          headers: IncomingHttpHeaders;
          body: string;
          index: number;
        }) => number);
  } = {},
): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      const s = options.status;
      const status =
        typeof s === 'function'
          ? s({ path, headers: req.headers, body, index: received.length })
          : (s ?? 200);
      received.push({ path, headers: req.headers, body, status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
      for (const w of waiters) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    waitFor(n, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (received.length < n) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(received.slice());
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `[relaykit] [simulator] receiver got ${received.length} of ${n} webhook(s) within ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    clear: () => void (received.length = 0),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
