import { AddressError, normalizeDomain, parseAddress } from '../address.ts';

/**
 * The key a suppression is held under: a lower-case address, or `@domain` for a whole domain.
 * Throws AddressError naming what is wrong.
 */
export function suppressionAddress(raw: string): string {
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (text.startsWith('@')) {
    const domain = normalizeDomain(text.slice(1));
    if (domain === '')
      throw new AddressError(`"${text}" is not a domain; write a whole domain as @example.com`);
    return `@${domain}`;
  }
  return parseAddress(text).address.toLowerCase();
}
