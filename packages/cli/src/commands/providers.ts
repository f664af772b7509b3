import type { Provider } from '@relaykit/core';
import { mailgun } from '@relaykit/mailgun';
import { postmark, type PostmarkWebhookOptions } from '@relaykit/postmark';
import { resend } from '@relaykit/resend';
import { ses } from '@relaykit/ses';
import { list } from './args.ts';
import { UsageError } from './io.ts';

export const providerNames = ['ses', 'postmark', 'mailgun', 'resend'] as const;
export type ProviderName = (typeof providerNames)[number];

type Env = Readonly<Record<string, string | undefined>>;

export function parseProviders(command: string, value: string | undefined): ProviderName[] {
  const names = list(value);
  if (names.length === 0)
    throw new UsageError(
      `relaykit ${command}: give --provider ${providerNames.join('|')} (several, comma-separated)`,
    );
  for (const name of names) {
    if (!(providerNames as readonly string[]).includes(name)) {
      throw new UsageError(
        `relaykit ${command}: unknown provider '${name}'; use ${providerNames.join(', ')}`,
      );
    }
  }
  return [...new Set(names)] as ProviderName[];
}

const need = (env: Env, name: string, provider: ProviderName, why: string): string => {
  const value = env[name];
  if (value === undefined || value.trim() === '')
    throw new UsageError(`${provider} needs ${name} in the environment (${why})`);
  return value.trim();
};

// `relaykit events` only receives webhooks: the API credentials a factory insists on are never
// used there, so a stand-in keeps the user from having to export a key they do not need.
const unused = 'unused-by-relaykit-events';

/**
 * Builds a provider from environment variables: send-only for `relaykit send`, webhook intake for
 * `relaykit events`, both for `relaykit campaign run` (its canary waits for the webhooks). Values
 * go to the factories and nowhere else (never to output).
 */
export function providerFromEnv(
  name: ProviderName,
  env: Env,
  mode: 'send' | 'webhooks' | 'both',
): Provider {
  const sending = mode !== 'webhooks';
  const receiving = mode !== 'send';
  switch (name) {
    case 'ses': {
      const region =
        env['AWS_REGION'] ??
        env['AWS_DEFAULT_REGION'] ??
        (sending ? need(env, 'AWS_REGION', name, 'the SES region, e.g. eu-west-1') : 'us-east-1');
      const keyId = env['AWS_ACCESS_KEY_ID'];
      const secret = env['AWS_SECRET_ACCESS_KEY'];
      const session = env['AWS_SESSION_TOKEN'];
      return ses({
        region,
        ...(env['SES_ENDPOINT'] ? { baseUrl: env['SES_ENDPOINT'] } : {}),
        // Without both keys the SDK's own chain (profile, SSO, instance role) applies.
        ...(keyId && secret
          ? {
              credentials: {
                accessKeyId: keyId,
                secretAccessKey: secret,
                ...(session ? { sessionToken: session } : {}),
              },
            }
          : {}),
        ...(env['SES_CONFIGURATION_SET']
          ? { configurationSetName: env['SES_CONFIGURATION_SET'] }
          : {}),
        ...(!receiving
          ? { webhook: false }
          : {
              webhook: {
                topicArns: list(
                  need(
                    env,
                    'SES_SNS_TOPIC_ARNS',
                    name,
                    'the SNS topic ARN(s) your configuration set publishes to, comma-separated',
                  ),
                ),
              },
            }),
      });
    }
    case 'postmark': {
      const webhook: PostmarkWebhookOptions = {};
      if (receiving) {
        const user = env['POSTMARK_WEBHOOK_USERNAME'];
        const password = env['POSTMARK_WEBHOOK_PASSWORD'];
        const secret = env['POSTMARK_WEBHOOK_SECRET'];
        if (user && password) webhook.basicAuth = { username: user, password };
        if (secret)
          webhook.secretHeader = {
            value: secret,
            ...(env['POSTMARK_WEBHOOK_SECRET_HEADER']
              ? { name: env['POSTMARK_WEBHOOK_SECRET_HEADER'] }
              : {}),
          };
        if (!webhook.basicAuth && !webhook.secretHeader) {
          throw new UsageError(
            'postmark webhooks need POSTMARK_WEBHOOK_SECRET (a custom header on the webhook) or POSTMARK_WEBHOOK_USERNAME and POSTMARK_WEBHOOK_PASSWORD (the credentials in its URL)',
          );
        }
      }
      return postmark({
        serverToken: sending
          ? need(env, 'POSTMARK_SERVER_TOKEN', name, 'the server API token')
          : (env['POSTMARK_SERVER_TOKEN'] ?? unused),
        ...(env['POSTMARK_BASE_URL'] ? { baseUrl: env['POSTMARK_BASE_URL'] } : {}),
        ...(receiving ? { webhook } : {}),
      });
    }
    case 'mailgun': {
      const region = env['MAILGUN_REGION'];
      if (region !== undefined && region !== 'us' && region !== 'eu')
        throw new UsageError(`MAILGUN_REGION must be us or eu, not '${region}'`);
      return mailgun({
        apiKey: sending
          ? need(env, 'MAILGUN_API_KEY', name, 'an API key or domain sending key')
          : (env['MAILGUN_API_KEY'] ?? unused),
        domain: sending
          ? need(env, 'MAILGUN_DOMAIN', name, 'the sending domain, e.g. mg.example.com')
          : (env['MAILGUN_DOMAIN'] ?? 'relaykit-events.invalid'),
        ...(env['MAILGUN_URL'] ? { baseUrl: env['MAILGUN_URL'] } : region ? { region } : {}),
        ...(!receiving
          ? { webhook: false }
          : {
              webhook: {
                signingKey: need(
                  env,
                  'MAILGUN_WEBHOOK_SIGNING_KEY',
                  name,
                  'the HTTP webhook signing key, not the API key',
                ),
              },
            }),
      });
    }
    case 'resend':
      return resend({
        apiKey: sending
          ? need(env, 'RESEND_API_KEY', name, 'an API key, re_...')
          : (env['RESEND_API_KEY'] ?? unused),
        ...(env['RESEND_BASE_URL'] ? { baseUrl: env['RESEND_BASE_URL'] } : {}),
        ...(!receiving
          ? { webhook: false }
          : {
              webhook: {
                secret: need(
                  env,
                  'RESEND_WEBHOOK_SECRET',
                  name,
                  'the whsec_... signing secret of the webhook endpoint',
                ),
              },
            }),
      });
  }
}
