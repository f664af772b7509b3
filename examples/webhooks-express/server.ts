// Run with: npx tsx server.ts (POSTMARK_SERVER_TOKEN and POSTMARK_WEBHOOK_SECRET set)
import { createApp } from './app.ts';
import { createMailRelay } from './relay.ts';

const relay = createMailRelay();
relay.on('event', (event) => console.log(event.type, event.recipient, event.bounce?.class ?? ''));
createApp(relay).listen(Number(process.env['PORT'] ?? 3000));
