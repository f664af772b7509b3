import { X509Certificate, verify as verifySignature, type KeyObject } from 'node:crypto';
import { RelayError } from '@relaykit/core';

/**
 * SNS over HTTPS: the envelope (https://docs.aws.amazon.com/sns/latest/dg/http-notification-json.html),
 * and its signature check (https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html;
 * the AWS validators aws-php-sns-message-validator and aws-js-sns-message-validator do the same).
 */

export type SnsType = 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';

export interface SnsEnvelope {
  Type: SnsType;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
  Subject?: string;
  SubscribeURL?: string;
  Token?: string;
  UnsubscribeURL?: string;
}

const types = new Set<string>([
  'Notification',
  'SubscriptionConfirmation',
  'UnsubscribeConfirmation',
]);

/** The fields each message type signs, in the order they are signed (byte order of the names). */
const signedFields: Record<SnsType, readonly (keyof SnsEnvelope)[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: [
    'Message',
    'MessageId',
    'SubscribeURL',
    'Timestamp',
    'Token',
    'TopicArn',
    'Type',
  ],
  UnsubscribeConfirmation: [
    'Message',
    'MessageId',
    'SubscribeURL',
    'Timestamp',
    'Token',
    'TopicArn',
    'Type',
  ],
};

const algorithms: Record<string, string> = { '1': 'RSA-SHA1', '2': 'RSA-SHA256' };

/** The SNS host pattern of the AWS validators: every commercial, GovCloud and China region. */
export const snsHostPattern = /^sns\.[a-z0-9-]{3,}\.amazonaws\.com(\.cn)?$/u;

const invalid = (message: string) =>
  new RelayError({ kind: 'invalid', provider: 'ses', message: `SNS webhook: ${message}` });
const refused = (message: string) =>
  new RelayError({ kind: 'auth', provider: 'ses', message: `SNS webhook refused: ${message}` });

/** Reads the SNS envelope from a raw body; a body that is not one is 'invalid'. */
export function parseEnvelope(body: string): SnsEnvelope {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw invalid(
      'the body is not JSON (is raw message delivery on? turn it off: relaykit needs the signed envelope)',
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid('the body is not a JSON object');
  const v = value as Record<string, unknown>;
  // Lambda-delivered events spell it SigningCertUrl.
  const certUrl = v['SigningCertURL'] ?? v['SigningCertUrl'];
  const required = [
    'Type',
    'MessageId',
    'TopicArn',
    'Message',
    'Timestamp',
    'SignatureVersion',
    'Signature',
  ] as const;
  for (const key of required) {
    if (typeof v[key] !== 'string') throw invalid(`${key} is missing or not a string`);
  }
  if (typeof certUrl !== 'string') throw invalid('SigningCertURL is missing or not a string');
  if (!types.has(v['Type'] as string))
    throw invalid(`unknown message Type '${String(v['Type']).slice(0, 40)}'`);
  const envelope = { ...(v as unknown as SnsEnvelope), SigningCertURL: certUrl };
  for (const key of ['Subject', 'SubscribeURL', 'Token', 'UnsubscribeURL'] as const) {
    if (v[key] !== undefined && v[key] !== null && typeof v[key] !== 'string')
      throw invalid(`${key} is not a string`);
    if (v[key] === null) delete envelope[key];
  }
  return envelope;
}

/** The canonical string SNS signs: `Name\nvalue\n` for each signed field present, in order. */
export function stringToSign(envelope: SnsEnvelope): string {
  return signedFields[envelope.Type]
    .filter((key) => typeof envelope[key] === 'string')
    .map((key) => `${key}\n${envelope[key] as string}\n`)
    .join('');
}

/** The region and partition suffix of a topic ARN, e.g. arn:aws-cn:sns:cn-north-1:… → cn-north-1, '.cn'. */
export function topicRegion(topicArn: string): { region: string; suffix: string } | undefined {
  const match = /^arn:(aws[a-z-]*):sns:([a-z0-9-]+):\d{12}:[^:]+$/u.exec(topicArn);
  if (!match) return undefined;
  return { region: match[2] as string, suffix: match[1] === 'aws-cn' ? '.cn' : '' };
}

/**
 * Checks a SigningCertURL or SubscribeURL before anything fetches it: https, port 443, no
 * credentials, host sns.<region>.amazonaws.com(.cn) of the topic's own region and partition, and
 * (for certificates) a .pem path. Look-alikes (amazonaws.com.evil.com, S3-hosted files) fail.
 */
export function checkSnsUrl(url: string, topicArn: string, what: 'certificate' | 'subscribe'): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refused(`${what} URL is not a URL`);
  }
  const label = what === 'certificate' ? 'SigningCertURL' : 'SubscribeURL';
  if (parsed.protocol !== 'https:') throw refused(`${label} is not https`);
  if (
    parsed.username !== '' ||
    parsed.password !== '' ||
    (parsed.port !== '' && parsed.port !== '443')
  ) {
    throw refused(`${label} carries credentials or a port`);
  }
  if (!snsHostPattern.test(parsed.hostname))
    throw refused(
      `${label} host ${parsed.hostname} is not an SNS host (sns.<region>.amazonaws.com)`,
    );
  const region = topicRegion(topicArn);
  if (!region || parsed.hostname !== `sns.${region.region}.amazonaws.com${region.suffix}`) {
    throw refused(`${label} host ${parsed.hostname} is not the SNS host of the topic's region`);
  }
  if (what === 'certificate' && !parsed.pathname.endsWith('.pem'))
    throw refused('SigningCertURL does not name a .pem file');
  return parsed;
}

