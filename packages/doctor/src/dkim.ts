import { createHash, createPublicKey } from 'node:crypto';
import { describeMissing, query, txtRecords, type DnsResolver } from './dns.ts';
import type { DkimSetup } from './relays.ts';
import { hintsFor, type Hints } from './hints.ts';
import { fail, pass, unchecked, warn, type Check } from './report.ts';

export interface DkimTarget {
  selector: string;
  domain: string;
  /** Whose key it is, for the texts: 'your key' or a relay's label. */
  owner: string;
  setup: DkimSetup;
  /** Where the record comes from, for the fix text. */
  console: string | undefined;
}

export interface DkimOutcome {
  check: Check;
  /** Fingerprint of the public key when one was found, to spot one key shared by several domains. */
  keyFingerprint: string | undefined;
  /** True when the key can verify signatures (present, not revoked, ≥1024 bits). */
  usable: boolean;
}

/** Tag list of a DKIM key record (RFC 6376 §3.6.1): `k=v; k=v`, whitespace allowed around tags. */
export function parseTags(record: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const part of record.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    tags.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).replace(/\s+/gu, ''));
  }
  return tags;
}

/** Key size in bits, or the reason it cannot be read. RSA keys are SubjectPublicKeyInfo; ed25519 is 32 raw bytes (RFC 8463). */
export function keyBits(keyType: string, p: string): { bits: number } | { error: string } {
  const der = Buffer.from(p, 'base64');
  if (keyType === 'ed25519')
    return der.length === 32
      ? { bits: 256 }
      : { error: `ed25519 key is ${der.length} bytes, expected 32` };
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      const key = createPublicKey({ key: der, format: 'der', type });
      const bits = key.asymmetricKeyDetails?.modulusLength;
      if (bits !== undefined) return { bits };
    } catch {
      // Some signers publish a bare PKCS#1 RSAPublicKey; try that before giving up.
    }
  }
  return { error: 'p= is not a valid RSA public key' };
}

/** One DKIM selector: the record is present (through the relay's CNAME where it uses one), not revoked, and ≥1024 bits. */
export async function checkDkim(
  resolver: DnsResolver,
  target: DkimTarget,
  hints: Hints = hintsFor(undefined),
): Promise<DkimOutcome> {
  const name = `${target.selector}._domainkey.${target.domain}`;
  const c = {
    id: 'dkim.key',
    area: 'dkim' as const,
    subject: name,
    title: `DKIM key (${target.owner})`,
  };
  const evidence: string[] = [];
  const where = target.console ? ` (${target.console})` : '';
  const none = (check: Check): DkimOutcome => ({ check, keyFingerprint: undefined, usable: false });

  if (target.setup.kind === 'cname') {
    const expected = target.setup.target(target.selector);
    const cname = await query(() => resolver.resolveCname(name));
    if (!cname.ok) {
      evidence.push(describeMissing(cname, 'CNAME', name));
      if (cname.kind === 'error')
        return none(unchecked({ ...c, evidence }, hints.unreachable(`CNAME ${name}`)));
      return none(
        fail(
          { ...c, evidence },
          `Publish CNAME ${name} → ${expected}${where}; without it ${target.owner} cannot sign with d=${target.domain}.`,
        ),
      );
    }
    const got = (cname.value[0] ?? '').toLowerCase().replace(/\.$/u, '');
    evidence.push(`CNAME ${name} → ${got}`);
    if (got !== expected) {
      return none(
        fail(
          { ...c, evidence },
          `Point CNAME ${name} at ${expected} (it points at ${got})${where}.`,
        ),
      );
    }
  }

  const txt = await txtRecords(resolver, name);
  if (!txt.ok) {
    evidence.push(describeMissing(txt, 'TXT', name));
    if (txt.kind === 'error') return none(unchecked({ ...c, evidence }, hints.unreachable(name)));
    const fix =
      target.setup.kind === 'cname'
        ? `The CNAME target has no key: re-check the token ${target.selector}${where}.`
        : `Publish the DKIM TXT record ${name}${where}; without it mail signed with s=${target.selector} fails DKIM.`;
    return none(fail({ ...c, evidence }, fix));
  }
  const keys = txt.value.filter((r) => /(?:^|;)\s*p\s*=/iu.test(r) || /^v=DKIM1/iu.test(r.trim()));
  if (keys.length !== 1) {
    evidence.push(
      ...(keys.length === 0
        ? [`TXT ${name}: no DKIM key record`]
        : keys.map((k) => `TXT ${name}: "${abbreviate(k)}"`)),
    );
    return none(
      fail(
        { ...c, evidence },
        keys.length === 0
          ? `Publish the DKIM key at ${name}${where}.`
          : `Keep one DKIM key record at ${name}; with ${keys.length} verifiers pick one at random and fail the others.`,
      ),
    );
  }
  const record = keys[0] as string;
  evidence.push(`TXT ${name}: "${abbreviate(record)}"`);
  const tags = parseTags(record);
  const p = tags.get('p');
  if (p === undefined || p === '') {
    return none(
      fail(
        { ...c, evidence: [...evidence, 'p= is empty: the key is revoked (RFC 6376 §3.6.1)'] },
        `The key at ${name} is revoked (empty p=); publish the current public key${where} or remove ${target.selector} from the selectors in use.`,
      ),
    );
  }
  const keyType = (tags.get('k') ?? 'rsa').toLowerCase();
  const size = keyBits(keyType, p);
  const keyFingerprint = createHash('sha256').update(p).digest('hex').slice(0, 16);
  if ('error' in size) {
    return {
      check: fail(
        { ...c, evidence: [...evidence, size.error] },
        `Republish the key at ${name}: ${size.error}; copy it again from the signer${where}, strings joined without spaces.`,
      ),
      keyFingerprint,
      usable: false,
    };
  }
  evidence.push(
    `k=${keyType}, ${size.bits} bits${tags.get('t')?.split(':').includes('y') ? ', t=y (testing)' : ''}`,
  );
  if (keyType === 'rsa' && size.bits < 1024) {
    return {
      check: fail(
        { ...c, evidence },
        `The ${size.bits}-bit key at ${name} is too short: RFC 8301 requires at least 1024 bits and Gmail/Yahoo ignore shorter keys; generate a 2048-bit key and publish it under a new selector${where}.`,
      ),
      keyFingerprint,
      usable: false,
    };
  }
  if (tags.get('t')?.split(':').includes('y')) {
    return {
      check: warn(
        { ...c, evidence },
        `Remove t=y from ${name}: in testing mode receivers may treat signatures as unsigned.`,
      ),
      keyFingerprint,
      usable: true,
    };
  }
  if (keyType === 'rsa' && size.bits < 2048) {
    return {
      check: warn(
        { ...c, evidence },
        `Rotate ${name} to a 2048-bit key: 1024 bits is the minimum RFC 8301 allows and 2048 is what it and Gmail recommend.`,
      ),
      keyFingerprint,
      usable: true,
    };
  }
  return { check: pass({ ...c, evidence }), keyFingerprint, usable: true };
}

function abbreviate(record: string): string {
  return record.length > 80 ? `${record.slice(0, 60)}…${record.slice(-12)}` : record;
}
