import { checkAlignment } from './alignment.ts';
import { checkBulkSender } from './bulk-sender.ts';
import { checkDkim, type DkimOutcome, type DkimTarget } from './dkim.ts';
import { checkDmarc } from './dmarc.ts';
import { txtRecords } from './dns.ts';
import { checkMailFrom } from './mail-from.ts';
import { checkMxAndSoa } from './mx.ts';
import {
  organizationalDomain,
  resolveOptions,
  type CheckDomainOptions,
  type ResolvedOptions,
} from './options.ts';
import { relays, type RelayName } from './relays.ts';
import { unchecked, warn, worst, type Check, type CheckArea, type DomainReport } from './report.ts';
import { checkSpf, type SpfRequirement } from './spf.ts';
import { checkOneClick, checkSharedDomain, checkSharedKeys, type DomainKey } from './streams.ts';

const areaOrder: readonly CheckArea[] = [
  'spf',
  'dkim',
  'dmarc',
  'alignment',
  'mail-from',
  'mx',
  'streams',
  'bulk-sender',
];

/**
 * Checks that a sending domain is set up for the relays that send for it: SPF, DKIM, DMARC and their
 * alignment, the relays' return paths, MX and SOA, the streams, and the mailbox providers'
 * bulk-sender rules. Every check says what it found and, unless it passes, what to do.
 */
export async function checkDomain(
  domain: string,
  options: CheckDomainOptions,
): Promise<DomainReport> {
  const o = resolveOptions(domain, options);
  const resolver = o.resolver;
  const checks: Check[] = [];

  const targets = dkimTargets(o);
  const [mailFroms, dkim, dmarc, mx] = await Promise.all([
    Promise.all(o.providers.map((p) => checkMailFrom(resolver, o.domain, p, o.hints))),
    Promise.all(
      targets.map(async (t) => ({ target: t, outcome: await checkDkim(resolver, t, o.hints) })),
    ),
    checkDmarc(resolver, o.domain, o.orgDomain, o.hints),
    checkMxAndSoa(resolver, o.domain, o.hints),
  ]);

  // SPF where the domain owner keeps the record: each relay's return-path domain, with the includes
  // of every relay using it; plus the From domain's own record when it has one.
  const spfTargets = new Map<string, SpfRequirement[]>();
  o.providers.forEach((p, i) => {
    const target = mailFroms[i]?.spfTarget;
    if (target === undefined) return;
    const list = spfTargets.get(target) ?? [];
    if (!list.some((r) => r.include === relays[p.name].spfInclude))
      list.push({ relay: relays[p.name].label, include: relays[p.name].spfInclude });
    spfTargets.set(target, list);
  });
  if (!spfTargets.has(o.domain)) {
    const own = await txtRecords(resolver, o.domain);
    if (own.ok && own.value.some((t) => /^v=spf1(?:\s|$)/iu.test(t.trim())))
      spfTargets.set(o.domain, []);
  }
  for (const spf of await Promise.all(
    [...spfTargets].map(([name, required]) => checkSpf(resolver, name, required, o.hints)),
  ))
    checks.push(...spf);

  for (const { outcome } of dkim) checks.push(outcome.check);
  for (const p of o.providers) {
    const relay = relays[p.name];
    if (p.selectors.length === 0 && o.selectors.length === 0) {
      checks.push(
        warn(
          {
            id: 'dkim.selectors',
            area: 'dkim',
            subject: relay.label,
            title: `DKIM selectors for ${relay.label}`,
            evidence: [
              `no DKIM selectors given for ${relay.label}; it signs with d=${relay.ownDkimDomain ?? 'nothing'} until its DKIM for ${o.domain} is set up`,
            ],
          },
          `${o.hints.selectors(p.name, relay.selectorHint)}, so the doctor can check them.`,
        ),
      );
    }
  }
  checks.push(...dmarc.checks);

  o.providers.forEach((p, i) => {
    const relay = relays[p.name];
    const mine = dkim.filter(
      ({ target }) => target.relays === 'all' || target.relays.includes(p.name),
    );
    // A verdict that rests on a lookup that failed is not a verdict.
    const unknown = [
      ...mine.map(({ outcome }) => outcome.check),
      ...(mailFroms[i] ? [mailFroms[i].check] : []),
    ].filter((c) => c.status === 'unchecked');
    const usable = dkim
      .filter(
        ({ target, outcome }) =>
          outcome.usable && (target.relays === 'all' || target.relays.includes(p.name)),
      )
      .map(({ target }) => target.domain);
    const alignment = checkAlignment({
      domain: o.domain,
      relayLabel: relay.label,
      envelopeDomain: mailFroms[i]?.envelopeDomain ?? relay.ownMailFrom,
      dkimDomains: [...new Set(usable)],
      relayDkimDomain: relay.ownDkimDomain,
      aspf: dmarc.policy?.aspf ?? 'r',
      adkim: dmarc.policy?.adkim ?? 'r',
      suggestedMailFrom: relay.defaultMailFrom(o.domain) ?? `mail.${o.domain}`,
      mailFromHint: o.hints.mailFrom(relay.defaultMailFrom(o.domain) ?? `mail.${o.domain}`),
    });
    checks.push(
      alignment.status === 'pass' || unknown.length === 0
        ? alignment
        : unchecked(
            {
              ...alignment,
              evidence: [
                ...alignment.evidence,
                ...unknown.map((u) => `not checked: ${u.title} (${u.subject})`),
              ],
            },
            `Alignment depends on lookups that failed: ${unknown.map((u) => u.subject).join(', ')}. ${o.hints.unreachable(unknown.map((u) => u.subject).join(', '))}`,
          ),
    );
  });
  for (const m of mailFroms) checks.push(m.check);
  checks.push(...mx);

  checks.push(...checkSharedDomain(o), ...(await sharedKeyChecks(o, dkim)), ...checkOneClick(o));
  checks.push(...checkBulkSender(o.domain, checks));

  checks.sort((a, b) => areaOrder.indexOf(a.area) - areaOrder.indexOf(b.area));
  return {
    domain: o.domain,
    organizationalDomain: o.orgDomain,
    status: worst(checks.map((c) => c.status)),
    checks,
  };
}

