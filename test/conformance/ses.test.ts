import { ses } from '@relaykit/ses';
import { runConformance } from './suite.ts';

runConformance({
  name: 'ses',
  make: (sim, at) =>
    ses({
      ...sim.ses.options,
      ...(at?.baseUrl ? { baseUrl: at.baseUrl } : {}),
      ...(at?.timeoutMs ? { timeoutMs: at.timeoutMs } : {}),
      configurationSetName: 'relaykit-events',
      webhook: {
        topicArns: [sim.ses.topicArn],
        // The simulator signs with a self-signed certificate served at no real URL: trust it for
        // exactly the SigningCertURL it names (the host pinning still applies).
        fetchCertificate: async (url) => {
          if (url !== sim.ses.signingCertUrl) throw new Error(`unexpected certificate URL ${url}`);
          return sim.ses.certificatePem;
        },
      },
    }),
});
