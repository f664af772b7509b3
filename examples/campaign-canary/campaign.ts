import type { CampaignHandle, CanaryOptions, Relay } from '@relaykit/core';

export interface SpringSaleOptions {
  /** Names the campaign: running it again with the same id (and list) resumes it. */
  id: string;
  recipients: ReadonlyArray<string | { address: string; data?: Record<string, unknown> }>;
  /** The canary's size, thresholds and waits; relay.campaign's defaults otherwise (docs/campaigns.md). */
  canary?: CanaryOptions;
}

/**
 * The spring sale newsletter as a campaign: relay.campaign sends a canary cohort first (2% of the
 * list, at least 20, drawn across the recipient domains), holds until its outcomes are in, and
 * releases the rest only if its hard-bounce, complaint, block, deferral and send-failure rates stay within the
 * thresholds. A bad list (or a broken template) then costs a few bounces, not the domain's
 * reputation.
 */
export function sendSpringSale(relay: Relay, options: SpringSaleOptions): CampaignHandle {
  return relay.campaign({
    id: options.id,
    recipients: options.recipients,
    template: {
      from: 'Shop News <hello@news.shop.test>',
      subject: 'Spring sale',
      text: 'Everything 20% off.',
      stream: 'newsletter',
    },
    ...(options.canary ? { canary: options.canary } : {}),
  });
}
