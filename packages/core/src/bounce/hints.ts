import type { BounceClass } from '../events.ts';
import type { BounceCategory } from './categories.ts';

/**
 * What a provider said about a bounce, as its adapter passes it: the provider's own type and
 * subtype names (read through that provider's `BounceHints`), or `permanent` alone when only
 * "permanent or not" is known.
 */
export interface BounceHint {
  provider?: string;
  type?: string;
  subType?: string;
  permanent?: boolean;
}

export interface HintMeaning {
  category: BounceCategory;
  class?: BounceClass;
  /** On a type name that says by itself whether the failure is permanent ('Permanent', 'SoftBounce'). */
  permanent?: boolean;
}

/** One entry of a provider's vocabulary, with where its meaning comes from (docs URL, SDK file). */
export type HintEntry = HintMeaning & { source?: string };

/**
 * A provider's bounce vocabulary: what each of its bounce type names means, keyed `type/subtype`,
 * `type` or `subtype` in lower-case letters and digits. Build it with `bounceHints`; an adapter
 * gives it as `Provider.bounceHints` and hands it to `classifiedBounce`.
 */
export type BounceHints = ReadonlyMap<string, HintEntry>;

const key = (value: unknown): string =>
  typeof value === 'string' ? value.toLowerCase().replace(/[^a-z0-9]/gu, '') : '';

/**
 * A provider's vocabulary from its own spellings: `['Permanent/OnAccountSuppressionList', ...]`
 * and `['suppress-bounce', ...]` are stored as `permanent/onaccountsuppressionlist` and
 * `suppressbounce`, as the classifier looks them up. An entry may name several types that mean
 * the same: `[['SpamNotification', 'VirusNotification'], { category: 'content' }]`.
 */
export function bounceHints(
  entries: Iterable<readonly [string | readonly string[], HintEntry]>,
): BounceHints {
  const table = new Map<string, HintEntry>();
  for (const [names, entry] of entries)
    for (const name of typeof names === 'string' ? [names] : names)
      table.set(name.split('/').map(key).join('/'), entry);
  return table;
}

/**
 * The meaning of a provider's bounce type in its vocabulary (`type/subtype`, then `subtype`, then
 * `type`), or what `permanent` alone says, or undefined.
 */
export function readHint(
  hint: BounceHint | undefined,
  hints: BounceHints | undefined,
): HintMeaning | undefined {
  if (!hint || typeof hint !== 'object') return undefined;
  const type = key(hint.type);
  const subType = key(hint.subType);
  const found = hints
    ? ((type && subType ? hints.get(`${type}/${subType}`) : undefined) ??
      (subType && subType !== 'general' && subType !== 'undetermined'
        ? hints.get(subType)
        : undefined) ??
      (type ? hints.get(type) : undefined))
    : undefined;
  if (found)
    return found.class === undefined
      ? { category: found.category }
      : { category: found.category, class: found.class };
  if (hint.permanent === true) return { category: 'unknown', class: 'hard' };
  if (hint.permanent === false) return { category: 'temporary' };
  return undefined;
}

/** Whether the hint says the failure is permanent (true), temporary (false), or does not say. */
export function hintPermanence(
  hint: BounceHint | undefined,
  hints: BounceHints | undefined,
): boolean | undefined {
  if (!hint || typeof hint !== 'object') return undefined;
  if (typeof hint.permanent === 'boolean') return hint.permanent;
  return hints?.get(key(hint.type))?.permanent;
}
