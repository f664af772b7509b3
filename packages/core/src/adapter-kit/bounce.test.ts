import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyBounce } from '../bounce/classify.ts';
import type { BounceHint } from '../bounce/hints.ts';
import { classifiedBounce, type BounceFacts } from './bounce.ts';

describe('classifiedBounce', () => {
  it('gives the verdict of classifyBounce for every input, however often the same one recurs', () => {
    // A small pool, so that inputs recur and differ in one field at a time.
    const facts = fc.record(
      {
        smtpStatus: fc.constantFrom(421, 450, 550, 552, 554),
        enhancedStatus: fc.constantFrom('5.1.1', '4.2.2', '5.7.1', '4.0.0', '5.1.10'),
        diagnostic: fc.constantFrom(
          'user unknown',
          'mailbox full',
          'blocked using spamhaus',
          'try again later',
          'Recipient address rejected: Access denied',
          'in reply to MAIL FROM command: user unknown',
          'smtp; 550 5.1.1 <gone@example.org>: Recipient address rejected',
        ),
      },
      { requiredKeys: [] },
    );
    const hint = fc.option(
      fc.record(
        {
          provider: fc.constantFrom('ses', 'postmark', 'mailgun'),
          type: fc.constantFrom('Permanent', 'Transient', 'HardBounce', 'permanent', 'temporary'),
          subType: fc.constantFrom('General', 'NoEmail', 'Suppressed', 'bounce'),
          permanent: fc.boolean(),
        },
        { requiredKeys: [] },
      ),
      { nil: undefined },
    );
    fc.assert(
      fc.property(facts, hint, (f: BounceFacts, h: BounceHint | undefined) => {
        const expected = classifyBounce(h === undefined ? f : { ...f, hint: h });
        expect(classifiedBounce(f, h)).toEqual({
          class: expected.class,
          category: expected.category,
          ...f,
        });
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses a smtpStatus that is not a code, every time', () => {
    for (let i = 0; i < 2; i += 1)
      expect(() => classifiedBounce({ smtpStatus: 'five' as unknown as number })).toThrow(
        /not an SMTP reply code/u,
      );
  });
});
