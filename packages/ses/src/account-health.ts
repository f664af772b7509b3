import type { AccountHealthThresholds } from '@relaykit/core/adapter';

/**
 * Where SES reviews and pauses an account: a bounce rate of 5% puts it under review and 10% may
 * pause sending; a complaint rate of 0.1% puts it under review and 0.5% may pause it
 * (https://docs.aws.amazon.com/ses/latest/dg/faqs-enforcement.html). The relay's health guard
 * warns at the review rates and pauses the sending domain at the pause rates.
 */
export const sesAccountHealth: AccountHealthThresholds = {
  bounceRate: { warn: 0.05, pause: 0.1 },
  complaintRate: { warn: 0.001, pause: 0.005 },
};
