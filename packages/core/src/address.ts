import { domainToASCII } from 'node:url';
import emailAddresses from 'email-addresses';
import { headerFault, headerUnsafePattern } from './header-safety.ts';

/** A mailbox: the address (domain in lower-case ASCII, IDN converted) and an optional display name. */
export interface Address {
  address: string;
  name?: string;
}

export type AddressInput = string | { address: string; name?: string | undefined };

const localPartPattern = /^[^\s"<>(),;:\\[\]@]+$/u;
// CR/LF header injection and every other control character (see header-safety.ts).
const controlPattern = headerUnsafePattern;

/** Why an address could not be read; the message names what to change. */
export class AddressError extends Error {
  override readonly name = 'AddressError';
}

/** Splits `Name <local@domain>` or `local@domain` into its parts. */
function split(input: string): { name?: string; address: string } {
  if (!input.includes('<')) return { address: input.trim() };
  const angle = /^(.*)<([^<>]*)>\s*$/su.exec(input);
  if (!angle) return { address: input.trim() };
  let name = (angle[1] ?? '').trim();
  if (name.startsWith('"') && name.endsWith('"') && name.length >= 2) {
    name = name.slice(1, -1).replace(/\\(.)/gu, '$1');
  }
  return name === ''
    ? { address: (angle[2] ?? '').trim() }
    : { name, address: (angle[2] ?? '').trim() };
}

/** Normalises a domain: IDN to punycode, lower case, no trailing dot. Returns '' when invalid. */
export function normalizeDomain(domain: string): string {
  const known = domainCache.get(domain);
  if (known !== undefined) return known;
  const normalized = normalizeUncached(domain);
  // Recipient domains repeat endlessly (gmail.com ...): remember a bounded number of answers.
  if (domainCache.size >= 10_000) domainCache.clear();
  domainCache.set(domain, normalized);
  return normalized;
}

const domainCache = new Map<string, string>();

function normalizeUncached(domain: string): string {
  const trimmed = domain.trim().replace(/\.$/u, '');
  if (trimmed === '' || controlPattern.test(trimmed)) return '';
  const ascii = domainToASCII(trimmed.toLowerCase());
  if (ascii === '' || !ascii.includes('.') || ascii.length > 253) return '';
  if (!ascii.split('.').every((label) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/u.test(label))) {
    return '';
  }
  return ascii;
}

/**
 * What parseAddress returns: an ordinary { address, name? } mailbox that also remembers its
 * normalised domain, privately. That domain is the string normalizeDomain keeps for every address
 * at the domain, so the pipeline (throttle, health guard) finds a domain's budgets by a string
 * whose hash is already known, instead of slicing and hashing every address again. Serialised,
 * spread or cloned, it is a plain { address, name } again, and addressDomain falls back to
 * reading the address.
 */
class Mailbox implements Address {
  declare address: string;
  declare name?: string;
  readonly #domain: string;

  constructor(address: string, domain: string, name: string | undefined) {
    this.address = address;
    if (name !== undefined) this.name = name;
    this.#domain = domain;
  }

  static domainOf(address: Address): string | undefined {
    return #domain in address ? address.#domain : undefined;
  }

  copy(): Mailbox {
    return new Mailbox(this.address, this.#domain, this.name);
  }
}

/** The domain of a mailbox, normalised: remembered from parseAddress, else read off the address. */
export function addressDomain(address: Address): string {
  return Mailbox.domainOf(address) ?? domainOf(address.address);
}

/**
 * Parses and normalises one mailbox. Refuses CR/LF and other control characters anywhere, so a
 * header can never be injected through an address or display name.
 */
export function parseAddress(input: AddressInput): Address {
  const raw =
    typeof input === 'string' ? split(input) : { address: input.address, name: input.name };
  if (typeof raw.address !== 'string') throw new AddressError('address must be a string');
  if (
    (typeof input === 'string' && controlPattern.test(input)) ||
    controlPattern.test(raw.address) ||
    (raw.name !== undefined && controlPattern.test(raw.name))
  ) {
    const fault =
      headerFault(typeof input === 'string' ? input : raw.address) ??
      headerFault(raw.name ?? '') ??
      '';
    throw new AddressError(`address contains a line break or control character: ${fault}`);
  }
  const at = raw.address.lastIndexOf('@');
  if (at <= 0 || at === raw.address.length - 1) {
    throw new AddressError(`"${raw.address}" is not an email address (expected local@domain)`);
  }
  const local = raw.address.slice(0, at);
  const domain = normalizeDomain(raw.address.slice(at + 1));
  if (
    !localPartPattern.test(local) ||
    local.length > 64 ||
    local.startsWith('.') ||
    local.endsWith('.') ||
    local.includes('..')
  ) {
    throw new AddressError(`"${raw.address}" has an invalid local part`);
  }
  if (domain === '') throw new AddressError(`"${raw.address}" has an invalid domain`);
  const name = raw.name?.trim();
  return new Mailbox(`${local}@${domain}`, domain, name || undefined);
}

const remembered = new Map<string, Mailbox>();

/**
 * parseAddress for an input that repeats (a message's sender is the same on every message): the
 * answer for each string is remembered, a bounded number of them, and every call still gets an
 * object of its own. What cannot be parsed is not remembered: it throws every time.
 */
export function parseRepeatedAddress(input: AddressInput): Address {
  if (typeof input !== 'string') return parseAddress(input);
  let known = remembered.get(input);
  if (known === undefined) {
    known = parseAddress(input) as Mailbox;
    if (remembered.size >= 1000) remembered.clear();
    remembered.set(input, known);
  }
  return known.copy();
}

/** The comparison key of an address: providers and mailbox providers treat it case-insensitively. */
export function addressKey(address: string): string {
  return address.toLowerCase();
}

/** The domain part of a normalised address. */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** Formats a mailbox for a header: `"Name" <local@domain>` with the name quoted when needed. */
export function formatAddress(address: Address): string {
  if (!address.name) return address.address;
  const plain = /^[\p{L}\p{N} !#$%&'*+\-/=?^_`{|}~]+$/u.test(address.name);
  const name = plain ? address.name : `"${address.name.replace(/(["\\])/gu, '\\$1')}"`;
  return `${name} <${address.address}>`;
}

/**
 * Reads an RFC 5322 address list (`a@x.test, "Doe, J" <b@y.test>`, also `;`-separated as mail
 * clients write it, and groups `Team: a@x.test, b@y.test;`) into mailboxes, each normalised by
 * parseAddress. The grammar is the email-addresses package's (RFC 5322 §3.4 with RFC 6532 UTF-8),
 * used only when the string has a comma or semicolon: a single address keeps the fast path.
 * A string the list grammar cannot read is tried as one mailbox (`Doe, J <j@x.test>`, unquoted).
 */
export function parseAddressList(input: string): Address[] {
  if (!input.includes(',') && !input.includes(';')) return [parseAddress(input)];
  if (controlPattern.test(input)) {
    throw new AddressError(
      `address contains a line break or control character: ${headerFault(input) ?? ''}`,
    );
  }
  const parsed =
    emailAddresses.parseAddressList({ input, rfc6532: true }) ??
    (input.includes(';') && !input.includes(':')
      ? emailAddresses.parseAddressList({ input, rfc6532: true, addressListSeparator: ';' })
      : null);
  if (parsed === null) {
    try {
      return [parseAddress(input)];
    } catch {
      throw new AddressError(
        `"${input}" is neither an address nor an RFC 5322 address list; separate addresses with commas and quote display names that contain one ("Doe, J" <j@x.test>)`,
      );
    }
  }
  const out: Address[] = [];
  for (const entry of parsed) {
    const mailboxes = entry.type === 'group' ? entry.addresses : [entry];
    for (const m of mailboxes) {
      out.push(
        parseAddress(m.name ? { address: m.address, name: m.name } : { address: m.address }),
      );
    }
  }
  return out;
}
