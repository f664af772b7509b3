import { classifyBounce, type BounceInput } from '@relaykit/core';
import { describe, expect, it } from 'vitest';
import { mailgunBounceHints } from './bounce-hints.ts';

/** Mailgun's own bounce types, as core's classifier reads them through mailgunBounceHints. */
const hints: Array<[input: BounceInput, klass: string, category: string]> = [
  [
    {
      hint: { type: 'permanent', subType: 'suppress-bounce' },
      smtpStatus: 605,
      diagnostic: 'Not delivering to previously bounced address',
    },
    'hard',
    'suppressed',
  ],
  [{ hint: { type: 'temporary', subType: 'espblock' } }, 'block', 'reputation'],
  [{ hint: { type: 'permanent', subType: 'old' }, diagnostic: 'Too old' }, 'soft', 'expired'],
  [{ hint: { type: 'permanent', subType: 'bounce' } }, 'hard', 'unknown'],
  [{ hint: { type: 'temporary', subType: 'greylisted' }, smtpStatus: 450 }, 'soft', 'temporary'],
];

describe('classifyBounce: Mailgun bounce types', () => {
  it.each(hints)('%j → %s / %s', (input, klass, category) => {
    expect(classifyBounce(input, mailgunBounceHints)).toMatchObject({ class: klass, category });
  });
});
