import { describeMissing, query, type DnsResolver } from './dns.ts';
import type { ResolvedProvider } from './options.ts';
import { relays } from './relays.ts';
import { hintsFor, type Hints } from './hints.ts';
import { fail, pass, unchecked, warn, type Check } from './report.ts';

export interface MailFromOutcome {
  check: Check;
  /** The envelope domain the relay will actually use, for SPF alignment. */
  envelopeDomain: string;
  /** The return-path domain whose SPF record is the domain owner's to keep (MX-style setups). */
  spfTarget: string | undefined;
}

/** The relay's return-path (MAIL FROM) domain is published as the relay expects, so bounces route back and SPF can align. */
export async function checkMailFrom(
  resolver: DnsResolver,
  domain: string,
  provider: ResolvedProvider,
  hints: Hints = hintsFor(undefined),
): Promise<MailFromOutcome> {
  const relay = relays[provider.name];
  const m = provider.mailFrom;
  const c = {
    id: 'mail-from.setup',
    area: 'mail-from' as const,
    subject: m ?? relay.ownMailFrom,
    title: `Return path (MAIL FROM) for ${relay.label}`,
  };
  const setup = relay.mailFrom;
  const example = m ?? `mail.${domain}`;
  const records =
    setup.kind === 'mx'
      ? setup.hosts(provider.region).map((h) => `MX 10 ${h}`)
      : [`CNAME ${setup.target}`];
  const recipe = `${records.map((r) => `${example} ${r}`).join(' and ')}${setup.kind === 'mx' ? ` and TXT "v=spf1 include:${relay.spfInclude} ~all"` : ''}`;

  if (m === undefined) {
    return {
      check: warn(
        {
          ...c,
          evidence: [
            `no custom MAIL FROM domain: ${relay.label} uses its own (${relay.ownMailFrom}), which passes SPF but never aligns with ${domain}`,
          ],
        },
        `Set up a custom MAIL FROM domain in ${relay.console}: publish ${recipe}, then ${hints.mailFrom(example)}. DMARC then aligns through SPF as well as DKIM.`,
      ),
      envelopeDomain: relay.ownMailFrom,
      spfTarget: undefined,
    };
  }
  const spfTarget = setup.kind === 'mx' ? m : undefined;
  const fallback = { envelopeDomain: relay.ownMailFrom, spfTarget };
  // A return path the caller named, or one the relay cannot send without, is an error when missing;
  // a default the relay can do without (Postmark's pm-bounces) is only a lost alignment.
  const missing = (evidence: string[], fix: string) =>
    provider.mailFromExplicit || relay.mailFromRequired
      ? fail({ ...c, evidence }, fix)
      : warn({ ...c, evidence }, fix);

  if (setup.kind === 'cname') {
    const cname = await query(() => resolver.resolveCname(m));
    if (!cname.ok) {
      if (cname.kind === 'error')
        return {
          check: unchecked(
            { ...c, evidence: [describeMissing(cname, 'CNAME', m)] },
            hints.unreachable(`CNAME ${m}`),
          ),
          ...fallback,
        };
      return {
        check: missing(
          [describeMissing(cname, 'CNAME', m)],
          `Publish ${m} CNAME ${setup.target} (${relay.console}), so bounces return to ${relay.label} and SPF aligns with ${domain}.`,
        ),
        ...fallback,
      };
    }
    const got = (cname.value[0] ?? '').toLowerCase().replace(/\.$/u, '');
    if (got !== setup.target) {
      return {
        check: fail(
          { ...c, evidence: [`CNAME ${m} → ${got}`] },
          `Point CNAME ${m} at ${setup.target} (it points at ${got}).`,
        ),
        ...fallback,
      };
    }
    return {
      check: pass({ ...c, evidence: [`CNAME ${m} → ${got}`] }),
      envelopeDomain: m,
      spfTarget,
    };
  }

  const expected = setup.hosts(provider.region);
  const mx = await query(() => resolver.resolveMx(m));
  if (!mx.ok) {
    if (mx.kind === 'error')
      return {
        check: unchecked(
          { ...c, evidence: [describeMissing(mx, 'MX', m)] },
          hints.unreachable(`MX ${m}`),
        ),
        ...fallback,
      };
    return {
      check: missing(
        [describeMissing(mx, 'MX', m)],
        `Publish ${recipe} (${relay.console}); receivers reject mail whose return path cannot take bounces.`,
      ),
      ...fallback,
    };
  }
  const hosts = mx.value.map(
    (r) => `${r.priority} ${r.exchange.toLowerCase().replace(/\.$/u, '') || '.'}`,
  );
  const names = new Set(mx.value.map((r) => r.exchange.toLowerCase().replace(/\.$/u, '')));
  const evidence = [`MX ${m}: ${hosts.join(', ')}`];
  const present = expected.filter((h) => names.has(h));
  if (present.length === 0) {
    return {
      check: fail(
        { ...c, evidence },
        `Set the MX of ${m} to ${expected.join(' and ')}${provider.region ? ` (region ${provider.region})` : ''}: ${relay.label} only uses a MAIL FROM domain whose MX points back at it.`,
      ),
      ...fallback,
    };
  }
  if (present.length < expected.length) {
    return {
      check: warn(
        { ...c, evidence },
        `Add MX ${expected.filter((h) => !names.has(h)).join(' and ')} to ${m} as ${relay.label} documents, so bounces still arrive when one host is down.`,
      ),
      envelopeDomain: m,
      spfTarget,
    };
  }
  return { check: pass({ ...c, evidence }), envelopeDomain: m, spfTarget };
}
