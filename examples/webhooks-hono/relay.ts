import { createRelay, type Relay } from '@relaykit/core';
import { resend } from '@relaykit/resend';

type Env = Record<string, string | undefined>;

const required = (env: Env, name: string): string => {
  const value = env[name];
  if (!value) throw new Error(`[example] set ${name}`);
  return value;
};

/** The app's relay, configured from the environment (RESEND_BASE_URL points it at the simulator in tests). */
export function createMailRelay(env: Env = process.env): Relay {
  return createRelay({
    providers: [
      resend({
        apiKey: required(env, 'RESEND_API_KEY'),
        ...(env['RESEND_BASE_URL'] ? { baseUrl: env['RESEND_BASE_URL'] } : {}),
        webhook: { secret: required(env, 'RESEND_WEBHOOK_SECRET') },
      }),
    ],
  });
}
