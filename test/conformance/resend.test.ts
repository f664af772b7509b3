import { resend } from '@relaykit/resend';
import { runConformance } from './suite.ts';

runConformance({
  name: 'resend',
  make: (sim) =>
    resend({
      apiKey: sim.resend.apiKey,
      baseUrl: sim.resend.baseUrl,
      webhookSecret: sim.resend.webhookSecret,
    }),
});
