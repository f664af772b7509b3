import { sign } from 'node:crypto';
import type { SigningIdentity } from '../crypto/certificate.ts';

export interface SnsSettings {
  readonly region: string;
  readonly accountId: string;
  readonly topicArn: string;
  readonly subscriptionArn: string;
  readonly signatureVersion: '1' | '2';
  readonly identity: SigningIdentity;
}

const NOTIFICATION_KEYS = [
  'Message',
  'MessageId',
  'Subject',
  'Timestamp',
  'TopicArn',
  'Type',
] as const;
const CONFIRMATION_KEYS = [
  'Message',
  'MessageId',
  'SubscribeURL',
  'Timestamp',
  'Token',
  'TopicArn',
  'Type',
] as const;

/** The SNS canonical string: `key\nvalue\n` for each present key, in byte order. */
function stringToSign(fields: Readonly<Record<string, string | undefined>>): string {
  const keys = fields['Type'] === 'Notification' ? NOTIFICATION_KEYS : CONFIRMATION_KEYS;
  let out = '';
  for (const k of keys) {
    const v = fields[k];
    if (v !== undefined) out += `${k}\n${v}\n`;
  }
  return out;
}

export const signingCertUrl = (s: SnsSettings): string =>
  `https://sns.${s.region}.amazonaws.com/SimpleNotificationService-${s.identity.fingerprint}.pem`;

function signFields(s: SnsSettings, fields: Record<string, string | undefined>): string {
  const algorithm = s.signatureVersion === '1' ? 'sha1' : 'sha256';
  return sign(algorithm, Buffer.from(stringToSign(fields), 'utf8'), s.identity.privateKey).toString(
    'base64',
  );
}

export interface SnsPost {
  readonly envelope: Record<string, string>;
  readonly body: string;
  readonly headers: Record<string, string>;
}

/** A signed Notification, fields in the order SNS writes them. */
export function snsNotification(
  s: SnsSettings,
  messageId: string,
  subject: string,
  message: string,
  timestamp: string,
): SnsPost {
  const unsigned = {
    Type: 'Notification',
    MessageId: messageId,
    TopicArn: s.topicArn,
    Subject: subject,
    Message: message,
    Timestamp: timestamp,
  };
  const envelope = {
    ...unsigned,
    SignatureVersion: s.signatureVersion,
    Signature: signFields(s, unsigned),
    SigningCertURL: signingCertUrl(s),
    UnsubscribeURL: `https://sns.${s.region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${s.subscriptionArn}`,
  };
  return {
    envelope,
    body: JSON.stringify(envelope),
    headers: {
      'content-type': 'text/plain; charset=UTF-8',
      'user-agent': 'Amazon Simple Notification Service Agent',
      'x-amz-sns-message-type': 'Notification',
      'x-amz-sns-message-id': messageId,
      'x-amz-sns-topic-arn': s.topicArn,
      'x-amz-sns-subscription-arn': s.subscriptionArn,
    },
  };
}

/** A signed SubscriptionConfirmation; SubscribeURL points at the real SNS host, as the verifier's SSRF check expects. */
export function snsSubscriptionConfirmation(
  s: SnsSettings,
  messageId: string,
  token: string,
  timestamp: string,
): SnsPost {
  const unsigned = {
    Type: 'SubscriptionConfirmation',
    MessageId: messageId,
    Token: token,
    TopicArn: s.topicArn,
    Message: `You have chosen to subscribe to the topic ${s.topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
    SubscribeURL: `https://sns.${s.region}.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${s.topicArn}&Token=${token}`,
    Timestamp: timestamp,
  };
  const envelope = {
    ...unsigned,
    SignatureVersion: s.signatureVersion,
    Signature: signFields(s, unsigned),
    SigningCertURL: signingCertUrl(s),
  };
  return {
    envelope,
    body: JSON.stringify(envelope),
    headers: {
      'content-type': 'text/plain; charset=UTF-8',
      'user-agent': 'Amazon Simple Notification Service Agent',
      'x-amz-sns-message-type': 'SubscriptionConfirmation',
      'x-amz-sns-message-id': messageId,
      'x-amz-sns-topic-arn': s.topicArn,
    },
  };
}
