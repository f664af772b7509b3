import { createHash, generateKeyPair, sign, type KeyObject } from 'node:crypto';
import {
  bitString,
  explicit,
  integer,
  nullValue,
  oid,
  printable,
  sequence,
  set,
  time,
  utf8,
} from './der.ts';

/** A key pair with a self-signed X.509 certificate, standing in for the SNS signing certificate. */
export interface SigningIdentity {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly certificatePem: string;
  /** Hex fingerprint used in the SigningCertURL file name. */
  readonly fingerprint: string;
}

const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';

function name(commonName: string): Buffer {
  return sequence(
    set(sequence(oid('2.5.4.6'), printable('US'))),
    set(sequence(oid('2.5.4.10'), utf8('Amazon.com, Inc.'))),
    set(sequence(oid('2.5.4.3'), utf8(commonName))),
  );
}

/** Builds the DER by hand: node:crypto makes keys but not certificates, and no dependency is allowed. */
export function selfSignedCertificate(
  privateKey: KeyObject,
  publicKey: KeyObject,
  commonName: string,
  serial: Buffer,
): string {
  const algorithm = sequence(oid(SHA256_WITH_RSA), nullValue());
  const now = Date.now();
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serial),
    algorithm,
    name(commonName),
    sequence(time(new Date(now - 24 * 3600_000)), time(new Date(now + 10 * 365 * 24 * 3600_000))),
    name(commonName),
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = sequence(tbs, algorithm, bitString(signature));
  const body = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

let shared: Promise<SigningIdentity> | undefined;

/**
 * One RSA-2048 identity per process: key generation costs ~100 ms, and suites start many simulators.
 * The key is random (node:crypto cannot seed it); nothing behavioural depends on it.
 */
export function signingIdentity(): Promise<SigningIdentity> {
  shared ??= new Promise<SigningIdentity>((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: 2048 }, (error, publicKey, privateKey) => {
      if (error) {
        reject(error);
        return;
      }
      const serial = createHash('sha256')
        .update(publicKey.export({ type: 'spki', format: 'der' }))
        .digest()
        .subarray(0, 16);
      const certificatePem = selfSignedCertificate(
        privateKey,
        publicKey,
        'sns.amazonaws.com',
        serial,
      );
      const fingerprint = createHash('sha256').update(certificatePem).digest('hex').slice(0, 32);
      resolve({ privateKey, publicKey, certificatePem, fingerprint });
    });
  });
  return shared;
}
