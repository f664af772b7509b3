import type { RelayError } from './errors.ts';
import type { DeliveryEvent } from './events.ts';
import type { Provider } from './provider.ts';
import type { ThrottleEvent } from './throttle/events.ts';

/**
 * The throttle as the pipeline sees it: wait for tokens before an attempt, and learn from what
 * came back. The default implementation is `createThrottle` (per mailbox provider, adaptive).
 */
export interface ThrottlePort {
  /**
   * Resolves when the send may go to `provider` for these recipients; rejects with a RelayError
   * of kind 'rate-limited' (with retryAfterMs) when tokens cannot be had before `deadline`.
   */
  acquire(request: {
    provider: string;
    recipients: readonly string[];
    /**
     * The recipients' domains, normalised (lower-case ASCII), in the same order, when the caller
     * has them at hand (the relay does); a throttle may use them instead of reading each address.
     */
    domains?: readonly string[];
    deadline: number;
    signal?: AbortSignal;
  }): Promise<void>;
  /** What a send or an event says about the pace. */
  report(outcome: ThrottleOutcome): void;
  /** Called once by createRelay: the providers (for their account limits) and where changes of pace go. */
  attach?(context: ThrottleContext): void;
  /** The profile key a domain's sends count against ('google', ... or the domain itself). */
  profileOf?(domain: string): Promise<string>;
}

export interface ThrottleContext {
  providers: readonly Provider[];
  emit(event: ThrottleEvent): void;
}

export type ThrottleOutcome =
  | { type: 'sent'; provider: string; recipients: readonly string[] }
  | { type: 'error'; provider: string; recipients: readonly string[]; error: RelayError }
  | { type: 'event'; event: DeliveryEvent };

/** What the suppression policy decided about one event. */
export interface PolicyDecision {
  type: 'suppressed' | 'strike' | 'alert' | 'none';
  address?: string;
  reason?: string;
}

/**
 * The policy fed by every DeliveryEvent: decides suppressions, strikes and alerts. The default is
 * `createSuppressionPolicy`.
 */
export interface EventPolicy {
  handle(event: DeliveryEvent): Promise<PolicyDecision[]>;
  /** Forgets what the policy holds about an address (strikes) once a person removes its suppression. */
  forget?(address: string): Promise<void>;
}

/** Says whether a sending domain is paused (account-health guard) before a send. */
export interface SendGuard {
  /** A reason when sends from this domain through this provider must not go out now. */
  blocked(fromDomain: string, provider?: string): Promise<string | undefined> | string | undefined;
  handle?(event: DeliveryEvent): Promise<void> | void;
  recordSend?(fromDomain: string, provider: string, recipients: number): void;
  /** Lifts a pause on a sending domain once its cause is fixed. */
  resume?(fromDomain: string): void;
  /** Called by createRelay with its providers (the health guard reads `Provider.accountHealth`). */
  attach?(context: { providers: readonly Provider[] }): void;
}
