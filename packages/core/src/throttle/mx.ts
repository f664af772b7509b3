import { resolveMx } from 'node:dns/promises';
import { defaultMxSuffixes, providerOfMx, wellKnownDomains } from './profiles.ts';
import { BoundedMap } from '../memory/bounded.ts';

/** Looks up a domain's MX hosts (node:dns/promises resolveMx by default). */
export type MxResolver = (
  domain: string,
) => Promise<ReadonlyArray<{ exchange: string; priority?: number }>>;

export interface MxRollupOptions {
  resolver?: MxResolver;
  /** How long a lookup's answer is kept. @default 1 hour */
  ttlMs?: number;
  /** How long a failed lookup is kept (the domain stays its own profile meanwhile). @default 5 minutes */
  failureTtlMs?: number;
  /** Domains kept: at least the newest this many, an eighth more at most; the oldest go first (memory/bounded.ts). @default 50000 */
  maxEntries?: number;
  /** Domain → provider without a lookup; merged over the well-known consumer domains. */
  domains?: Record<string, string>;
  /** MX host suffixes per provider; replaces the built-in table. */
  mxSuffixes?: Record<string, readonly string[]>;
  now?: () => number;
}

/** What a domain rolls up to: a mailbox provider ('google', ...) or undefined for its own profile. */
export interface MxRollup {
  /** The cached answer, without waiting: a provider, null for "its own", undefined when unknown. */
  peek(domain: string): string | null | undefined;
  /** The answer, looking it up once; concurrent callers share one lookup. Never rejects. */
  resolve(domain: string): Promise<string | null>;
  readonly size: number;
}

/** RFC 2606 / 6761 names never have a real MX: no lookup for them (tests, examples). */
const reserved = /\.(?:test|example|invalid|localhost)$/u;

interface Entry {
  provider: string | null;
  expires: number;
}

/**
 * MX rollup: every domain hosted on one mailbox provider's MXs shares its budget (a Workspace
 * domain with aspmx.l.google.com and gmail.com are both 'google'). A failed or empty lookup leaves
 * the domain on its own profile: throttling must never stop a send because DNS did.
 */
export function createMxRollup(options: MxRollupOptions = {}): MxRollup {
  const resolver = options.resolver ?? ((domain: string) => resolveMx(domain));
  const skipReserved = options.resolver === undefined;
  const ttl = options.ttlMs ?? 60 * 60 * 1000;
  const failureTtl = options.failureTtlMs ?? 5 * 60 * 1000;
  const maxEntries = options.maxEntries ?? 50_000;
  const now = options.now ?? Date.now;
  const known = new Map<string, string>([
    ...Object.entries(wellKnownDomains),
    ...Object.entries(options.domains ?? {}).map(([d, p]) => [d.toLowerCase(), p] as const),
  ]);
  const suffixes = options.mxSuffixes ?? defaultMxSuffixes;
  const cache = new BoundedMap<string, Entry>({ maxEntries });
  const inflight = new Map<string, Promise<string | null>>();

  const store = (domain: string, provider: string | null, forMs: number) => {
    cache.set(domain, { provider, expires: now() + forMs });
    return provider;
  };

  const lookup = (domain: string): Promise<string | null> => {
    let pending = inflight.get(domain);
    if (pending) return pending;
    pending = resolver(domain)
      .then(
        (records) =>
          store(
            domain,
            providerOfMx(
              records.map((r) => r.exchange),
              suffixes,
            ) ?? null,
            ttl,
          ),
        () => store(domain, null, failureTtl),
      )
      .finally(() => inflight.delete(domain));
    inflight.set(domain, pending);
    return pending;
  };

  const peek = (domain: string): string | null | undefined => {
    const fixed = known.get(domain);
    if (fixed !== undefined) return fixed;
    const entry = cache.get(domain);
    // Reserved names have no real MX: the system resolver is not asked (an injected one is).
    if (entry === undefined)
      return skipReserved && reserved.test(domain)
        ? store(domain, null, Number.POSITIVE_INFINITY)
        : undefined;
    if (entry.expires <= now()) {
      // Stale: keep answering with it while a fresh lookup runs, so expiry never stalls a send.
      void lookup(domain);
    }
    return entry.provider;
  };

  return {
    peek,
    resolve(domain) {
      const cached = peek(domain);
      return cached === undefined ? lookup(domain) : Promise.resolve(cached);
    },
    get size() {
      return cache.size;
    },
  };
}
