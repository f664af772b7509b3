import type { MessageInput } from '../message.ts';
import type { CampaignPhase } from '../stores.ts';

/** One recipient of a templated campaign: an address, or one with its own merge data. */
export type CampaignRecipient = string | { address: string; data?: Record<string, unknown> };

/**
 * The message every recipient of a templated campaign gets: a MessageInput without recipients or
 * id. A provider template's `data` is merged with each recipient's own.
 */
export type CampaignTemplate = Omit<MessageInput, 'to' | 'cc' | 'bcc' | 'id' | 'idempotencyKey'>;

export type CanaryMetric = 'hard-bounce' | 'complaint' | 'block' | 'deferral' | 'send-failure';

/** Rates (0–1) of the canary's attempted messages above which the campaign stops. */
export type CanaryThresholds = Record<CanaryMetric, number>;

export interface CanaryOptions {
  /** Cohort size as a count. Wins over `fraction`. */
  size?: number;
  /** Cohort size as a share of the list. @default 0.02 */
  fraction?: number;
  /** Smallest cohort (capped at the list's size). @default 20 */
  min?: number;
  /** Stop above these rates; the defaults and their sources are in DEFAULT_CANARY_THRESHOLDS. */
  thresholds?: Partial<CanaryThresholds>;
  /** Longest wait for the canary's outcomes. @default 10 minutes */
  timeoutMs?: number;
  /** Share of the attempted canary messages that must report an outcome before the verdict. @default 0.9 */
  minOutcomes?: number;
  /** Extra wait once enough outcomes are in, for complaints that come after delivery. @default 60 s */
  settleMs?: number;
}

export interface CampaignPace {
  /** Messages handed to the outbox per second, at most. @default no limit (the throttle paces) */
  perSecond?: number;
  /** Messages of the campaign in the outbox and not yet answered, at most. @default 200 */
  window?: number;
}

interface CampaignBase {
  /** Names the campaign; running it again with the same id resumes it. [A-Za-z0-9_.:-], ≤ 64. */
  id: string;
  /** A canary stage first (default), or false to release everything at once. */
  canary?: CanaryOptions | false;
  pace?: CampaignPace;
  /**
   * What a provider outage (a send failing with a provider-side fault and no other provider to
   * take it) does: pause the release until a retried message goes through, or keep releasing
   * into the outbox. @default 'pause'
   */
  onOutage?: 'pause' | 'continue';
  /** Start the relay's queue workers in this process. @default true */
  startWorkers?: boolean;
}

export type CampaignOptions = CampaignBase &
  (
    | { messages: readonly MessageInput[] }
    | {
        recipients: readonly CampaignRecipient[];
        template:
          | CampaignTemplate
          | ((recipient: { address: string; data: Record<string, unknown> }) => MessageInput);
      }
  );

export interface CampaignCounts {
  /** Recipients in the list (duplicates dropped). */
  total: number;
  /** Handed to the outbox. */
  released: number;
  /** Accepted by a provider. */
  sent: number;
  /** Dropped at send time: on the suppression list. */
  suppressed: number;
  /** Refused by the provider for this recipient. */
  rejected: number;
  /** Not sent: a permanent failure, or expired in the outbox. */
  failed: number;
  /** Released and not answered yet. */
  pending: number;
  delivered: number;
  bounced: number;
  complained: number;
  /** Deferred at least once. */
  deferred: number;
}

export interface CanaryBreach {
  /** The threshold crossed; 'outcomes' when too few outcomes came back in time. */
  threshold: CanaryMetric | 'outcomes';
  rate: number;
  limit: number;
  count: number;
  of: number;
  /** Where the offending outcomes were, most first. */
  domains: Array<{ domain: string; profile: string; count: number }>;
  /**
   * Mailbox-provider profiles of those domains: google, microsoft, yahoo, apple, a provider named
   * in the throttle's `mx.mxSuffixes`, or 'other'; never a domain.
   */
  profiles: string[];
  /** The relay providers that carried them. */
  providers: string[];
  message: string;
}

export interface CanaryReport {
  size: number;
  /**
   * Sent to a provider (accepted, or refused by it: for the recipient, or for good at send time);
   * the rates' denominator.
   */
  attempted: number;
  /** Attempted messages with an outcome when the verdict was made. */
  outcomes: number;
  delivered: number;
  hardBounced: number;
  blocked: number;
  complained: number;
  deferred: number;
  suppressed: number;
  /** Failed for good at send time (the 'send-failure' metric); their errors are in its breach. */
  failed: number;
  rates: Record<CanaryMetric, number>;
  thresholds: CanaryThresholds;
  verdict: 'passed' | 'breached';
  breaches: CanaryBreach[];
}

export interface CampaignProgress extends CampaignCounts {
  id: string;
  phase: CampaignPhase;
  /** Why the release is paused (by you, the health guard or an outage), when it is. */
  paused?: string;
  canary?: CanaryReport;
}

export interface CampaignReport extends CampaignCounts {
  id: string;
  status: 'completed' | 'stopped' | 'cancelled';
  /** Why it stopped or was cancelled. */
  reason?: string;
  canary?: CanaryReport;
  /** Pauses during the run, with their reasons. */
  pauses: Array<{ at: string; reason: string }>;
  startedAt: string;
  finishedAt: string;
}

export interface CampaignHandle {
  readonly id: string;
  /** The counts now. */
  readonly progress: CampaignProgress;
  /** Called on every change of the counts, phase or pause; returns the unsubscribe. */
  on(listener: (progress: CampaignProgress) => void): () => void;
  /** Holds the release (messages already in the outbox still go). */
  pause(reason?: string): void;
  /** Lifts any pause (yours, the health guard's, an outage's). */
  resume(): void;
  /** Ends the campaign: nothing more is released; `done` resolves with status 'cancelled'. */
  cancel(reason?: string): void;
  /** The final report; rejects only on a store or option error. */
  readonly done: Promise<CampaignReport>;
}
