import type { DNSResolver } from 'mailauth';
import { spf } from 'mailauth/lib/spf/index.js';
import {
  describeMissing,
  mailauthResolver,
  txtRecords,
  type DnsResolver,
  type QueryLogEntry,
} from './dns.ts';
import { hintsFor, type Hints } from './hints.ts';
import { fail, pass, unchecked, warn, type Check } from './report.ts';

export interface SpfRequirement {
  /** Who needs it, for the evidence and fix text. */
  relay: string;
  include: string;
}

// A TEST-NET-1 address (RFC 5737) is never authorised by a real record, so evaluating SPF for it walks
// every mechanism and spends the record's full lookup budget, which is what the limits are about.
const probeIp = '192.0.2.1';

const isSpf = (txt: string) => /^v=spf1(?:\s|$)/iu.test(txt.trim());

const base = (id: string, subject: string, title: string) => ({
  id,
  area: 'spf' as const,
  subject,
  title,
});

/**
 * SPF at one envelope domain: exactly one record, the relays' includes reachable, and an RFC 7208
 * evaluation by mailauth within 10 DNS lookups and 2 void lookups, ending in ~all or -all.
 */
export async function checkSpf(
  resolver: DnsResolver,
  name: string,
  required: readonly SpfRequirement[],
  hints: Hints = hintsFor(undefined),
): Promise<Check[]> {
  const suggested =
    `v=spf1 ${[...new Set(required.map((r) => `include:${r.include}`))].join(' ')} ~all`.replace(
      '  ',
      ' ',
    );
  const recordCheck = base('spf.record', name, 'SPF record');
  const txt = await txtRecords(resolver, name);
  if (!txt.ok && txt.kind === 'error') {
    return [
      unchecked(
        { ...recordCheck, evidence: [describeMissing(txt, 'TXT', name)] },
        hints.unreachable(`TXT ${name}`),
      ),
    ];
  }
  const records = txt.ok ? txt.value.filter(isSpf) : [];
  if (records.length === 0) {
    const evidence = txt.ok
      ? [`TXT ${name}: ${txt.value.length} record(s), none starting with v=spf1`]
      : [describeMissing(txt, 'TXT', name)];
    return [
      fail(
        { ...recordCheck, evidence },
        `Publish one TXT record at ${name}: "${suggested}". Without it SPF is "none" and cannot authenticate or align the return path.`,
      ),
    ];
  }
  if (records.length > 1) {
    return [
      fail(
        { ...recordCheck, evidence: records.map((r) => `TXT ${name}: "${r}"`) },
        `Merge the ${records.length} SPF records at ${name} into one (e.g. "${suggested}"): more than one v=spf1 record is a permerror (RFC 7208 §4.5), so SPF fails at every receiver.`,
      ),
    ];
  }
  const record = records[0] as string;
  const checks: Check[] = [pass({ ...recordCheck, evidence: [`TXT ${name}: "${record}"`] })];

  const log: QueryLogEntry[] = [];
  const result = await spf({
    sender: `postmaster@${name}`,
    ip: probeIp,
    mta: 'relaykit-doctor',
    resolver: mailauthResolver(resolver, log) as DNSResolver,
  });
  checks.push(
    evaluationCheck(name, result.status.result, result.status.comment ?? '', result.lookups, log),
  );

  const reached = new Set(
    log.filter((q) => q.type === 'TXT' && q.outcome === 'answer').map((q) => q.name.toLowerCase()),
  );
  const terms = record.toLowerCase().split(/\s+/u);
  for (const need of required) {
    const include = need.include.toLowerCase();
    const direct = terms.some(
      (t) =>
        /^[+?~-]?include:/u.test(t) &&
        t.replace(/^[+?~-]?include:/u, '').replace(/\.$/u, '') === include,
    );
    const c = base('spf.include', name, `SPF includes ${need.relay}`);
    if (direct || reached.has(include)) {
      checks.push(
        pass({
          ...c,
          evidence: [
            direct
              ? `include:${include} in the record`
              : `include:${include} reached through a nested include`,
          ],
        }),
      );
    } else {
      checks.push(
        fail(
          {
            ...c,
            evidence: [
              `TXT ${name}: "${record}"`,
              `include:${include} not found, directly or nested`,
            ],
          },
          `Add include:${include} to the SPF record at ${name} (before the final all), e.g. "${withInclude(record, include)}"; otherwise mail that ${need.relay} sends fails SPF.`,
        ),
      );
    }
  }
  return checks;
}

