// Run with: npx tsx server.ts (MAILGUN_API_KEY, MAILGUN_DOMAIN and MAILGUN_WEBHOOK_SIGNING_KEY set)
import { createApp } from './app.ts';
import { createMailRelay } from './relay.ts';

const relay = createMailRelay();
relay.on('event', (event) => console.log(event.type, event.recipient, event.bounce?.class ?? ''));
await createApp(relay).listen({ port: Number(process.env['PORT'] ?? 3000) });
