import { getDomain } from 'tldts';
import { defaultResolver, type DnsResolver } from './dns.ts';
import { hintsFor, type HintStyle, type Hints } from './hints.ts';
import { relayNames, relays, type RelayName } from './relays.ts';

export interface ProviderInUse {
  name: RelayName;
  /** AWS region for SES / Resend (decides the feedback MX host); `eu` for Mailgun's EU region. */
  region?: string;
  /** This relay's return-path domain, when it differs from the shared `mailFrom`. */
  mailFrom?: string;
  /** This relay's DKIM selectors at the domain (for SES: the Easy DKIM tokens). */
  dkimSelectors?: string[];
}

export interface StreamSpec {
  /** From domains of the stream. */
  domains: string[];
  /** Marketing or subscribed mail (Gmail and Yahoo's bulk rules apply); transactional mail is exempt. */
  bulk?: boolean;
  /** Whether every message of the stream carries RFC 8058 one-click unsubscribe headers. */
  oneClickUnsubscribe?: boolean;
}

export type DkimSelectorInput = string | { selector: string; domain: string };

export interface CheckDomainOptions {
  /** Relays that send for this domain: a name, or the name with its region, return path and selectors. */
  providers: ReadonlyArray<RelayName | ProviderInUse>;
  /** Selectors of DKIM keys the domain signs with besides the relays' own (at the domain unless given). */
  dkimSelectors?: readonly DkimSelectorInput[];
  /** Custom return-path (MAIL FROM) domain, used for every relay that names none of its own. */
  mailFrom?: string;
  /** relaykit streams: name → From domains and unsubscribe settings. */
  streams?: Readonly<Record<string, StreamSpec>>;
  /** DNS access; node:dns/promises by default. */
  resolver?: DnsResolver;
  /**
   * How fixes name settings: `library` (option names such as `mailFrom`, the default) or `cli`
   * (the flags of `relaykit doctor`, such as `--mail-from`).
   */
  hints?: HintStyle;
}

export interface ResolvedProvider {
  name: RelayName;
  region: string | undefined;
  /** The return-path domain to check, or undefined when the relay uses its own (unaligned) one. */
  mailFrom: string | undefined;
  /** True when the caller named the return path (so its absence is an error, not a default). */
  mailFromExplicit: boolean;
  selectors: string[];
}

export interface ResolvedOptions {
  domain: string;
  orgDomain: string;
  providers: ResolvedProvider[];
  selectors: Array<{ selector: string; domain: string }>;
  streams: Record<string, Required<StreamSpec>>;
  resolver: DnsResolver;
  hints: Hints;
}

const hostname = /^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/u;

export function normalizeDomain(raw: string, what: string): string {
  const domain = raw.trim().toLowerCase().replace(/\.$/u, '');
  if (!hostname.test(domain)) {
    throw new TypeError(
      `[relaykit] [doctor] ${what} '${raw}' is not a domain name; pass a bare domain such as example.com (no scheme, no @)`,
    );
  }
  return domain;
}

/** Organisational domain per the Public Suffix List, private section included as mailauth does. */
export function organizationalDomain(domain: string): string {
  return getDomain(domain, { allowPrivateDomains: true }) ?? domain;
}

export function resolveOptions(rawDomain: string, options: CheckDomainOptions): ResolvedOptions {
  const domain = normalizeDomain(rawDomain, 'domain');
  if (options.providers.length === 0) {
    throw new TypeError(
      `[relaykit] [doctor] no providers given for ${domain}; pass the relays that send for it, e.g. { providers: ['ses'] }`,
    );
  }
  const sharedMailFrom =
    options.mailFrom === undefined ? undefined : normalizeDomain(options.mailFrom, 'mailFrom');
  const providers = options.providers.map((p): ResolvedProvider => {
    const spec: ProviderInUse = typeof p === 'string' ? { name: p } : p;
    const relay = relays[spec.name] as (typeof relays)[RelayName] | undefined;
    if (relay === undefined) {
      throw new TypeError(
        `[relaykit] [doctor] unknown provider '${String(spec.name)}'; use one of ${relayNames.join(', ')}`,
      );
    }
    const own =
      spec.mailFrom === undefined
        ? undefined
        : normalizeDomain(spec.mailFrom, `${spec.name} mailFrom`);
    const explicit = own ?? sharedMailFrom;
    return {
      name: spec.name,
      region: spec.region ?? relay.defaultRegion,
      mailFrom: explicit ?? relay.defaultMailFrom(domain),
      mailFromExplicit: explicit !== undefined,
      selectors: spec.dkimSelectors ?? [...relay.defaultSelectors],
    };
  });
  const selectors = (options.dkimSelectors ?? []).map((s) =>
    typeof s === 'string'
      ? { selector: s, domain }
      : {
          selector: s.selector,
          domain: normalizeDomain(s.domain, `DKIM domain of selector ${s.selector}`),
        },
  );
  const streams: Record<string, Required<StreamSpec>> = {};
  for (const [name, s] of Object.entries(options.streams ?? {})) {
    streams[name] = {
      domains: s.domains.map((d) => normalizeDomain(d, `stream '${name}' domain`)),
      bulk: s.bulk ?? false,
      oneClickUnsubscribe: s.oneClickUnsubscribe ?? false,
    };
  }
  return {
    domain,
    orgDomain: organizationalDomain(domain),
    providers,
    selectors,
    streams,
    resolver: options.resolver ?? defaultResolver,
    hints: hintsFor(options.hints),
  };
}
