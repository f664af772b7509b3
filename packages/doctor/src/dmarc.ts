import { describeMissing, txtRecords, type DnsResolver } from './dns.ts';
import { hintsFor, type Hints } from './hints.ts';
import { fail, pass, unchecked, warn, type Check } from './report.ts';

export interface DmarcPolicy {
  /** Where the record was found: `_dmarc.<domain>` or `_dmarc.<organisational domain>`. */
  name: string;
  /** The policy that applies to the checked domain (sp= when inherited from the organisational domain). */
  policy: string | undefined;
  adkim: 'r' | 's';
  aspf: 'r' | 's';
}

export interface DmarcOutcome {
  checks: Check[];
  policy: DmarcPolicy | undefined;
}

/** DMARC tags (RFC 7489 §6.3). `v=DMARC1` must be the first tag, and is case-sensitive under RFC 9989. */
export function parseDmarc(record: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const part of record.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1) tags.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return tags;
}

const isDmarc = (txt: string) => /^v\s*=\s*DMARC1\s*(?:;|$)/u.test(txt.trim());

/**
 * DMARC for the domain: exactly one record at _dmarc (falling back to the organisational domain, as
 * RFC 7489 §6.6.3 does), p= present and how strong, and rua= present so failures are reported.
 */
export async function checkDmarc(
  resolver: DnsResolver,
  domain: string,
  orgDomain: string,
  hints: Hints = hintsFor(undefined),
): Promise<DmarcOutcome> {
  const own = `_dmarc.${domain}`;
  const c = { id: 'dmarc.record', area: 'dmarc' as const, subject: own, title: 'DMARC record' };
  const suggested = `v=DMARC1; p=none; rua=mailto:dmarc-reports@${orgDomain}`;
  const evidence: string[] = [];

  let name = own;
  let txt = await txtRecords(resolver, own);
  let records = txt.ok ? txt.value.filter(isDmarc) : [];
  evidence.push(
    txt.ok ? `TXT ${own}: ${records.length} DMARC record(s)` : describeMissing(txt, 'TXT', own),
  );
  if (records.length === 0 && orgDomain !== domain && !(!txt.ok && txt.kind === 'error')) {
    name = `_dmarc.${orgDomain}`;
    txt = await txtRecords(resolver, name);
    records = txt.ok ? txt.value.filter(isDmarc) : [];
    evidence.push(
      txt.ok
        ? `TXT ${name}: ${records.length} DMARC record(s) (organisational domain)`
        : describeMissing(txt, 'TXT', name),
    );
  }
  if (!txt.ok && txt.kind === 'error') {
    return {
      checks: [unchecked({ ...c, evidence }, hints.unreachable(name))],
      policy: undefined,
    };
  }
  if (records.length === 0) {
    return {
      checks: [
        fail(
          { ...c, evidence },
          `Publish TXT ${own}: "${suggested}". Gmail, Yahoo and Microsoft require a DMARC record of bulk senders (Gmail answers 4.7.40 without one); start at p=none, read the reports, then move to quarantine.`,
        ),
      ],
      policy: undefined,
    };
  }
  if (records.length > 1) {
    return {
      checks: [
        fail(
          {
            ...c,
            subject: name,
            evidence: [...evidence, ...records.map((r) => `TXT ${name}: "${r}"`)],
          },
          `Keep exactly one DMARC record at ${name}: with ${records.length}, receivers apply no DMARC policy at all (RFC 7489 §6.6.3). Merge them into one.`,
        ),
      ],
      policy: undefined,
    };
  }
  const record = records[0] as string;
  const tags = parseDmarc(record);
  const checks: Check[] = [
    pass({ ...c, subject: name, evidence: [...evidence, `TXT ${name}: "${record}"`] }),
  ];

  const inherited = name !== own;
  const policy = (inherited ? (tags.get('sp') ?? tags.get('p')) : tags.get('p'))?.toLowerCase();
  const pc = { id: 'dmarc.policy', area: 'dmarc' as const, subject: name, title: 'DMARC policy' };
  const pct = Number(tags.get('pct') ?? '100');
  const pEvidence = [
    `p=${tags.get('p') ?? '(missing)'}${tags.has('sp') ? `, sp=${tags.get('sp')}` : ''}${tags.has('pct') ? `, pct=${tags.get('pct')}` : ''}${inherited ? ` (inherited by ${domain})` : ''}`,
  ];
  if (policy === undefined || !['none', 'quarantine', 'reject'].includes(policy)) {
    checks.push(
      fail(
        { ...pc, evidence: pEvidence },
        `Set p= in ${name} to none, quarantine or reject (p is required, RFC 7489 §6.3); e.g. "${suggested}".`,
      ),
    );
  } else if (policy === 'none') {
    checks.push(
      warn(
        { ...pc, evidence: pEvidence },
        `p=none only monitors: it meets the Gmail/Yahoo/Microsoft minimum but does not protect the domain from spoofing. Once the rua reports show your relays aligned, set p=quarantine (then reject) in ${name}.`,
      ),
    );
  } else if (pct < 100) {
    checks.push(
      warn(
        { ...pc, evidence: pEvidence },
        `pct=${pct} applies ${policy} to part of the failing mail only; remove pct (RFC 9989 drops it) once the reports are clean.`,
      ),
    );
  } else {
    checks.push(pass({ ...pc, evidence: pEvidence }));
  }

  const rua = tags.get('rua');
  const rc = {
    id: 'dmarc.rua',
    area: 'dmarc' as const,
    subject: name,
    title: 'DMARC aggregate reports',
  };
  if (rua === undefined || rua === '') {
    checks.push(
      warn(
        { ...rc, evidence: ['no rua= tag'] },
        `Add rua=mailto:dmarc-reports@${orgDomain} to ${name}: without aggregate reports you cannot see who fails alignment (Yahoo strongly recommends rua).`,
      ),
    );
  } else {
    checks.push(pass({ ...rc, evidence: [`rua=${rua}`] }));
  }

  const mode = (v: string | undefined): 'r' | 's' => (v?.toLowerCase() === 's' ? 's' : 'r');
  return {
    checks,
    policy: { name, policy, adkim: mode(tags.get('adkim')), aspf: mode(tags.get('aspf')) },
  };
}
