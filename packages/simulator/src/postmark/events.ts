import { smtpLine, type OutcomeStep } from '../behaviour.ts';
import type { EventBuilder } from '../context.ts';
import type { Prng } from '../prng.ts';
import type { SimMessage } from '../types.ts';
import type { OutgoingWebhook } from '../webhooks/dispatcher.ts';

export interface PostmarkEventDeps {
  readonly prng: Prng;
  readonly serverId: number;
  /** Extra headers on every post (the optional shared-secret header). */
  readonly headers: () => Readonly<Record<string, string>>;
}

const BOUNCE_TYPES = {
  hard: [
    'HardBounce',
    1,
    'Hard bounce',
    'The server was unable to deliver your message (ex: unknown user, mailbox not found).',
    true,
  ],
  soft: ['SoftBounce', 4096, 'Soft bounce', 'Unable to temporarily deliver this email.', false],
  block: ['Blocked', 100006, 'ISP block', 'The ISP has blocked this message.', false],
  transient: [
    'Transient',
    2,
    'Message delayed',
    'The server could not temporarily deliver your message (ex: Message is delayed due to network troubles).',
    false,
  ],
} as const;

function record(
  step: OutcomeStep,
  m: SimMessage,
  recipient: string,
  at: string,
  deps: PostmarkEventDeps,
): Record<string, unknown> | undefined {
  const stream = m.stream ?? 'outbound';
  const tag = m.tags['Tag'];
  const common = {
    MessageID: m.id,
    ServerID: deps.serverId,
    MessageStream: stream,
    ...(tag ? { Tag: tag } : {}),
    Metadata: m.metadata,
  };
  const bounce = (
    kind: keyof typeof BOUNCE_TYPES,
    details: string,
    recordType = 'Bounce',
  ): Record<string, unknown> => {
    const [type, code, name, description, inactive] = BOUNCE_TYPES[kind];
    return {
      RecordType: recordType,
      ID: 4_000_000_000 + deps.prng.int(1_000_000_000),
      Type: type,
      TypeCode: code,
      Name: name,
      ...common,
      Description: description,
      Details: details,
      Email: recipient,
      From: m.from,
      BouncedAt: at,
      DumpAvailable: false,
      Inactive: inactive,
      CanActivate: true,
      Subject: m.subject,
    };
  };
  switch (step.kind) {
    case 'sent':
      return undefined; // Postmark has no accepted webhook.
    case 'delivered':
      return {
        RecordType: 'Delivery',
        ...common,
        Recipient: recipient,
        DeliveredAt: at,
        Details: `smtp;${smtpLine(step.smtp)}`,
      };
    case 'deferred':
      return bounce('transient', `smtp;${smtpLine(step.smtp)}`);
    case 'bounced':
      return bounce(step.bounceClass, `smtp;${smtpLine(step.smtp)}`);
    case 'complained':
      return {
        RecordType: 'SpamComplaint',
        ID: 4_000_000_000 + deps.prng.int(1_000_000_000),
        Type: 'SpamComplaint',
        TypeCode: 512,
        Name: 'Spam complaint',
        ...common,
        Description: 'The subscriber explicitly marked this message as spam.',
        Details: 'Spam complaint',
        Email: recipient,
        From: m.from,
        BouncedAt: at,
        DumpAvailable: false,
        Inactive: true,
        CanActivate: false,
        Subject: m.subject,
      };
    case 'suppressed':
      return undefined; // Refused synchronously with ErrorCode 406 instead.
  }
}

export function postmarkEventBuilder(deps: PostmarkEventDeps): EventBuilder {
  return (message, recipient, step) => {
    const at = new Date(message.acceptedAt + step.atMs).toISOString();
    const payload = record(step, message, recipient, at, deps);
    if (!payload) return [];
    const traceId = deps.prng.uuid();
    let body: string | undefined;
    const webhook: OutgoingWebhook = {
      provider: 'postmark',
      id: traceId,
      type: String(payload['RecordType']),
      kind: step.kind,
      messageId: message.id,
      recipient,
      payload,
      render: (attempt, retriesRemaining) => ({
        body: (body ??= JSON.stringify(payload)),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Postmark',
          'x-pm-webhook-trace-id': traceId,
          ...(attempt > 1 ? { 'x-pm-retries-remaining': String(retriesRemaining) } : {}),
          ...deps.headers(),
        },
      }),
    };
    return [webhook];
  };
}
