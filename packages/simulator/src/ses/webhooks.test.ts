import { createVerify, X509Certificate } from 'node:crypto';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startSimulator,
  startWebhookReceiver,
  type Simulator,
  type WebhookReceiver,
} from '../index.ts';

/*
 * An SNS verifier written from the AWS docs ("Verifying the signatures of Amazon SNS messages",
 * https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html), independent of the simulator's signing code.
 */
const CERT_HOST = /^sns\.[a-zA-Z0-9-]{3,}\.amazonaws\.com(\.cn)?$/;
const NOTIFICATION = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'];
const CONFIRMATION = [
  'Message',
  'MessageId',
  'SubscribeURL',
  'Timestamp',
  'Token',
  'TopicArn',
  'Type',
];

function verifySns(body: string, fetchCertificate: (url: string) => string): boolean {
  const m = JSON.parse(body) as Record<string, string>;
  const algorithm =
    m['SignatureVersion'] === '1'
      ? 'RSA-SHA1'
      : m['SignatureVersion'] === '2'
        ? 'RSA-SHA256'
        : undefined;
  if (!algorithm) return false;
  const certUrl = new URL(m['SigningCertURL'] ?? '');
  if (
    certUrl.protocol !== 'https:' ||
    !CERT_HOST.test(certUrl.hostname) ||
    !certUrl.pathname.endsWith('.pem')
  )
    return false;
  const keys = m['Type'] === 'Notification' ? NOTIFICATION : CONFIRMATION;
  const canonical = keys
    .filter((k) => typeof m[k] === 'string')
    .map((k) => `${k}\n${m[k]}\n`)
    .join('');
  const pem = fetchCertificate(certUrl.toString());
  return createVerify(algorithm)
    .update(canonical, 'utf8')
    .verify(new X509Certificate(pem).publicKey, m['Signature'] ?? '', 'base64');
}

async function scenario(
  version: '1' | '2',
): Promise<{ sim: Simulator; receiver: WebhookReceiver; ses: SESv2Client }> {
  const receiver = await startWebhookReceiver();
  const sim = await startSimulator({
    seed: `sns-${version}`,
    webhooks: { urls: { ses: `${receiver.url}/sns` }, snsSignatureVersion: version },
  });
  return { sim, receiver, ses: new SESv2Client({ ...sim.ses.clientConfig, maxAttempts: 1 }) };
}

