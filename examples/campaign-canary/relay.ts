import { createRelay, type Relay } from '@relaykit/core';
import { postmark } from '@relaykit/postmark';

type Env = Record<string, string | undefined>;

const required = (env: Env, name: string): string => {
  const value = env[name];
  if (!value) throw new Error(`[example] set ${name}`);
  return value;
};

/** Campaign mail goes on its own stream and domain, through Postmark's broadcast stream. */
export function createCampaignRelay(env: Env = process.env): Relay {
  return createRelay({
    providers: [
      postmark({
        serverToken: required(env, 'POSTMARK_SERVER_TOKEN'),
        ...(env['POSTMARK_BASE_URL'] ? { baseUrl: env['POSTMARK_BASE_URL'] } : {}),
        messageStreams: { newsletter: 'broadcast' },
        webhook: { secretHeader: { value: required(env, 'POSTMARK_WEBHOOK_SECRET') } },
      }),
    ],
    streams: { newsletter: { domains: ['news.shop.test'] } },
  });
}
