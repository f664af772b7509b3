import { randomBytes } from 'node:crypto';

/**
 * relaykit message ids: `rk_` + 9 base-36 digits of time + 16 hex digits of randomness. They sort
 * by creation time and are safe in every provider's tag and metadata character set.
 */
export function newMessageId(now = Date.now()): string {
  return `rk_${now.toString(36).padStart(9, '0')}${randomBytes(8).toString('hex')}`;
}

/** A random id for events and records. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}
