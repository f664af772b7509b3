import { RelayError } from './errors.ts';
import type { DeliveryEvent } from './events.ts';
import type { Provider, WebhookContext, WebhookRequest } from './provider.ts';
import type { DedupeStore } from './stores.ts';

export interface WebhookHandler {
  /**
   * Takes a web-standard Request and answers it: 401 when it fails verification (nothing is
   * recorded), 400 when its body cannot be read, 200 once its events are recorded. The provider
   * is the one named by `options.provider`, or by the last segment of the URL path
   * (e.g. POST /webhooks/ses).
   */
  handle(request: Request, options?: { provider?: string }): Promise<Response>;
}

export interface WebhookHandlerOptions {
  providers: readonly Provider[];
  ingest(events: readonly DeliveryEvent[]): Promise<DeliveryEvent[]>;
  dedupe: DedupeStore;
  maxBytes: number;
  fetch: typeof fetch;
  onError(message: string, error: unknown): void;
}

const text = (status: number, body: string) =>
  new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });

async function readBody(request: Request, maxBytes: number): Promise<string | undefined> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) return undefined;
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function createWebhookHandler(options: WebhookHandlerOptions): WebhookHandler {
  const byName = new Map(options.providers.map((p) => [p.name, p]));
  const context: WebhookContext = {
    now: Date.now,
    remember: (key, ttlMs) => options.dedupe.remember(`webhook:${key}`, ttlMs),
    fetch: options.fetch,
  };
  return {
    async handle(request, handleOptions = {}) {
      const url = new URL(request.url, 'http://localhost');
      const name = handleOptions.provider ?? url.pathname.split('/').filter(Boolean).at(-1);
      const provider = name === undefined ? undefined : byName.get(name);
      if (!provider?.webhook) {
        return text(
          404,
          `[relaykit] no webhook for '${name ?? ''}'; route it to /<provider name> (${[...byName.keys()].join(', ')})`,
        );
      }
      if (request.method !== 'POST') return text(405, '[relaykit] webhooks are POST requests');
      const body = await readBody(request, options.maxBytes);
      if (body === undefined) return text(413, '[relaykit] webhook body too large');
      const incoming: WebhookRequest = {
        method: request.method,
        url: request.url,
        headers: request.headers,
        body,
      };
      try {
        await provider.webhook.verify(incoming, context);
      } catch (error) {
        // Nothing from an unverified request is recorded; the reason stays in the relay's logs.
        options.onError(`webhook for '${provider.name}' failed verification`, error);
        return text(401, '[relaykit] webhook verification failed');
      }
      try {
        const parsed = await provider.webhook.parse(incoming, context);
        await options.ingest(parsed.events);
        if (parsed.response) {
          return new Response(parsed.response.body ?? '', {
            status: parsed.response.status,
            headers: parsed.response.headers ?? {},
          });
        }
        return text(200, 'ok');
      } catch (error) {
        options.onError(`webhook for '${provider.name}' could not be processed`, error);
        if (error instanceof RelayError && (error.kind === 'invalid' || error.kind === 'auth')) {
          return text(
            error.kind === 'auth' ? 401 : 400,
            `[relaykit] ${error.kind === 'auth' ? 'webhook verification failed' : 'unreadable webhook body'}`,
          );
        }
        // 500 makes the provider retry later, so an event is not lost to a passing fault.
        return text(500, '[relaykit] webhook processing failed; the provider will retry');
      }
    },
  };
}
