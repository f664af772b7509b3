// Run with: npx tsx server.ts (RESEND_API_KEY and RESEND_WEBHOOK_SECRET set)
import { serve } from '@hono/node-server';
import { createApp } from './app.ts';
import { createMailRelay } from './relay.ts';

const relay = createMailRelay();
relay.on('event', (event) => console.log(event.type, event.recipient, event.bounce?.class ?? ''));
serve({ fetch: createApp(relay).fetch, port: Number(process.env['PORT'] ?? 3000) });
