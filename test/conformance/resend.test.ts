import { resend } from '@relaykit/resend';
import { runConformance } from './suite.ts';

runConformance({
  name: 'resend',
  make: (sim, at) =>
    resend({
      apiKey: sim.resend.apiKey,
      baseUrl: at?.baseUrl ?? sim.resend.baseUrl,
      ...(at?.timeoutMs ? { timeoutMs: at.timeoutMs } : {}),
      webhook: { secret: sim.resend.webhookSecret },
    }),
});
