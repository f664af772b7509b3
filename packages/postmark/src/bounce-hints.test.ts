import { classifyBounce, type BounceInput } from '@relaykit/core';
import { describe, expect, it } from 'vitest';
import { postmarkBounceHints } from './bounce-hints.ts';

/** Postmark's own bounce types, as core's classifier reads them through postmarkBounceHints. */
const hints: Array<[input: BounceInput, klass: string, category: string]> = [
  [{ hint: { type: 'HardBounce' } }, 'hard', 'unknown-user'],
  [{ hint: { type: 'SoftBounce' } }, 'soft', 'temporary'],
  [{ hint: { type: 'Transient' } }, 'soft', 'temporary'],
  [{ hint: { type: 'SpamNotification' } }, 'block', 'content'],
  [{ hint: { type: 'Blocked' } }, 'block', 'policy'],
  [{ hint: { type: 'DnsError' } }, 'soft', 'dns'],
  [{ hint: { type: 'ManuallyDeactivated' } }, 'hard', 'suppressed'],
  [{ hint: { type: 'SpamComplaint' } }, 'hard', 'complaint'],
  [{ hint: { type: 'AutoResponder' } }, 'undetermined', 'auto-reply'],
  [{ hint: { type: 'DMARCPolicy' } }, 'block', 'authentication'],
];

describe('classifyBounce: Postmark bounce types', () => {
  it.each(hints)('%j → %s / %s', (input, klass, category) => {
    expect(classifyBounce(input, postmarkBounceHints)).toMatchObject({ class: klass, category });
  });
});
