import { describeMissing, query, type DnsResolver } from './dns.ts';
import { hintsFor, type Hints } from './hints.ts';
import { fail, pass, unchecked, warn, type Check } from './report.ts';

/**
 * The sending domain exists (SOA: Yahoo decides existence by an SOA query) and can receive mail (MX),
 * and does not publish a null MX (RFC 7505), which receivers answer with X.7.27.
 */
export async function checkMxAndSoa(
  resolver: DnsResolver,
  domain: string,
  hints: Hints = hintsFor(undefined),
): Promise<Check[]> {
  const checks: Check[] = [];

  const soa = await query(() => resolver.resolveSoa(domain));
  const sc = { id: 'mx.soa', area: 'mx' as const, subject: domain, title: 'Domain exists (SOA)' };
  if (soa.ok) {
    checks.push(
      pass({
        ...sc,
        evidence: [
          `SOA ${domain}: ${soa.value.nsname} ${soa.value.hostmaster} serial ${soa.value.serial}`,
        ],
      }),
    );
  } else if (soa.kind === 'nodata') {
    // A subdomain without a zone of its own has no SOA of its own but still exists (NOERROR).
    checks.push(
      pass({
        ...sc,
        evidence: [
          `SOA ${domain}: none at this name, but the name exists (part of its parent zone)`,
        ],
      }),
    );
  } else if (soa.kind === 'nxdomain') {
    checks.push(
      fail(
        { ...sc, evidence: [describeMissing(soa, 'SOA', domain)] },
        `${domain} does not exist in DNS; receivers (Yahoo first) reject mail from unresolvable domains. Create the zone or send from a domain that exists.`,
      ),
    );
  } else {
    checks.push(
      unchecked(
        { ...sc, evidence: [describeMissing(soa, 'SOA', domain)] },
        hints.unreachable(`SOA ${domain}`),
      ),
    );
  }

  const mx = await query(() => resolver.resolveMx(domain));
  const mc = {
    id: 'mx.records',
    area: 'mx' as const,
    subject: domain,
    title: 'MX of the sending domain',
  };
  if (!mx.ok) {
    if (mx.kind === 'error') {
      checks.push(
        unchecked(
          { ...mc, evidence: [describeMissing(mx, 'MX', domain)] },
          hints.unreachable(`MX ${domain}`),
        ),
      );
    } else {
      checks.push(
        warn(
          { ...mc, evidence: [describeMissing(mx, 'MX', domain)] },
          `Publish MX records for ${domain} (your mailbox host's, or the relay's inbound): replies and bounces to the From address have nowhere to go, and some receivers distrust senders that cannot receive.`,
        ),
      );
    }
    return checks;
  }
  const rows = mx.value.map((r) => `${r.priority} ${r.exchange.replace(/\.$/u, '') || '.'}`);
  if (mx.value.some((r) => r.exchange === '' || r.exchange === '.')) {
    checks.push(
      fail(
        { ...mc, evidence: [`MX ${domain}: ${rows.join(', ')} (null MX, RFC 7505)`] },
        `${domain} publishes a null MX ("MX 0 ."), which declares it sends and receives no mail: receivers reject its mail with X.7.27. Remove the null MX and publish real MX hosts, or send from another domain.`,
      ),
    );
  } else {
    checks.push(pass({ ...mc, evidence: [`MX ${domain}: ${rows.join(', ')}`] }));
  }
  return checks;
}
