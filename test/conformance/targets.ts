import { mailgun } from '@relaykit/mailgun';
import { postmark } from '@relaykit/postmark';
import { resend } from '@relaykit/resend';
import { ses } from '@relaykit/ses';
import type { ProviderName } from '@relaykit/simulator';
import type { ConformanceTarget } from './suite.ts';

const postmarkHook = { username: 'postmark', password: 'conformance-webhook-password' };

/**
 * Each adapter pointed at the simulator with its webhook verification on, and the simulator
 * options its webhooks need: what the conformance suite and the end-to-end tests build on.
 */
export const targets: Readonly<Record<ProviderName, ConformanceTarget>> = {
  ses: {
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
            if (url !== sim.ses.signingCertUrl)
              throw new Error(`unexpected certificate URL ${url}`);
            return sim.ses.certificatePem;
          },
        },
      }),
  },
  postmark: {
    name: 'postmark',
    webhookAuth: 'credentials',
    simulator: { webhooks: { secrets: { postmark: postmarkHook } } },
    make: (sim, at) =>
      postmark({
        serverToken: sim.postmark.serverToken,
        baseUrl: at?.baseUrl ?? sim.url,
        ...(at?.timeoutMs ? { timeoutMs: at.timeoutMs } : {}),
        webhook: { basicAuth: postmarkHook },
      }),
  },
  mailgun: {
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
  },
  resend: {
    name: 'resend',
    make: (sim, at) =>
      resend({
        apiKey: sim.resend.apiKey,
        baseUrl: at?.baseUrl ?? sim.resend.baseUrl,
        ...(at?.timeoutMs ? { timeoutMs: at.timeoutMs } : {}),
        webhook: { secret: sim.resend.webhookSecret },
      }),
  },
};
