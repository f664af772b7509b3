import { classifyBounce, type BounceInput } from '@relaykit/core';
import { describe, expect, it } from 'vitest';
import { resendBounceHints } from './bounce-hints.ts';

/** Resend's own bounce types, as core's classifier reads them through resendBounceHints. */
const hints: Array<[input: BounceInput, klass: string, category: string]> = [
  [{ hint: { type: 'Permanent', subType: 'Suppressed' } }, 'hard', 'suppressed'],
  [{ hint: { type: 'Transient', subType: 'MailboxFull' } }, 'soft', 'mailbox-full'],
];

describe('classifyBounce: Resend bounce types', () => {
  it.each(hints)('%j → %s / %s', (input, klass, category) => {
    expect(classifyBounce(input, resendBounceHints)).toMatchObject({ class: klass, category });
  });
});
