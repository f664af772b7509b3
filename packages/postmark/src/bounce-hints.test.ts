import { classifyBounce, type BounceInput } from '@relaykit/core';
import { describe, expect, it } from 'vitest';
import { postmarkBounceHints } from './bounce-hints.ts';

/** Postmark's own bounce types, as core's classifier reads them through postmarkBounceHints. */
const hints: Array<[input: BounceInput, klass: string, category: string]> = [
  [{ hint: { provider: 'postmark', type: 'HardBounce' } }, 'hard', 'unknown-user'],
  [{ hint: { provider: 'postmark', type: 'SoftBounce' } }, 'soft', 'temporary'],
  [{ hint: { provider: 'postmark', type: 'Transient' } }, 'soft', 'temporary'],
  [{ hint: { provider: 'postmark', type: 'SpamNotification' } }, 'block', 'content'],
  [{ hint: { provider: 'postmark', type: 'Blocked' } }, 'block', 'policy'],
  [{ hint: { provider: 'postmark', type: 'DnsError' } }, 'soft', 'dns'],
  [{ hint: { provider: 'postmark', type: 'ManuallyDeactivated' } }, 'hard', 'suppressed'],
  [{ hint: { provider: 'postmark', type: 'SpamComplaint' } }, 'hard', 'complaint'],
  [{ hint: { provider: 'postmark', type: 'AutoResponder' } }, 'undetermined', 'auto-reply'],
  [{ hint: { provider: 'postmark', type: 'DMARCPolicy' } }, 'block', 'authentication'],
];

describe('classifyBounce: Postmark bounce types', () => {
  it.each(hints)('%j → %s / %s', (input, klass, category) => {
    expect(classifyBounce(input, postmarkBounceHints)).toMatchObject({ class: klass, category });
  });
});
