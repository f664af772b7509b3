import type { ResolvedOptions } from './options.ts';
import { fail, pass, warn, type Check } from './report.ts';

export interface DomainKey {
  domain: string;
  selector: string;
  fingerprint: string;
}

/** Streams that list the checked domain: sharing it mixes their reputations (DESIGN §4: streams never share a domain). */
export function checkSharedDomain(options: ResolvedOptions): Check[] {
  const owners = Object.entries(options.streams)
    .filter(([, s]) => s.domains.includes(options.domain))
    .map(([n]) => n);
  const c = {
    id: 'streams.shared-domain',
    area: 'streams' as const,
    subject: options.domain,
    title: 'One stream per domain',
  };
  if (owners.length > 1) {
    return [
      fail(
        {
          ...c,
          evidence: [
            `streams ${owners.map((o) => `'${o}'`).join(' and ')} all send from ${options.domain}`,
          ],
        },
        `Give each stream its own domain (e.g. keep ${options.domain} for '${owners[0]}' and move '${owners[1]}' to a subdomain such as news.${options.domain}): complaints about one stream otherwise sink the other's delivery.`,
      ),
    ];
  }
  if (owners.length === 1)
    return [pass({ ...c, evidence: [`only stream '${owners[0]}' sends from ${options.domain}`] })];
  return [];
}

/**
 * One DKIM key published at several stream domains ties their reputations together; Yahoo asks bulk
 * senders to segregate streams by IP or DKIM domain.
 */
export function checkSharedKeys(
  domain: string,
  own: readonly DomainKey[],
  others: readonly DomainKey[],
): Check[] {
  const checks: Check[] = [];
  for (const key of own) {
    const twins = others.filter((o) => o.fingerprint === key.fingerprint && o.domain !== domain);
    if (twins.length === 0) continue;
    checks.push(
      warn(
        {
          id: 'streams.shared-dkim-key',
          area: 'streams',
          subject: `${key.selector}._domainkey.${domain}`,
          title: 'DKIM key shared across stream domains',
          evidence: [
            `the same public key (sha256 ${key.fingerprint}) is published at ${twins.map((t) => `${t.selector}._domainkey.${t.domain}`).join(', ')}`,
          ],
        },
        `Generate a separate DKIM key for each stream's domain: one key at ${domain} and ${twins.map((t) => t.domain).join(', ')} means one leaked or abused key, or one stream's reputation, affects all of them.`,
      ),
    );
  }
  return checks;
}

/** Bulk (marketing, subscribed) streams need RFC 8058 one-click unsubscribe: Gmail and Yahoo since 2024. */
export function checkOneClick(options: ResolvedOptions): Check[] {
  const checks: Check[] = [];
  for (const [name, stream] of Object.entries(options.streams)) {
    if (!stream.domains.includes(options.domain) || !stream.bulk) continue;
    const c = {
      id: 'streams.one-click-unsubscribe',
      area: 'streams' as const,
      subject: `stream '${name}'`,
      title: 'One-click unsubscribe (RFC 8058)',
    };
    if (stream.oneClickUnsubscribe) {
      checks.push(
        pass({ ...c, evidence: [`stream '${name}' is bulk and sends one-click unsubscribe`] }),
      );
    } else {
      checks.push(
        fail(
          { ...c, evidence: [`stream '${name}' is bulk and does not send one-click unsubscribe`] },
          `Send every message of stream '${name}' with listUnsubscribe: { url: 'https://…', oneClick: true } (List-Unsubscribe: <https://…> and List-Unsubscribe-Post: List-Unsubscribe=One-Click, both covered by the DKIM signature), and honour requests within 2 days: Gmail and Yahoo require it of bulk mail.`,
        ),
      );
    }
  }
  return checks;
}
