import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Reply } from './reply.ts';
import type { Router } from './router.ts';

const MAX_BODY_BYTES = 60 * 1024 * 1024;

export interface HttpServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)),
    );
    req.on('error', reject);
  });
}

function write(res: ServerResponse, reply: Reply): void {
  if ('reset' in reply) {
    res.socket?.destroy();
    return;
  }
  if ('hang' in reply) return;
  const headers: Record<string, string | number> = {
    ...reply.headers,
    'content-length': Buffer.byteLength(reply.body),
  };
  res.writeHead(reply.status, headers);
  res.end(reply.body);
}

/** A keep-alive node:http server dispatching to the router; unknown routes get a plain 404. */
export async function startHttpServer(
  router: Router,
  host: string,
  port: number,
): Promise<HttpServer> {
  const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const method = req.method ?? 'GET';
    const route = router.match(method, path);
    readBody(req)
      .then(
        async (body) => {
          if (!route) {
            write(res, {
              status: 404,
              headers: { 'content-type': 'text/plain' },
              body: `no route for ${method} ${path}`,
            });
            return;
          }
          const query = new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1));
          const reply = await route.handler({
            method,
            path,
            query,
            headers: req.headers,
            body,
            params: route.params,
          });
          write(res, reply);
        },
        () =>
          write(res, {
            status: 413,
            headers: { 'content-type': 'text/plain' },
            body: 'Payload Too Large',
          }),
      )
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (!res.headersSent)
          write(res, {
            status: 500,
            headers: { 'content-type': 'text/plain' },
            body: `[relaykit] [simulator] ${message}`,
          });
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hung (stalled) requests and idle keep-alive sockets would otherwise hold close() forever.
        server.closeAllConnections();
      }),
  };
}