describe.each(['1', '2'] as const)('SES events over SNS, SignatureVersion %s', (version) => {
  let s: Awaited<ReturnType<typeof scenario>>;
  beforeAll(async () => {
    s = await scenario(version);
  });
  afterAll(async () => {
    s.ses.destroy();
    await s.sim.stop();
    await s.receiver.stop();
  });

  it('posts signed notifications that verify and carry mail.messageId and mail.tags', async () => {
    const { sim, receiver, ses } = s;
    const trusted = (url: string): string => {
      expect(url).toBe(sim.ses.signingCertUrl);
      return sim.ses.certificatePem;
    };
    expect(sim.ses.signingCertUrl).toMatch(
      /^https:\/\/sns\.us-east-1\.amazonaws\.com\/SimpleNotificationService-[0-9a-f]{32}\.pem$/,
    );
    const out = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'sender@example.com',
        Destination: {
          ToAddresses: [
            'success@simulator.amazonses.com',
            'bounce@simulator.amazonses.com',
            'complaint@simulator.amazonses.com',
          ],
        },
        Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'x' } } } },
        EmailTags: [{ Name: 'relay_id', Value: 'rk_42' }],
        ConfigurationSetName: 'relay-events',
      }),
    );
    // success → Delivery; bounce → Bounce; complaint → Delivery then Complaint.
    const received = await receiver.waitFor(4);
    const types: string[] = [];
    for (const r of received) {
      expect(r.headers['content-type']).toBe('text/plain; charset=UTF-8');
      expect(r.headers['x-amz-sns-message-type']).toBe('Notification');
      expect(verifySns(r.body, trusted)).toBe(true);
      const envelope = JSON.parse(r.body) as {
        Message: string;
        Subject: string;
        SignatureVersion: string;
        TopicArn: string;
      };
      expect(envelope.SignatureVersion).toBe(version);
      expect(envelope.TopicArn).toBe(sim.ses.topicArn);
      const inner = JSON.parse(envelope.Message) as {
        eventType: string;
        mail: { messageId: string; tags: Record<string, string[]> };
        bounce?: { bounceType: string; bouncedRecipients: { status: string }[] };
      };
      expect(inner.mail.messageId).toBe(out.MessageId);
      expect(inner.mail.tags['relay_id']).toEqual(['rk_42']);
      expect(inner.mail.tags['ses:configuration-set']).toEqual(['relay-events']);
      if (inner.bounce)
        expect(inner.bounce).toMatchObject({
          bounceType: 'Permanent',
          bouncedRecipients: [{ status: '5.1.1' }],
        });
      types.push(inner.eventType);
    }
    expect(types.sort()).toEqual(['Bounce', 'Complaint', 'Delivery', 'Delivery']);
  });

  it('fails verification when one byte changes', () => {
    const body = s.receiver.received[0]?.body ?? '';
    const trusted = (): string => s.sim.ses.certificatePem;
    expect(verifySns(body, trusted)).toBe(true);
    const envelope = JSON.parse(body) as Record<string, string>;
    const message = envelope['Message'] ?? '';
    const i = message.indexOf('simulator');
    const tampered = {
      ...envelope,
      Message: `${message.slice(0, i)}Simulator${message.slice(i + 9)}`,
    };
    expect(verifySns(JSON.stringify(tampered), trusted)).toBe(false);
    expect(
      verifySns(JSON.stringify({ ...envelope, Subject: `${envelope['Subject']}.` }), trusted),
    ).toBe(false);
    // UnsubscribeURL is not signed, as in SNS.
    expect(
      verifySns(JSON.stringify({ ...envelope, UnsubscribeURL: 'https://example.com' }), trusted),
    ).toBe(true);
  });

  it('posts a signed SubscriptionConfirmation', async () => {
    s.receiver.clear();
    s.sim.ses.sendSubscriptionConfirmation();
    const [r] = await s.receiver.waitFor(1);
    expect(r?.headers['x-amz-sns-message-type']).toBe('SubscriptionConfirmation');
    expect(verifySns(r?.body ?? '', () => s.sim.ses.certificatePem)).toBe(true);
    const m = JSON.parse(r?.body ?? '{}') as { SubscribeURL: string; Token: string };
    expect(new URL(m.SubscribeURL).hostname).toBe('sns.us-east-1.amazonaws.com');
    expect(
      verifySns(JSON.stringify({ ...m, Token: `${m.Token}0` }), () => s.sim.ses.certificatePem),
    ).toBe(false);
  });
});

describe('SES mailbox simulator addresses', () => {
  it('suppressionlist@ → Bounce Permanent/OnAccountSuppressionList; ooto@ → Delivery', async () => {
    const sim = await startSimulator({ seed: 'sns-mailbox' });
    const ses = new SESv2Client({ ...sim.ses.clientConfig, maxAttempts: 1 });
    try {
      await ses.send(
        new SendEmailCommand({
          FromEmailAddress: 'sender@example.com',
          Destination: {
            ToAddresses: [
              'suppressionlist@simulator.amazonses.com',
              'ooto+label@simulator.amazonses.com',
            ],
          },
          Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'x' } } } },
        }),
      );
      const events = await sim.waitForEvents(2);
      expect(events.map((e) => [e.recipient, e.type, e.state])).toEqual([
        ['suppressionlist@simulator.amazonses.com', 'Bounce', 'unsent'],
        ['ooto+label@simulator.amazonses.com', 'Delivery', 'unsent'],
      ]);
      expect(events[0]?.payload).toMatchObject({
        bounce: { bounceType: 'Permanent', bounceSubType: 'OnAccountSuppressionList' },
      });
    } finally {
      ses.destroy();
      await sim.stop();
    }
  });
});
