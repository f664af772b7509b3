import { describe, expect, it } from 'vitest';
import { bounceHints, readHint } from './hints.ts';

describe('bounceHints', () => {
  it('stores each name of an entry, in the spelling the classifier looks up', () => {
    const hints = bounceHints([
      ['Permanent/OnAccountSuppressionList', { category: 'suppressed' }],
      [['SpamNotification', 'Virus-Notification'], { category: 'content', source: 'docs' }],
    ]);
    expect([...hints.keys()]).toEqual([
      'permanent/onaccountsuppressionlist',
      'spamnotification',
      'virusnotification',
    ]);
    expect(readHint({ type: 'VirusNotification' }, hints)).toEqual({ category: 'content' });
    expect(readHint({ type: 'spam_notification' }, hints)).toEqual({ category: 'content' });
  });
});
