import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyBounce } from '../bounce/classify.ts';
import { bounceHints, type BounceHint, type BounceHints } from '../bounce/hints.ts';
import { classifiedBounce, type BounceFacts } from './bounce.ts';

describe('classifiedBounce', () => {
  it('gives the verdict of classifyBounce for every input, however often the same one recurs', () => {
    // A small pool, so that inputs recur and differ in one field at a time.
    const facts = fc.record(
      {
        // The memo's key keeps types and separators apart: '550' and 550, '' and absent, a text
        // holding the key's separator.
        smtpStatus: fc.constantFrom<number | string>(421, 450, 550, 552, 554, '550', '421'),
        enhancedStatus: fc.constantFrom('5.1.1', '4.2.2', '5.7.1', '4.0.0', '5.1.10', ''),
        diagnostic: fc.constantFrom(
          'user unknown',
          'mailbox full',
          'blocked using spamhaus',
          'try again later',
          'Recipient address rejected: Access denied',
          'in reply to MAIL FROM command: user unknown',
          'smtp; 550 5.1.1 <gone@example.org>: Recipient address rejected',
          'smtp; 550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown',
          'smtp; 550 5.1.1 <spf@example.org>: Recipient address rejected: User unknown',
          '550 5.1.1 <4.2.2@example.org> user unknown in reply to RCPT TO',
          'gone@example.org: mailbox full',
          'user\u0001unknown',
          'mailbox full\u0001',
          '',
        ),
        stage: fc.constantFrom('mail', 'rcpt', 'data'),
      },
      { requiredKeys: [] },
    );
    const hint = fc.option(
      fc.record(
        {
          provider: fc.constantFrom('ses', 'postmark', 'mailgun'),
          type: fc.constantFrom('Permanent', 'Transient', 'HardBounce', 'permanent', 'temporary'),
          subType: fc.constantFrom('General', 'NoEmail', 'Suppressed', 'bounce', 'bounce\u0001'),
          permanent: fc.boolean(),
        },
        { requiredKeys: [] },
      ),
      { nil: undefined },
    );
    // Two vocabularies that read the same names differently, and none: a verdict is kept per vocabulary.
    const hardTable = bounceHints([
      ['Permanent', { category: 'unknown-user', permanent: true }],
      ['Transient/General', { category: 'unknown', class: 'soft' }],
      ['bounce', { category: 'unknown-user', class: 'hard' }],
    ]);
    const softTable = bounceHints([
      ['Permanent', { category: 'unknown', permanent: false }],
      ['HardBounce', { category: 'unknown-user', class: 'hard' }],
      ['bounce', { category: 'mailbox-full', class: 'soft' }],
    ]);
    const hints = fc.constantFrom<BounceHints | undefined>(undefined, hardTable, softTable);
    fc.assert(
      fc.property(facts, hint, hints, (f, h: BounceHint | undefined, table) => {
        const expected = classifyBounce(h === undefined ? f : { ...f, hint: h }, table);
        expect(classifiedBounce(f as BounceFacts, h, table)).toEqual({
          class: expected.class,
          category: expected.category,
          ...f,
        });
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps a verdict per vocabulary: the same bounce reads differently through another provider', () => {
    const hard = bounceHints([['bounce', { category: 'unknown-user', class: 'hard' }]]);
    const soft = bounceHints([['bounce', { category: 'mailbox-full', class: 'soft' }]]);
    const hint = { type: 'Permanent', subType: 'bounce' };
    for (let i = 0; i < 2; i += 1) {
      expect(classifiedBounce({}, hint, hard)).toMatchObject({ class: 'hard' });
      expect(classifiedBounce({}, hint, soft)).toMatchObject({ class: 'soft' });
      expect(classifiedBounce({}, hint)).toMatchObject({ class: 'undetermined' });
    }
  });

  it('refuses a smtpStatus that is not a code, every time', () => {
    for (let i = 0; i < 2; i += 1)
      expect(() => classifiedBounce({ smtpStatus: 'five' as unknown as number })).toThrow(
        /not an SMTP reply code/u,
      );
  });
});
