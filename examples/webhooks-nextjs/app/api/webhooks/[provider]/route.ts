import { relay } from '../../../../lib/relay.ts';

// Webhook signatures need Node's crypto and the raw body: no edge runtime, no caching.
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** POST /api/webhooks/postmark, /api/webhooks/resend: the provider is the last path segment. */
export async function POST(request: Request): Promise<Response> {
  return relay.webhooks.handle(request);
}
