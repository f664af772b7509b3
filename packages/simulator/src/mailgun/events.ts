import { createHmac } from 'node:crypto';
import { domainOf } from '../address.ts';
import type { OutcomeStep } from '../behaviour.ts';
import type { EventBuilder } from '../context.ts';
import type { Prng } from '../prng.ts';
import type { SimMessage } from '../types.ts';
import type { OutgoingWebhook } from '../webhooks/dispatcher.ts';

export interface MailgunEventDeps {
  readonly prng: Prng;
  readonly signingKey: () => string;
}

type Fields = Record<string, unknown>;

function eventFields(step: OutcomeStep, recipient: string): Fields | undefined {
  const smtpStatus = (
    s: { code: number; enhanced: string; text: string },
    extra: Fields = {},
  ): Fields => ({
    tls: true,
    'mx-host': `mx.${domainOf(recipient)}`,
    code: s.code,
    'enhanced-code': s.enhanced,
    description: '',
    message: `${s.enhanced} ${s.text}`,
    'attempt-no': 1,
    'session-seconds': 0.1,
    utf8: true,
    'certificate-verified': true,
    ...extra,
  });
  switch (step.kind) {
    case 'sent':
      return { event: 'accepted', 'log-level': 'info', method: 'HTTP' };
    case 'delivered':
      return { event: 'delivered', 'log-level': 'info', 'delivery-status': smtpStatus(step.smtp) };
    case 'deferred':
      return {
        event: 'failed',
        'log-level': 'warn',
        severity: 'temporary',
        reason: 'generic',
        'delivery-status': smtpStatus(step.smtp, {
          'attempt-no': step.attempt,
          'retry-seconds': 600,
        }),
      };
    case 'bounced':
      return {
        event: 'failed',
        'log-level': 'error',
        severity: 'permanent',
        // A soft bounce that ran out of retries is reported as "old"; 5xx rejections as "bounce".
        reason:
          step.bounceClass === 'soft' ? 'old' : step.bounceClass === 'block' ? 'generic' : 'bounce',
        'delivery-status': smtpStatus(step.smtp),
      };
    case 'suppressed':
      return {
        event: 'failed',
        'log-level': 'error',
        severity: 'permanent',
        reason: 'suppress-bounce',
        'delivery-status': {
          'attempt-no': 1,
          message: '',
          code: 605,
          description: 'Not delivering to previously bounced address',
          'session-seconds': 0,
        },
      };
    case 'complained':
      return { event: 'complained', 'log-level': 'warn' };
  }
}

/** Per-recipient values of a batch send (`recipient-variables`), keyed by address. */
export type RecipientVariables = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

const substitute = (value: string, own: Readonly<Record<string, unknown>> | undefined): string =>
  value.replace(/%recipient\.([\w-]+)%/gu, (_, key: string) =>
    own?.[key] === undefined ? '' : String(own[key]),
  );

/**
 * Signed once; retries repeat the same signature block (Mailgun does not document re-signing).
 * With `recipientVariables` (a batch send), each recipient gets a copy of its own, as at Mailgun
 * (https://documentation.mailgun.com/docs/mailgun/user-manual/sending-messages/batch-sending): its
 * To header names that recipient alone and `%recipient.<key>%` in user variables resolves to its
 * values. The message's own values are computed once per message, not once per recipient, so a
 * 1,000-recipient batch costs what 1,000 events cost, not 1,000 joins of 1,000 addresses.
 */
export function mailgunEventBuilder(
  deps: MailgunEventDeps,
  domain: string,
  recipientVariables?: RecipientVariables,
): EventBuilder {
  let shared: { message: SimMessage; to: string; bareId: string } | undefined;
  const templated =
    recipientVariables === undefined
      ? undefined
      : (metadata: SimMessage['metadata']) =>
          Object.values(metadata).some((v) => v.includes('%recipient.'));
  return (message: SimMessage, recipient, step) => {
    const fields = eventFields(step, recipient);
    if (!fields) return [];
    const at = (message.acceptedAt + step.atMs) / 1000;
    if (shared?.message !== message)
      shared = {
        message,
        to: recipientVariables === undefined ? message.to.join(', ') : '',
        bareId: message.id.replace(/^<|>$/g, ''),
      };
    const { bareId } = shared;
    const own = recipientVariables?.[recipient];
    const userVariables =
      templated?.(message.metadata) === true
        ? Object.fromEntries(
            Object.entries(message.metadata).map(([k, v]) => [k, substitute(v, own)]),
          )
        : message.metadata;
    const payload = {
      'event-data': {
        ...fields,
        id: deps.prng.base62(22),
        timestamp: at,
        envelope: {
          transport: 'smtp',
          sender: message.from,
          'sending-ip': '127.0.0.1',
          targets: recipient,
        },
        flags: {
          'is-routed': false,
          'is-authenticated': true,
          'is-system-test': false,
          'is-test-mode': false,
        },
        message: {
          headers: {
            to: recipientVariables === undefined ? shared.to : recipient,
            'message-id': bareId,
            from: message.from,
            subject: message.subject,
          },
          attachments: [],
          size: 1024,
        },
        recipient,
        'recipient-domain': domainOf(recipient),
        campaigns: [],
        tags: Object.keys(message.tags),
        'user-variables': userVariables,
        storage: {
          url: `https://storage.mailgun.net/v3/domains/${domain}/messages/${deps.prng.base62(12)}`,
          key: deps.prng.base62(12),
        },
      },
    };
    const token = deps.prng.hex(50);
    let body: string | undefined;
    const webhook: OutgoingWebhook = {
      provider: 'mailgun',
      id: token,
      type: String(fields['event']),
      kind: step.kind,
      messageId: message.id,
      recipient,
      payload,
      render() {
        if (body === undefined) {
          const timestamp = String(Math.floor(Date.now() / 1000));
          const signature = createHmac('sha256', deps.signingKey())
            .update(timestamp + token)
            .digest('hex');
          body = JSON.stringify({ signature: { timestamp, token, signature }, ...payload });
        }
        return {
          body,
          headers: { 'content-type': 'application/json', 'user-agent': 'mailgun/treq-16.12.0' },
        };
      },
    };
    return [webhook];
  };
}
