import type { RelayName } from './relays.ts';

/**
 * How a fix names the settings a user changes: library option names for code that calls
 * `checkDomain`, command-line flags for `relaykit doctor`. A hint must name something the reader
 * can type where they are.
 */
export interface Hints {
  /** Where the DKIM selectors of this relay go. */
  selectors(relay: RelayName, example: string): string;
  /** Where a return-path (MAIL FROM) domain goes, once it is set up at the relay. */
  mailFrom(host: string): string;
  /** What to do when a DNS query could not be answered (timeout, refused, offline). */
  unreachable(name: string): string;
}

export type HintStyle = 'library' | 'cli';

const library: Hints = {
  selectors: (relay, example) => `Pass ${example} as dkimSelectors of the ${relay} provider`,
  mailFrom: () => 'pass it as mailFrom',
  unreachable: (name) =>
    `Could not read ${name} (the DNS query failed, so nothing was checked); make sure a DNS server answers (pass a resolver with setServers([...]) to use another), then check again.`,
};

const cli: Hints = {
  selectors: (relay, example) =>
    `Give ${example} with --selector ${relay}:<selector> (one flag per selector)`,
  mailFrom: (host) => `run the doctor with --mail-from ${host}`,
  unreachable: (name) =>
    `Could not read ${name} (the DNS query failed, so nothing was checked); check the network, or ask another server with --dns <ip>, then run the doctor again.`,
};

export const hintsFor = (style: HintStyle | undefined): Hints => (style === 'cli' ? cli : library);
