import { createRelay } from '@relaykit/core';
import { postmark } from '@relaykit/postmark';
import { resend } from '@relaykit/resend';

const env = process.env;
const required = (name: string): string => {
  const value = env[name];
  if (!value) throw new Error(`[example] set ${name}`);
  return value;
};

/**
 * One relay per server process, created on first import, shared by route handlers and server
 * actions. (The *_BASE_URL variables point it at the simulator in tests.)
 */
export const relay = createRelay({
  providers: [
    postmark({
      serverToken: required('POSTMARK_SERVER_TOKEN'),
      ...(env['POSTMARK_BASE_URL'] ? { baseUrl: env['POSTMARK_BASE_URL'] } : {}),
      webhook: {
        basicAuth: { username: 'postmark', password: required('POSTMARK_WEBHOOK_PASSWORD') },
      },
    }),
    resend({
      apiKey: required('RESEND_API_KEY'),
      ...(env['RESEND_BASE_URL'] ? { baseUrl: env['RESEND_BASE_URL'] } : {}),
      webhook: { secret: required('RESEND_WEBHOOK_SECRET') },
    }),
  ],
  // Receipts go through Postmark, the newsletter through Resend: each stream keeps its own domain.
  streams: {
    transactional: { domains: ['mail.shop.test'], providers: ['postmark'] },
    newsletter: { domains: ['news.shop.test'], providers: ['resend'] },
  },
});
