import { createRelay, type Relay } from '@relaykit/core';
import { postmark } from '@relaykit/postmark';

type Env = Record<string, string | undefined>;

const required = (env: Env, name: string): string => {
  const value = env[name];
  if (!value) throw new Error(`[example] set ${name}`);
  return value;
};

/** The app's relay, configured from the environment (POSTMARK_BASE_URL points it at the simulator in tests). */
export function createMailRelay(env: Env = process.env): Relay {
  return createRelay({
    providers: [
      postmark({
        serverToken: required(env, 'POSTMARK_SERVER_TOKEN'),
        ...(env['POSTMARK_BASE_URL'] ? { baseUrl: env['POSTMARK_BASE_URL'] } : {}),
        // Postmark does not sign webhooks: add this header to the webhook in Postmark's settings.
        webhook: { secretHeader: { value: required(env, 'POSTMARK_WEBHOOK_SECRET') } },
      }),
    ],
    streams: { transactional: { domains: ['mail.shop.test'] } },
  });
}
