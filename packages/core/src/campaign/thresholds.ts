import type { CanaryThresholds } from './types.ts';

/**
 * The rates (of the canary's attempted messages) above which a campaign stops before the rest of
 * the list is sent.
 *
 * - complaint 0.3%: Gmail's and Yahoo's 2024 bulk-sender requirements ("keep spam rates reported
 *   in Postmaster Tools below 0.3%", https://support.google.com/a/answer/81126; "keep your spam
 *   rate below 0.3%", https://senders.yahooinc.com/best-practices/). Gmail advises staying below
 *   0.1%; in a canary of a few hundred, one complaint is already past both.
 * - hard-bounce 5%: Amazon SES reviews an account whose bounce rate reaches 5% ("maintain a bounce
 *   rate below 5%", https://docs.aws.amazon.com/ses/latest/dg/faqs-enforcement.html); a sample of
 *   the list bouncing more than that means the list is stale, and sending the rest would take the
 *   account under review.
 * - block 2%: policy and reputation refusals (5.7.x) are about the sender, not the recipient
 *   (RFC 3463 §3.8); no provider publishes a rate, so relaykit stops at 2%, the low end of the
 *   warning range operators use for bounces.
 * - deferral 20%: Gmail asks senders to "reduce the sending volume" when deferrals appear
 *   (https://support.google.com/a/answer/81126); a fifth of the canary deferred says the
 *   receivers are slowing this sender down. relaykit's choice, not a published figure.
 * - send-failure 5%: messages a provider refused for good when asked to send them (a template
 *   the account does not have, a message it will not carry, credentials it refuses; outages and
 *   other transient failures are retried and are not counted). They fail the same way for the
 *   rest of the list; stopping at the hard-bounce rate keeps one bad recipient's data from
 *   stopping a campaign. relaykit's choice, not a published figure.
 */
export const DEFAULT_CANARY_THRESHOLDS: Readonly<CanaryThresholds> = {
  complaint: 0.003,
  'hard-bounce': 0.05,
  block: 0.02,
  deferral: 0.2,
  'send-failure': 0.05,
};
