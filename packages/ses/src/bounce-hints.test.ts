import { classifyBounce, type BounceInput } from '@relaykit/core';
import { describe, expect, it } from 'vitest';
import { sesBounceHints } from './bounce-hints.ts';

/** SES's own bounce types, as core's classifier reads them through sesBounceHints. */
const hints: Array<[input: BounceInput, klass: string, category: string]> = [
  [{ hint: { type: 'Permanent', subType: 'General' } }, 'hard', 'unknown'],
  [{ hint: { type: 'Permanent', subType: 'NoEmail' } }, 'hard', 'unknown-user'],
  [
    {
      hint: { type: 'Permanent', subType: 'OnAccountSuppressionList' },
      diagnostic:
        'Amazon SES did not send the message to this address because it is on the suppression list for your account.',
    },
    'hard',
    'suppressed',
  ],
  [{ hint: { type: 'Permanent', subType: 'Suppressed' } }, 'hard', 'suppressed'],
  [{ hint: { type: 'Transient', subType: 'MailboxFull' } }, 'soft', 'mailbox-full'],
  [{ hint: { type: 'Transient', subType: 'MessageTooLarge' } }, 'block', 'message-too-large'],
  [{ hint: { type: 'Transient', subType: 'ContentRejected' } }, 'block', 'content'],
  [{ hint: { type: 'Transient', subType: 'AttachmentRejected' } }, 'block', 'content'],
  [{ hint: { type: 'Transient', subType: 'General' } }, 'soft', 'temporary'],
  [{ hint: { type: 'Undetermined', subType: 'Undetermined' } }, 'undetermined', 'unknown'],
  [
    {
      hint: { type: 'Permanent', subType: 'General' },
      diagnostic: 'smtp; 550 5.1.1 user unknown',
    },
    'hard',
    'unknown-user',
  ],
  [
    {
      hint: { type: 'Permanent', subType: 'General' },
      diagnostic: 'smtp; 550 5.7.1 blocked using zen.spamhaus.org',
    },
    'block',
    'blocklist',
  ],
];

describe('classifyBounce: SES bounce types', () => {
  it.each(hints)('%j → %s / %s', (input, klass, category) => {
    expect(classifyBounce(input, sesBounceHints)).toMatchObject({ class: klass, category });
  });
});
