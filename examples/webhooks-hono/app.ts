import type { Relay } from '@relaykit/core';
import { Hono } from 'hono';

export function createApp(relay: Relay): Hono {
  const app = new Hono();
  // Hono hands over the web-standard Request untouched, body unread, which is what the relay takes.
  app.post('/webhooks/:provider', (c) =>
    relay.webhooks.handle(c.req.raw, { provider: c.req.param('provider') }),
  );
  return app;
}
