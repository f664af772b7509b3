import { Agent } from 'node:http';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { Provider } from '@relaykit/core';
import { mailgun } from '@relaykit/mailgun';
import { postmark } from '@relaykit/postmark';
import { resend } from '@relaykit/resend';
import { ses } from '@relaykit/ses';
import type { Simulator } from '@relaykit/simulator';

/** The Basic-auth credentials the simulator puts in Postmark's webhook URL, and Postmark checks. */
export const postmarkHook = { username: 'relaykit-demo', password: 'demo-webhook-password' };

/**
 * The four adapters pointed at the simulator, with its webhook secrets (start the simulator with
 * `webhooks: { secrets: { postmark: postmarkHook } }`), in the order Postmark, SES, Mailgun,
 * Resend. Nothing leaves the machine: SES checks the simulator's own signing certificate.
 */
export function simulatedProviders(sim: Simulator): Provider[] {
  return [
    postmark({
      serverToken: sim.postmark.serverToken,
      baseUrl: sim.url,
      webhook: { basicAuth: postmarkHook },
    }),
    ses({
      // One client with room for a campaign's concurrency (the SDK's default agent holds 50 sockets).
      client: new SESv2Client({
        ...sim.ses.clientConfig,
        maxAttempts: 1,
        requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 256 }) },
      }),
      webhook: {
        topicArns: [sim.ses.topicArn],
        fetchCertificate: async (url) => {
          if (url !== sim.ses.signingCertUrl) throw new Error(`unexpected certificate ${url}`);
          return sim.ses.certificatePem;
        },
      },
    }),
    mailgun({
      apiKey: sim.mailgun.apiKey,
      domain: sim.mailgun.domain,
      baseUrl: sim.mailgun.url,
      webhook: { signingKey: sim.mailgun.webhookSigningKey },
    }),
    resend({
      apiKey: sim.resend.apiKey,
      baseUrl: sim.resend.baseUrl,
      webhook: { secret: sim.resend.webhookSecret },
    }),
  ];
}
