import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { SnsEnvelope } from './sns.ts';
import { stringToSign } from './sns.ts';

/** Test support: a self-signed certificate (DER written by hand) and an SNS signer. Not exported by the package. */

const der = (tag: number, body: Buffer): Buffer => {
  const len = body.length;
  const head =
    len < 0x80
      ? Buffer.from([tag, len])
      : len < 0x100
        ? Buffer.from([tag, 0x81, len])
        : Buffer.from([tag, 0x82, len >> 8, len & 0xff]);
  return Buffer.concat([head, body]);
};
const seq = (...parts: Buffer[]) => der(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => der(0x31, Buffer.concat(parts));
const int = (bytes: Buffer) =>
  der(
    0x02,
    bytes[0] !== undefined && bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes,
  );
const oid = (text: string) => {
  const [a = 0, b = 0, ...rest] = text.split('.').map(Number);
  const out = [a * 40 + b];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = n >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return der(0x06, Buffer.from(out));
};
const utf8 = (s: string) => der(0x0c, Buffer.from(s, 'utf8'));
const gtime = (d: Date) =>
  der(0x18, Buffer.from(`${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`));

export interface TestIdentity {
  privateKey: KeyObject;
  certificatePem: string;
}

/** An RSA-2048 key and a self-signed certificate valid from `notBefore` to `notAfter`. */
export function testIdentity(
  notBefore = new Date(Date.now() - 86_400_000),
  notAfter = new Date(Date.now() + 365 * 86_400_000),
): TestIdentity {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const algorithm = seq(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));
  const name = seq(set(seq(oid('2.5.4.3'), utf8('sns.amazonaws.com'))));
  const tbs = seq(
    der(0xa0, int(Buffer.from([2]))),
    int(Buffer.from([1, 2, 3, 4])),
    algorithm,
    name,
    seq(gtime(notBefore), gtime(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, privateKey);
  const cert = seq(tbs, algorithm, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const body = cert
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return {
    privateKey,
    certificatePem: `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`,
  };
}

export const testTopic = 'arn:aws:sns:us-east-1:123456789012:relaykit-ses-events';
export const testCertUrl =
  'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem';

type Unsigned = Omit<SnsEnvelope, 'Signature' | 'SignatureVersion' | 'SigningCertURL'> &
  Partial<Pick<SnsEnvelope, 'SigningCertURL'>>;

/** Signs an envelope the way SNS does (version 1: SHA1withRSA, 2: SHA256withRSA). */
export function signEnvelope(
  identity: TestIdentity,
  fields: Unsigned,
  version: '1' | '2' = '2',
): SnsEnvelope {
  const envelope = {
    SigningCertURL: testCertUrl,
    ...fields,
    SignatureVersion: version,
    Signature: '',
  } as SnsEnvelope;
  envelope.Signature = sign(
    version === '1' ? 'sha1' : 'sha256',
    Buffer.from(stringToSign(envelope), 'utf8'),
    identity.privateKey,
  ).toString('base64');
  return envelope;
}

/** An SNS Notification carrying an SES event. */
export function notification(
  identity: TestIdentity,
  event: unknown,
  overrides: Partial<Unsigned> = {},
  version: '1' | '2' = '2',
): SnsEnvelope {
  return signEnvelope(
    identity,
    {
      Type: 'Notification',
      MessageId: overrides.MessageId ?? `sns-${Math.random().toString(16).slice(2)}`,
      TopicArn: testTopic,
      Subject: 'Amazon SES Email Event Notification',
      Message: typeof event === 'string' ? event : JSON.stringify(event),
      Timestamp: new Date().toISOString(),
      ...overrides,
    },
    version,
  );
}