/** Fetches a certificate over HTTPS with node's fetch: no redirects, 5 s, 64 KiB at most. */
export async function fetchCertificateOverHttps(url: string): Promise<string> {
  const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const text = await response.text();
  if (text.length > 65_536) throw new Error('certificate too large');
  return text;
}

export interface SnsVerifierOptions {
  topicArns: readonly string[];
  fetchCertificate?: (url: string) => Promise<string>;
  /** 0 turns the age check off. */
  maxAgeMs: number;
  /** Certificates kept in memory, by URL. @default 32 */
  cacheSize?: number;
}

export interface SnsVerifier {
  /** Throws a RelayError of kind 'auth' unless the envelope is signed by SNS for an allowed topic. */
  verify(envelope: SnsEnvelope, now: number): Promise<void>;
}

/** Allowed clock skew for Timestamps in the future. */
const futureSkewMs = 5 * 60_000;

export function createSnsVerifier(options: SnsVerifierOptions): SnsVerifier {
  const allowed = new Set(options.topicArns);
  const fetchCertificate = options.fetchCertificate ?? fetchCertificateOverHttps;
  const cacheSize = options.cacheSize ?? 32;
  const cache = new Map<string, Promise<{ key: KeyObject; notAfter: number; notBefore: number }>>();
  // Topic and SigningCertURL pairs that passed checkSnsUrl (a pure check of the two strings).
  const checkedUrls = new Set<string>();

  const certificate = (url: string) => {
    let entry = cache.get(url);
    if (!entry) {
      entry = (async () => {
        let pem: string;
        try {
          pem = await fetchCertificate(url);
        } catch (error) {
          throw new RelayError({
            kind: 'auth',
            provider: 'ses',
            message: 'SNS webhook refused: the signing certificate could not be fetched',
            cause: error,
          });
        }
        let cert: X509Certificate;
        try {
          cert = new X509Certificate(pem);
        } catch (error) {
          throw new RelayError({
            kind: 'auth',
            provider: 'ses',
            message: 'SNS webhook refused: the signing certificate is not a PEM certificate',
            cause: error,
          });
        }
        return {
          key: cert.publicKey,
          notBefore: Date.parse(cert.validFrom),
          notAfter: Date.parse(cert.validTo),
        };
      })();
      cache.set(url, entry);
      if (cache.size > cacheSize) cache.delete(cache.keys().next().value as string);
      // A failed fetch is not cached: the next notification tries again.
      entry.catch(() => cache.delete(url));
    }
    return entry;
  };

  return {
    async verify(envelope, now) {
      const algorithm = algorithms[envelope.SignatureVersion];
      if (algorithm === undefined)
        throw refused(
          `unsupported SignatureVersion '${envelope.SignatureVersion.slice(0, 10)}' (1 and 2 are supported)`,
        );
      // The topic before the certificate: nothing is fetched for a foreign topic.
      if (!allowed.has(envelope.TopicArn))
        throw refused(`topic ${envelope.TopicArn.slice(0, 256)} is not in webhook.topicArns`);
      // Checked once per URL and topic: SNS signs with the same certificate for weeks.
      const pair = `${envelope.TopicArn}\n${envelope.SigningCertURL}`;
      if (!checkedUrls.has(pair)) {
        checkSnsUrl(envelope.SigningCertURL, envelope.TopicArn, 'certificate');
        if (checkedUrls.size >= cacheSize) checkedUrls.clear();
        checkedUrls.add(pair);
      }
      const { key, notBefore, notAfter } = await certificate(envelope.SigningCertURL);
      if (!(now >= notBefore && now <= notAfter))
        throw refused('the signing certificate is expired or not yet valid');
      const signature = Buffer.from(envelope.Signature, 'base64');
      let ok = false;
      try {
        ok = verifySignature(
          algorithm,
          Buffer.from(stringToSign(envelope), 'utf8'),
          key,
          signature,
        );
      } catch {
        ok = false;
      }
      if (!ok) throw refused('the signature does not match');
      if (options.maxAgeMs > 0) {
        const at = Date.parse(envelope.Timestamp);
        if (Number.isNaN(at)) throw refused('Timestamp is not a date');
        if (now - at > options.maxAgeMs)
          throw refused(
            `the notification is older than ${options.maxAgeMs} ms (replay guard, webhook.maxAgeMs)`,
          );
        if (at - now > futureSkewMs) throw refused('the notification Timestamp is in the future');
      }
    },
  };
}
