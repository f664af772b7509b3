import { postmark } from '@relaykit/postmark';
import { runConformance } from './suite.ts';

const hook = { username: 'postmark', password: 'conformance-webhook-password' };

runConformance({
  name: 'postmark',
  webhookAuth: 'credentials',
  simulator: { webhooks: { secrets: { postmark: hook } } },
  make: (sim, at) =>
    postmark({
      serverToken: sim.postmark.serverToken,
      baseUrl: at?.baseUrl ?? sim.url,
      ...(at?.timeoutMs ? { timeoutMs: at.timeoutMs } : {}),
      webhook: { basicAuth: hook },
    }),
});
