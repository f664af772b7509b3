import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RelayError } from './errors.ts';
import type { WebhookHandler } from './webhooks.ts';

/** Turns a Node request (with its body already read) into a web-standard Request. */
export function toWebRequest(req: IncomingMessage, body: Buffer): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  const host = req.headers.host ?? 'localhost';
  const init: RequestInit = { method: req.method ?? 'GET', headers };
  if (req.method !== 'GET' && req.method !== 'HEAD') init.body = new Uint8Array(body);
  return new Request(`http://${host}${req.url ?? '/'}`, init);
}

/**
 * A Node `(req, res)` listener that hands webhook requests to the relay: mount it under any path
 * ending in the provider's name (POST /webhooks/ses). Works with node:http, Express and Fastify's
 * raw request.
 */
export function nodeWebhookListener(
  relay: { webhooks: WebhookHandler },
  options: { maxBytes?: number } = {},
) {
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes && !refused) {
        refused = true;
        res
          .writeHead(413, { 'content-type': 'text/plain' })
          .end('[relaykit] webhook body too large');
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      relay.webhooks
        .handle(toWebRequest(req, Buffer.concat(chunks)))
        .then(async (response) => {
          const headers: Record<string, string> = {};
          response.headers.forEach((v, k) => (headers[k] = v));
          res.writeHead(response.status, headers).end(Buffer.from(await response.arrayBuffer()));
        })
        .catch(() => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end('[relaykit] webhook processing failed');
        });
    });
  };
}

export interface WebhookServer {
  /** Base URL; providers post to `${url}/<provider name>`. */
  url: string;
  close(): Promise<void>;
}

/** Serves the relay's webhook entry point on its own port (for tests, the demo and simple setups). */
export async function serveWebhooks(
  relay: { webhooks: WebhookHandler },
  options: { host?: string; port?: number; path?: string } = {},
): Promise<WebhookServer> {
  const server = createServer(nodeWebhookListener(relay));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new RelayError({
          kind: 'config',
          message: `cannot serve webhooks on ${host}:${options.port ?? 0} (${error.code ?? error.message}); choose another port`,
          cause: error,
        }),
      ),
    );
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}${options.path ?? '/webhooks'}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
