import type { ProviderCapabilities } from '../provider.ts';

/**
 * Mailbox-provider profiles: which recipient domains share one budget, and its default pace.
 * Source: KumoMTA's shipped shaping (`assets/policy-extras/shaping.toml` in github.com/KumoCorp/kumomta;
 * https://docs.kumomta.com/userguide/configuration/trafficshaping/): MX-suffix provider blocks, all
 * MX hosts must match.
 */

/** The rolled-up mailbox providers; every other domain is a profile of its own ('other'). */
export const mailboxProviders = ['google', 'microsoft', 'yahoo', 'apple'] as const;
export type MailboxProvider = (typeof mailboxProviders)[number];
export type ProfileName = MailboxProvider | 'other';

export interface ProfileLimits {
  /** Messages per second to this profile (per domain for 'other'). Infinity: no static cap. */
  rate: number;
  /** Messages that may go at once after a quiet spell. @default one second's worth (at least 1) */
  burst?: number;
  /** The adaptive controller never cuts below this. @default 1/60 (one a minute) */
  floor?: number;
}

/**
 * Gmail, Microsoft, Yahoo and Apple publish no numeric message rate (their sender guidelines give
 * none; KumoMTA's provider blocks for them set connection limits only), and the relay in front
 * of them already shapes its own SMTP egress, so their profiles have no static cap: they are
 * shaped by their deferrals (adaptive control) and by what the user sets. Any other domain gets
 * KumoMTA's default max_message_rate of 100/s per site, which keeps a burst from swamping a small
 * company MX.
 */
export const defaultProfileLimits: Readonly<Record<ProfileName, ProfileLimits>> = {
  google: { rate: Number.POSITIVE_INFINITY },
  microsoft: { rate: Number.POSITIVE_INFINITY },
  yahoo: { rate: Number.POSITIVE_INFINITY },
  apple: { rate: Number.POSITIVE_INFINITY },
  other: { rate: 100, burst: 100 },
};

/** MX host suffixes per provider (KumoMTA's shaping.toml). A domain rolls up only when every MX host matches. */
export const defaultMxSuffixes: Readonly<Record<MailboxProvider, readonly string[]>> = {
  google: ['.google.com', '.googlemail.com'],
  microsoft: ['.mail.protection.outlook.com', '.olc.protection.outlook.com', '.mx.microsoft'],
  yahoo: ['.yahoodns.net'],
  apple: ['.icloud.com'],
};

/** Consumer domains whose provider is known without a lookup. */
export const wellKnownDomains: Readonly<Record<string, MailboxProvider>> = {
  'gmail.com': 'google',
  'googlemail.com': 'google',
  'google.com': 'google',
  'outlook.com': 'microsoft',
  'hotmail.com': 'microsoft',
  'hotmail.co.uk': 'microsoft',
  'hotmail.fr': 'microsoft',
  'hotmail.de': 'microsoft',
  'hotmail.it': 'microsoft',
  'hotmail.es': 'microsoft',
  'live.com': 'microsoft',
  'live.co.uk': 'microsoft',
  'live.fr': 'microsoft',
  'msn.com': 'microsoft',
  'passport.com': 'microsoft',
  'outlook.fr': 'microsoft',
  'outlook.de': 'microsoft',
  'yahoo.com': 'yahoo',
  'yahoo.co.uk': 'yahoo',
  'yahoo.fr': 'yahoo',
  'yahoo.de': 'yahoo',
  'yahoo.it': 'yahoo',
  'yahoo.es': 'yahoo',
  'yahoo.ca': 'yahoo',
  'yahoo.com.au': 'yahoo',
  'yahoo.com.br': 'yahoo',
  'yahoo.in': 'yahoo',
  'ymail.com': 'yahoo',
  'rocketmail.com': 'yahoo',
  'aol.com': 'yahoo',
  'aim.com': 'yahoo',
  'icloud.com': 'apple',
  'me.com': 'apple',
  'mac.com': 'apple',
};

/** The provider every MX host of a domain belongs to, or undefined when they are not all one. */
export function providerOfMx(
  hosts: readonly string[],
  suffixes: Readonly<Record<string, readonly string[]>> = defaultMxSuffixes,
): string | undefined {
  if (hosts.length === 0) return undefined;
  for (const [provider, list] of Object.entries(suffixes)) {
    const all = hosts.every((host) => {
      const h = `.${host.toLowerCase().replace(/\.$/u, '')}`;
      return list.some((suffix) => h.endsWith(suffix));
    });
    if (all) return provider;
  }
  return undefined;
}

/** How a provider's account limit counts (a provider declares it: `capabilities.rateUnit`). */
export type AccountUnit = NonNullable<ProviderCapabilities['rateUnit']>;

export interface AccountLimitsOptions {
  /** Units per second the account may send. Infinity: no cap. */
  rate: number;
  burst?: number;
  /** @default the provider's `capabilities.rateUnit`, else 'requests' */
  unit?: AccountUnit;
  floor?: number;
}
