import { RelayError } from './errors.ts';
import type { DeliveryEvent } from './events.ts';
import type { Provider, WebhookParseResult } from './provider.ts';

/**
 * A provider whose webhook is authenticated by a shared-secret header and whose body is a JSON
 * array of `{ id, type, recipient }`, for core's webhook tests (the real adapters have their own).
 * A body `{ "unreadable": reason }` or `{ "misrouted": what }` makes parse report them; a body
 * `{ "throw": message }` makes parse throw after verification.
 */
export function secretHeaderProvider(name = 'hooks', secret = 'hook-secret'): Provider {
  return {
    name,
    type: name,
    capabilities: {
      maxBatchSize: 1,
      idempotency: false,
      scheduling: false,
      inlineAttachments: false,
      maxMessageBytes: 10_000_000,
      maxRecipients: 50,
    },
    send: () => Promise.reject(new Error('this provider only takes webhooks')),
    webhook: {
      async verify(request) {
        if (request.headers.get('x-secret') !== secret)
          throw new RelayError({
            kind: 'auth',
            provider: name,
            message: 'webhook secret mismatch',
          });
      },
      async parse(request): Promise<WebhookParseResult> {
        const body = JSON.parse(request.body) as unknown;
        if (!Array.isArray(body)) {
          const o = body as Record<string, string>;
          if (o['throw'] !== undefined) throw new Error(o['throw']);
          if (o['unreadable'] !== undefined)
            return { events: [], unreadable: [{ eventId: 'ev-1', reason: o['unreadable'] }] };
          if (o['misrouted'] !== undefined)
            return { events: [], misrouted: { what: o['misrouted'] } };
          throw new RelayError({ kind: 'invalid', provider: name, message: 'expected an array' });
        }
        return {
          events: (body as Array<Record<string, string>>).map((e): DeliveryEvent => ({
            id: String(e['id']),
            type: (e['type'] ?? 'delivered') as DeliveryEvent['type'],
            provider: name,
            recipient: String(e['recipient']),
            at: new Date(0),
            ...(e['type'] === 'bounced'
              ? {
                  bounce: {
                    class: 'hard' as const,
                    category: 'unknown-user',
                    diagnostic: e['diagnostic'] ?? '550 5.1.1 no such user',
                  },
                }
              : {}),
            tags: e['tag'] === undefined ? [] : [e['tag']],
            metadata: e['meta'] === undefined ? {} : { note: e['meta'] },
            raw: e,
          })),
        };
      },
    },
  };
}
