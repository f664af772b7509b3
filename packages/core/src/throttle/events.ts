/**
 * What the throttle reports on `relay.on('throttle')`: every change of pace, with its reason.
 * `scope` says whose budget changed: a recipient profile ('google', or 'other' for one domain in
 * `key`) or a provider account.
 */
export interface ThrottleEvent {
  type: 'decrease' | 'increase' | 'restore' | 'pause' | 'resume' | 'clamp' | 'seed';
  scope: 'profile' | 'account';
  /** The budget's key: the mailbox provider ('google'), the domain for 'other', or the provider name. */
  key: string;
  profile?: string;
  provider?: string;
  /** Messages (or account units) per second before and after; Infinity means no cap. */
  from: number;
  to: number;
  /** Until when nothing is sent (pause), or the clamp holds (clamp), as epoch ms. */
  until?: number;
  reason: string;
  at: number;
}
