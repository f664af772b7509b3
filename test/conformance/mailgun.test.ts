import { mailgun } from '@relaykit/mailgun';
import { runConformance } from './suite.ts';

runConformance({
  name: 'mailgun',
  make: (sim) =>
    mailgun({
      apiKey: sim.mailgun.apiKey,
      domain: sim.mailgun.domain,
      url: sim.mailgun.url,
      timeoutMs: 5_000,
      webhookSigningKey: sim.mailgun.webhookSigningKey,
    }),
});
