import { createRelay, type Relay } from '@relaykit/core';
import { mailgun } from '@relaykit/mailgun';

type Env = Record<string, string | undefined>;

const required = (env: Env, name: string): string => {
  const value = env[name];
  if (!value) throw new Error(`[example] set ${name}`);
  return value;
};

/** The app's relay, configured from the environment (MAILGUN_URL points it at the simulator in tests). */
export function createMailRelay(env: Env = process.env): Relay {
  return createRelay({
    providers: [
      mailgun({
        apiKey: required(env, 'MAILGUN_API_KEY'),
        domain: required(env, 'MAILGUN_DOMAIN'),
        ...(env['MAILGUN_URL'] ? { baseUrl: env['MAILGUN_URL'] } : {}),
        webhook: { signingKey: required(env, 'MAILGUN_WEBHOOK_SIGNING_KEY') },
      }),
    ],
  });
}
