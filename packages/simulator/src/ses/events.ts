import { domainOf } from '../address.ts';
import { smtpLine, type OutcomeStep } from '../behaviour.ts';
import type { EventBuilder } from '../context.ts';
import type { Prng } from '../prng.ts';
import type { SimMessage } from '../types.ts';
import type { OutgoingWebhook } from '../webhooks/dispatcher.ts';
import { snsNotification, type SnsPost, type SnsSettings } from './sns.ts';

export interface SesEventDeps {
  readonly prng: Prng;
  readonly now: () => number;
  readonly sns: () => SnsSettings;
}

const REPORTING_MTA = 'a8-1.smtp-out.amazonses.com';

/** The `mail` object: the accepted message as SES describes it, with EmailTags under `tags`. */
function mailObject(m: SimMessage, sns: SnsSettings, operation: string): Record<string, unknown> {
  const tags: Record<string, string[]> = {
    'ses:operation': [operation],
    'ses:source-ip': ['127.0.0.1'],
    'ses:from-domain': [domainOf(m.from.replace(/^.*<|>.*$/g, ''))],
    'ses:caller-identity': ['relaykit-simulator'],
  };
  if (m.stream) tags['ses:configuration-set'] = [m.stream];
  for (const [name, value] of Object.entries(m.tags)) tags[name] = [value];
  const headers = [
    { name: 'From', value: m.from },
    ...(m.to.length ? [{ name: 'To', value: m.to.join(', ') }] : []),
    { name: 'Subject', value: m.subject },
    ...Object.entries(m.headers).map(([name, value]) => ({ name, value })),
  ];
  return {
    timestamp: new Date(m.acceptedAt).toISOString(),
    source: m.from,
    sourceArn: `arn:aws:ses:${sns.region}:${sns.accountId}:identity/${domainOf(m.from.replace(/^.*<|>.*$/g, ''))}`,
    sendingAccountId: sns.accountId,
    messageId: m.id,
    destination: [...m.to, ...m.cc, ...m.bcc],
    headersTruncated: false,
    headers,
    commonHeaders: {
      from: [m.from],
      ...(m.to.length ? { to: [...m.to] } : {}),
      messageId: m.id,
      subject: m.subject,
    },
    tags,
  };
}

function detail(
  step: OutcomeStep,
  recipient: string,
  at: string,
  deps: SesEventDeps,
): [string, string, Record<string, unknown>] {
  const feedbackId = `${deps.prng.hex(16)}-${deps.prng.uuid()}-000000`;
  switch (step.kind) {
    case 'sent':
      return ['Send', 'send', {}];
    case 'delivered':
      return [
        'Delivery',
        'delivery',
        {
          timestamp: at,
          processingTimeMillis: step.atMs,
          recipients: [recipient],
          smtpResponse: smtpLine(step.smtp),
          reportingMTA: REPORTING_MTA,
        },
      ];
    case 'deferred':
      return [
        'DeliveryDelay',
        'deliveryDelay',
        {
          timestamp: at,
          delayType: step.cause === 'mailbox-full' ? 'MailboxFull' : 'RecipientServerError',
          expirationTime: new Date(Date.parse(at) + 14 * 3600_000).toISOString(),
          delayedRecipients: [
            {
              emailAddress: recipient,
              status: step.smtp.enhanced,
              diagnosticCode: `smtp; ${smtpLine(step.smtp)}`,
            },
          ],
          reportingMTA: REPORTING_MTA,
        },
      ];
    case 'bounced': {
      const [bounceType, bounceSubType] =
        step.bounceClass === 'hard'
          ? ['Permanent', 'General']
          : step.bounceClass === 'block'
            ? ['Transient', 'ContentRejected']
            : ['Transient', step.smtp.enhanced === '4.2.2' ? 'MailboxFull' : 'General'];
      return [
        'Bounce',
        'bounce',
        {
          bounceType,
          bounceSubType,
          bouncedRecipients: [
            {
              emailAddress: recipient,
              action: 'failed',
              status: step.smtp.enhanced,
              diagnosticCode: `smtp; ${smtpLine(step.smtp)}`,
            },
          ],
          timestamp: at,
          feedbackId,
          reportingMTA: `dsn; ${REPORTING_MTA}`,
        },
      ];
    }
    case 'suppressed':
      return [
        'Bounce',
        'bounce',
        {
          bounceType: 'Permanent',
          bounceSubType: 'OnAccountSuppressionList',
          bouncedRecipients: [
            {
              emailAddress: recipient,
              action: 'failed',
              status: '5.1.1',
              diagnosticCode:
                'Amazon SES did not send the message to this address because it is on the suppression list for your account.',
            },
          ],
          timestamp: at,
          feedbackId,
          reportingMTA: `dsn; ${REPORTING_MTA}`,
        },
      ];
    case 'complained':
      return [
        'Complaint',
        'complaint',
        {
          complainedRecipients: [{ emailAddress: recipient }],
          timestamp: at,
          feedbackId,
          userAgent: 'Amazon SES Mailbox Simulator',
          complaintFeedbackType: 'abuse',
          arrivalDate: at,
        },
      ];
  }
}

/** One SNS Notification per step and recipient, signed lazily (RSA is the costly part) and once. */
export function sesEventBuilder(deps: SesEventDeps, operation: string): EventBuilder {
  return (message, recipient, step) => {
    const sns = deps.sns();
    const snsId = deps.prng.uuid();
    const at = new Date(message.acceptedAt + step.atMs).toISOString();
    const [eventType, key, body] = detail(step, recipient, at, deps);
    const inner = { eventType, mail: mailObject(message, sns, operation), [key]: body };
    let post: SnsPost | undefined;
    const webhook: OutgoingWebhook = {
      provider: 'ses',
      id: snsId,
      type: eventType,
      kind: step.kind,
      messageId: message.id,
      recipient,
      payload: inner,
      render() {
        post ??= snsNotification(
          sns,
          snsId,
          'Amazon SES Email Event Notification',
          JSON.stringify(inner),
          at,
        );
        return { body: post.body, headers: post.headers };
      },
    };
    return [webhook];
  };
}
