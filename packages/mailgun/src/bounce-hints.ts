import { bounceHints } from '@relaykit/core/adapter';

const source = 'Mailgun failed-event reasons: documentation.mailgun.com (Events, event types)';

/**
 * Mailgun's bounce vocabulary: a failed event's `severity/reason` ('permanent' | 'temporary',
 * 'bounce', 'suppress-bounce', ...); a reason alone resolves too.
 */
export const mailgunBounceHints = bounceHints([
  ['permanent', { category: 'unknown', class: 'hard', permanent: true, source }],
  ['temporary', { category: 'temporary', permanent: false, source }],
  ['permanent/bounce', { category: 'unknown', class: 'hard', source }],
  ['permanent/generic', { category: 'unknown', source }],
  ['temporary/generic', { category: 'temporary', source }],
  [
    ['suppress-bounce', 'suppress-complaint', 'suppress-unsubscribe'],
    { category: 'suppressed', source },
  ],
  ['espblock', { category: 'reputation', source }],
  ['greylisted', { category: 'temporary', source }],
  ['old', { category: 'expired', source }],
]);
