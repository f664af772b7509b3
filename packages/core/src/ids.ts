import { randomFillSync } from 'node:crypto';

// Ids draw their randomness from a pool refilled 4 KiB at a time and hex-encoded once per refill
// (the same CSPRNG; one call into it per 512 ids, and no encoding per id).
const pool = Buffer.alloc(4096);
let hex = '';
let offset = pool.length;

function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    hex = pool.toString('hex');
    offset = 0;
  }
  const out = hex.slice(offset * 2, (offset + bytes) * 2);
  offset += bytes;
  return out;
}

// Every id made within one millisecond shares its time prefix.
let prefixAt = Number.NaN;
let prefix = '';

/**
 * relaykit message ids: `rk_` + 9 base-36 digits of time + 16 hex digits of randomness. They sort
 * by creation time and are safe in every provider's tag and metadata character set.
 */
export function newMessageId(now = Date.now()): string {
  if (now !== prefixAt) {
    prefixAt = now;
    prefix = `rk_${now.toString(36).padStart(9, '0')}`;
  }
  return prefix + randomHex(8);
}

/** A random id for events and records. */
export function newId(prefix: string): string {
  return `${prefix}_${randomHex(12)}`;
}