type Target = DkimTarget & { relays: RelayName[] | 'all' };

function dkimTargets(o: ResolvedOptions, domain = o.domain): Target[] {
  const targets = new Map<string, Target>();
  for (const s of o.selectors) {
    const d = s.domain === o.domain ? domain : s.domain;
    targets.set(`${s.selector}@${d}`, {
      selector: s.selector,
      domain: d,
      owner: 'your key',
      setup: { kind: 'txt' },
      console: undefined,
      relays: 'all',
    });
  }
  for (const p of o.providers) {
    const relay = relays[p.name];
    for (const selector of p.selectors) {
      const key = `${selector}@${domain}`;
      const existing = targets.get(key);
      if (existing) {
        if (existing.relays !== 'all') existing.relays.push(p.name);
        continue;
      }
      targets.set(key, {
        selector,
        domain,
        owner: relay.label,
        setup: relay.dkim,
        console: relay.console,
        relays: [p.name],
      });
    }
  }
  return [...targets.values()];
}

/** Keys of this domain that also appear at the organisational domain or at other stream domains under it. */
async function sharedKeyChecks(
  o: ResolvedOptions,
  dkim: ReadonlyArray<{ target: Target; outcome: DkimOutcome }>,
): Promise<Check[]> {
  const own: DomainKey[] = dkim.flatMap(({ target, outcome }) =>
    outcome.keyFingerprint && target.domain === o.domain
      ? [{ domain: target.domain, selector: target.selector, fingerprint: outcome.keyFingerprint }]
      : [],
  );
  if (own.length === 0) return [];
  // The organisational domain counts too: a subdomain reusing the parent's key shares its fate.
  const siblings = [
    ...new Set([...Object.values(o.streams).flatMap((s) => s.domains), o.orgDomain]),
  ].filter((d) => d !== o.domain && organizationalDomain(d) === o.orgDomain);
  const others = await Promise.all(
    siblings.flatMap((d) =>
      dkimTargets(o, d)
        .filter((t) => t.domain === d)
        .map(async (t) => ({
          domain: d,
          selector: t.selector,
          fingerprint: (await checkDkim(o.resolver, t)).keyFingerprint,
        })),
    ),
  );
  return checkSharedKeys(
    o.domain,
    own,
    others.flatMap((k) =>
      k.fingerprint ? [{ domain: k.domain, selector: k.selector, fingerprint: k.fingerprint }] : [],
    ),
  );
}
