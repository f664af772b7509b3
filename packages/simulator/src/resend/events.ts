import { createHmac } from 'node:crypto';
import { bareAddress } from '../address.ts';
import type { OutcomeStep } from '../behaviour.ts';
import type { EventBuilder } from '../context.ts';
import type { Prng } from '../prng.ts';
import type { SimMessage } from '../types.ts';
import type { OutgoingWebhook } from '../webhooks/dispatcher.ts';

export interface ResendEventDeps {
  readonly prng: Prng;
  /** The whsec_ signing secret. */
  readonly secret: () => string;
}

/** Svix: base64 HMAC-SHA256 of `${id}.${timestamp}.${body}`, keyed by the base64 part of whsec_…. */
export function svixSignature(secret: string, id: string, timestamp: string, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

function typed(step: OutcomeStep, recipient: string): [string, Record<string, unknown>] {
  switch (step.kind) {
    case 'sent':
      return ['email.sent', {}];
    case 'delivered':
      return ['email.delivered', {}];
    case 'deferred':
      return ['email.delivery_delayed', {}];
    case 'complained':
      return ['email.complained', {}];
    case 'bounced': {
      const hard = step.bounceClass === 'hard';
      return [
        'email.bounced',
        {
          bounce: {
            // Like a real DSN, the reply names the refused mailbox: data.to lists every To
            // address of the message, so this is what says which one bounced.
            diagnosticCode: [
              `smtp; ${step.smtp.code} ${step.smtp.enhanced} <${recipient}>: ${step.smtp.text}`,
            ],
            message: hard
              ? "The recipient's email address doesn't exist. We recommend removing the recipient's email address from your mailing list."
              : "The recipient's email provider couldn't deliver the message. You may be able to send to this recipient in the future.",
            subType: hard
              ? 'General'
              : step.bounceClass === 'block'
                ? 'ContentRejected'
                : 'MailboxFull',
            type: hard ? 'Permanent' : 'Transient',
          },
        },
      ];
    }
    case 'suppressed':
      return [
        'email.suppressed',
        {
          suppressed: {
            message:
              'Resend has suppressed sending to this address because it is on the account-level suppression list.',
            type: 'OnAccountSuppressionList',
            reason: 'previous_bounce',
            diagnosticCode: [],
          },
        },
      ];
  }
}

/** One event per step and recipient; each attempt is signed afresh (new svix-timestamp, same svix-id). */
export function resendEventBuilder(deps: ResendEventDeps): EventBuilder {
  return (message: SimMessage, recipient, step) => {
    const [type, extra] = typed(step, recipient);
    const payload = {
      type,
      created_at: new Date(message.acceptedAt + step.atMs).toISOString(),
      data: {
        created_at: new Date(message.acceptedAt).toISOString(),
        email_id: message.id,
        from: message.from,
        // Resend's events carry the message's To list, whichever recipient they concern.
        to: message.to.map(bareAddress),
        subject: message.subject,
        ...(Object.keys(message.tags).length ? { tags: message.tags } : {}),
        ...(Object.keys(message.headers).length
          ? { headers: Object.entries(message.headers).map(([name, value]) => ({ name, value })) }
          : {}),
        ...extra,
      },
    };
    let body: string | undefined;
    const svixId = `msg_${deps.prng.base62(27)}`;
    const webhook: OutgoingWebhook = {
      provider: 'resend',
      id: svixId,
      type,
      kind: step.kind,
      messageId: message.id,
      recipient,
      payload,
      render() {
        body ??= JSON.stringify(payload);
        const timestamp = String(Math.floor(Date.now() / 1000));
        return {
          body,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Svix-Webhooks/1.0',
            'svix-id': svixId,
            'svix-timestamp': timestamp,
            'svix-signature': svixSignature(deps.secret(), svixId, timestamp, body),
          },
        };
      },
    };
    return [webhook];
  };
}
