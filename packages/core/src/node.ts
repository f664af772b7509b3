import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RelayError } from './errors.ts';
import {
  lastRead,
  type RelayWebhooks,
  type WebhookAnswer,
  type WebhookHandler,
} from './webhooks.ts';

/**
 * Methods a web-standard Request refuses to carry (Fetch standard, "forbidden method": CONNECT,
 * TRACE, TRACK); `new Request()` throws on them, so they are answered before one is built.
 */
const forbiddenMethods = new Set(['CONNECT', 'TRACE', 'TRACK']);

/**
 * The request target as a URL on a fixed origin. Only the path and query are taken: the Host
 * header is the client's to write (`Host: a b` is not a host), and a webhook's meaning never
 * depends on it. Undefined when even the path cannot be read.
 */
const urlOf = lastRead(parsedUrlOf);

function parsedUrlOf(target: string | undefined): string | undefined {
  const path = target ?? '/';
  try {
    // origin-form ("/a?b") is the norm; absolute-form ("http://h/a", RFC 9112 section 3.2.2) and
    // anything else keep only their path, and "//x" must not be read as a host.
    const parsed = path.startsWith('/')
      ? new URL(`http://localhost/${path.replace(/^\/+/u, '')}`)
      : new URL(path);
    return `http://localhost${parsed.pathname}${parsed.search}`;
  } catch {
    return undefined;
  }
}

/**
 * Turns a Node request (with its body already read) into a web-standard Request. The URL is
 * built from the request path on `http://localhost`, never from the Host header. Throws a
 * RelayError of kind 'invalid' for a request no web Request can represent (a CONNECT, TRACE or
 * TRACK method, an unreadable path): answer those 405/400 before calling it, as
 * `nodeWebhookListener` does.
 */
export function toWebRequest(req: IncomingMessage, body: Buffer): Request {
  const method = (req.method ?? 'GET').toUpperCase();
  if (forbiddenMethods.has(method))
    throw new RelayError({
      kind: 'invalid',
      message: `a ${method} request cannot be a webhook; answer it 405`,
    });
  const url = urlOf(req.url);
  if (url === undefined)
    throw new RelayError({
      kind: 'invalid',
      message: 'the request target is not a path; answer it 400',
    });
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    // Node's parser already refused what HTTP forbids; a value the Fetch Headers class still
    // refuses is dropped rather than allowed to throw.
    try {
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else if (value !== undefined) headers.set(name, value);
    } catch {
      continue;
    }
  }
  const init: RequestInit = { method, headers };
  if (method !== 'GET' && method !== 'HEAD') init.body = new Uint8Array(body);
  return new Request(url, init);
}

/** A web Response as the answer a Node response writes (for a handler without `handleRaw`). */
async function answerOf(response: Response): Promise<WebhookAnswer> {
  const headers: Record<string, string> = {};
  response.headers.forEach((v, k) => (headers[k] = v));
  return { status: response.status, headers, body: await response.text() };
}

let warnedConsumed = false;

const consumedMessage =
  'the webhook request body was already read by a body parser (express.json(), express.urlencoded() ...), ' +
  'so its signature cannot be checked: mount nodeWebhookListener before any body parser, or give it the raw body ' +
  '(express.raw({ type: "*/*" }))';

function answer(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) {
    if (!res.writableEnded) res.destroy();
    return;
  }
  try {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(body);
  } catch {
    res.destroy();
  }
}

/**
 * A Node `(req, res)` listener that hands webhook requests to the relay: mount it under any path
 * ending in the provider's name (POST /webhooks/ses). Works with node:http, Express (before any
 * body parser, or after `express.raw()`) and Fastify's raw request. It never throws into the
 * server: a request it cannot take (another method than POST, an unreadable path, a body over
 * `maxBytes`, a stream that breaks) is answered 4xx or its socket closed.
 */
export function nodeWebhookListener(
  relay: { webhooks: WebhookHandler & Partial<Pick<RelayWebhooks, 'handleRaw'>> },
  options: { maxBytes?: number } = {},
) {
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const url = urlOf(req.url);
    if (url === undefined) {
      answer(res, 400, '[relaykit] the request target is not a path');
      return;
    }
    const webhooks = relay.webhooks;
    // The handler is the user's when a framework wraps it: a throw is caught like a rejection.
    // The body is handed over as read, with Node's headers: no web Request is built and read
    // back, which cost more than the intake itself.
    void Promise.resolve()
      .then(() =>
        typeof webhooks.handleRaw === 'function'
          ? webhooks.handleRaw({ method: 'POST', url, headers: req.headers, body })
          : webhooks.handle(toWebRequest(req, body)).then(answerOf),
      )
      .then((reply) => {
        if (res.headersSent || res.destroyed) return;
        res.writeHead(reply.status, reply.headers).end(reply.body);
      })
      .catch(() => answer(res, 500, '[relaykit] webhook processing failed'));
  };

  return (req: IncomingMessage & { body?: unknown }, res: ServerResponse): void => {
    // A response that cannot be written (the client left) is not the host's problem.
    res.on('error', () => res.destroy());
    const method = (req.method ?? '').toUpperCase();
    if (method !== 'POST') {
      req.on('error', () => undefined);
      req.resume();
      answer(res, 405, '[relaykit] webhooks are POST requests', { allow: 'POST' });
      return;
    }
    // express.raw() leaves the bytes on req.body: they are the bytes the provider signed.
    if (Buffer.isBuffer(req.body)) {
      handle(req, res, req.body);
      return;
    }
    if (req.body !== undefined || req.readableEnded) {
      if (!warnedConsumed) {
        warnedConsumed = true;
        process.emitWarning(`[relaykit] ${consumedMessage}`, {
          code: 'RELAYKIT_WEBHOOK_BODY_CONSUMED',
        });
      }
      answer(res, 500, `[relaykit] ${consumedMessage}`);
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) {
      req.on('error', () => undefined);
      answer(res, 413, '[relaykit] webhook body too large', { connection: 'close' });
      res.once('finish', () => req.destroy());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const onData = (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > maxBytes) {
        settled = true;
        chunks.length = 0;
        answer(res, 413, '[relaykit] webhook body too large', { connection: 'close' });
        res.once('finish', () => req.destroy());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('error', () => {
      // The client aborted or the stream broke: nothing was read, nothing is recorded.
      if (settled) return;
      settled = true;
      chunks.length = 0;
      answer(res, 400, '[relaykit] the request body could not be read', { connection: 'close' });
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      handle(req, res, Buffer.concat(chunks, size));
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
  relay: { webhooks: WebhookHandler & Partial<Pick<RelayWebhooks, 'handleRaw'>> },
  options: { host?: string; port?: number; path?: string; maxBytes?: number } = {},
): Promise<WebhookServer> {
  const server = createServer(
    nodeWebhookListener(
      relay,
      options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes },
    ),
  );
  // A request the parser cannot read (RFC 9112 syntax, a reset mid-headers) gets 400 or a closed
  // socket, never an exception in the host.
  server.on('clientError', (_error, socket) => {
    if (socket.writable && !socket.destroyed)
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
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
