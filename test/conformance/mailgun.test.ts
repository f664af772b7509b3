import { mailgun } from '@relaykit/mailgun';
import { runConformance } from './suite.ts';

runConformance({
  name: 'mailgun',
  // mailgun.js drops response headers, so a 429's Retry-After cannot reach the adapter.
  readsRetryAfter: false,
  make: (sim, at) =>
    mailgun({
      apiKey: sim.mailgun.apiKey,
      domain: sim.mailgun.domain,
      baseUrl: at?.baseUrl ?? sim.mailgun.url,
      timeoutMs: at?.timeoutMs ?? 5_000,
      webhook: { signingKey: sim.mailgun.webhookSigningKey },
    }),
});