function withInclude(record: string, include: string): string {
  const parts = record.trim().split(/\s+/u);
  const allAt = parts.findIndex((p) => /^[+?~-]?all$/iu.test(p) || /^redirect=/iu.test(p));
  parts.splice(allAt === -1 ? parts.length : allAt, 0, `include:${include}`);
  return parts.join(' ');
}

function evaluationCheck(
  name: string,
  result: string,
  comment: string,
  lookups: { limit: number; count: number; void: number } | undefined,
  log: readonly QueryLogEntry[],
): Check {
  const c = base('spf.evaluation', name, 'SPF evaluation (RFC 7208)');
  const evidence = [
    `evaluated by mailauth for probe IP ${probeIp}: ${result}${comment ? ` (${comment.replace(/^relaykit-doctor: /u, '')})` : ''}`,
    ...(lookups
      ? [`DNS lookups: ${lookups.count} of ${lookups.limit}; void lookups: ${lookups.void} of 2`]
      : []),
    `queries: ${log.map((q) => `${q.type} ${q.name}${q.outcome === 'answer' ? '' : ` (${q.outcome})`}`).join(', ') || 'none'}`,
  ];
  if (result === 'permerror' && /too many dns requests/iu.test(comment)) {
    return fail(
      { ...c, evidence },
      `The SPF record at ${name} needs more than 10 DNS lookups (RFC 7208 §4.6.4), so receivers return permerror and SPF fails: remove include:, a, mx, ptr and exists terms that no longer send for you, replace fixed hosts with ip4:/ip6:, or give other senders a return-path subdomain of their own.`,
    );
  }
  if (result === 'permerror' && /void/iu.test(comment)) {
    const voids = voidNames(log);
    return fail(
      { ...c, evidence },
      `The SPF record at ${name} makes more than 2 lookups that return no record (void lookups, RFC 7208 §4.6.4), a permerror: remove the terms that point at names without records${voids.length > 0 ? ` (${voids.join(', ')})` : ''}.`,
    );
  }
  if (result === 'permerror') {
    return fail(
      { ...c, evidence },
      `Fix the SPF record at ${name}: receivers treat it as a permanent error (${comment || 'invalid record'}).`,
    );
  }
  if (result === 'temperror') {
    return unchecked(
      { ...c, evidence },
      `SPF at ${name} could not be evaluated (temporary DNS error, RFC 7208 §2.6.6); check the DNS servers of the names it includes, then run the doctor again.`,
    );
  }
  if (result === 'pass') {
    return fail(
      { ...c, evidence },
      `The SPF record at ${name} authorises any host (e.g. +all); end it with ~all or -all so only your relays pass.`,
    );
  }
  if (result === 'neutral') {
    return warn(
      { ...c, evidence },
      `The SPF record at ${name} ends neutral (?all or no all), which protects nothing; end it with ~all or -all.`,
    );
  }
  return pass({ ...c, evidence });
}

/** Names whose every query came back empty: the void lookups an SPF record spent. */
function voidNames(log: readonly QueryLogEntry[]): string[] {
  const byName = new Map<string, boolean>();
  for (const q of log) byName.set(q.name, (byName.get(q.name) ?? true) && q.outcome === 'void');
  return [...byName].filter(([, allVoid]) => allVoid).map(([n]) => n);
}
