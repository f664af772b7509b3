import type { MessageInput, Relay } from '@relaykit/core';
import { watchCanary, type CanaryStats } from './canary.ts';

export interface CampaignOptions {
  recipients: readonly string[];
  message(recipient: string): MessageInput;
  /** Share of the list sent first. @default 0.02 */
  canaryShare?: number;
  /** Abort above these rates in the canary. @default bounces 5%, complaints 0.3% (Gmail's ceiling) */
  maxBounceRate?: number;
  maxComplaintRate?: number;
  /** How long to wait for the canary's delivery outcomes. @default 10 minutes */
  observeMs?: number;
  /** Extra wait for complaints after the outcomes are in. @default 1 hour */
  settleMs?: number;
}

export interface CampaignResult {
  status: 'sent' | 'aborted';
  canary: CanaryStats;
  /** Why the rest was not sent. */
  reason?: string;
  /** Messages accepted by the provider, canary included. */
  sent: number;
  /** Recipients never sent to because the campaign aborted. */
  held: number;
}

/**
 * Sends to a small canary first and holds the rest until the canary's bounce and complaint rates
 * are known: a bad list (or a broken template) then costs a few bounces, not the domain's reputation.
 */
export async function runCampaign(relay: Relay, options: CampaignOptions): Promise<CampaignResult> {
  const count = Math.min(
    options.recipients.length,
    Math.max(1, Math.ceil(options.recipients.length * (options.canaryShare ?? 0.02))),
  );
  const canary = options.recipients.slice(0, count);
  const rest = options.recipients.slice(count);

  const watcher = watchCanary(relay);
  const first = await relay.sendBatch(canary.map(options.message));
  const accepted = first.flatMap((r) => (r.ok && r.report.status !== 'none' ? [r.messageId] : []));
  const stats = await watcher.observe(accepted, first.length - accepted.length, {
    timeoutMs: options.observeMs ?? 600_000,
    settleMs: options.settleMs ?? 3_600_000,
  });

  const maxBounce = options.maxBounceRate ?? 0.05;
  const maxComplaint = options.maxComplaintRate ?? 0.003;
  const over =
    stats.bounceRate > maxBounce
      ? `canary bounce rate ${(stats.bounceRate * 100).toFixed(1)}% is over ${maxBounce * 100}%`
      : stats.complaintRate > maxComplaint
        ? `canary complaint rate ${(stats.complaintRate * 100).toFixed(1)}% is over ${maxComplaint * 100}%`
        : undefined;
  if (over)
    return {
      status: 'aborted',
      canary: stats,
      reason: `${over}; check the list and the content before sending to the rest`,
      sent: accepted.length,
      held: rest.length,
    };

  const results = await relay.sendBatch(rest.map(options.message));
  return {
    status: 'sent',
    canary: stats,
    sent: accepted.length + results.filter((r) => r.ok && r.report.status !== 'none').length,
    held: 0,
  };
}
