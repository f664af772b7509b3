import { createRelay, type Relay } from '@relaykit/core';
import { postmark } from '@relaykit/postmark';
import { ses } from '@relaykit/ses';

type Env = Record<string, string | undefined>;

const required = (env: Env, name: string): string => {
  const value = env[name];
  if (!value) throw new Error(`[example] set ${name}`);
  return value;
};

/**
 * Postmark first, Amazon SES when Postmark is down. The relay fails over only on provider-side
 * faults (5xx, timeouts, 429 past its budget, a paused account), never on a rejected recipient:
 * another provider would only bounce it again, at a cost to reputation.
 */
export function createFailoverRelay(env: Env = process.env): Relay {
  return createRelay({
    providers: [
      postmark({
        serverToken: required(env, 'POSTMARK_SERVER_TOKEN'),
        ...(env['POSTMARK_BASE_URL'] ? { baseUrl: env['POSTMARK_BASE_URL'] } : {}),
      }),
      ses({
        region: required(env, 'AWS_REGION'),
        // Local simulator in tests; in production the SDK's credential chain and endpoint apply.
        ...(env['SES_ENDPOINT'] ? { baseUrl: env['SES_ENDPOINT'] } : {}),
        ...(env['AWS_ACCESS_KEY_ID'] && env['AWS_SECRET_ACCESS_KEY']
          ? {
              credentials: {
                accessKeyId: env['AWS_ACCESS_KEY_ID'],
                secretAccessKey: env['AWS_SECRET_ACCESS_KEY'],
              },
            }
          : {}),
        webhook: false,
      }),
    ],
    routing: { strategy: 'priority', failureThreshold: 3, cooldownMs: 30_000 },
    retry: { attemptsPerProvider: 2 },
  });
}
