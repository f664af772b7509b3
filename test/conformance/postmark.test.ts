import { postmark } from '@relaykit/postmark';
import { runConformance } from './suite.ts';

const hook = { username: 'postmark', password: 'conformance-webhook-password' };

runConformance({
  name: 'postmark',
  webhookAuth: 'credentials',
  simulator: { webhooks: { secrets: { postmark: hook } } },
  make: (sim) =>
    postmark({
      serverToken: sim.postmark.serverToken,
      baseUrl: sim.url,
      webhook: { basicAuth: hook },
    }),
});
