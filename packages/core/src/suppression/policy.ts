import { addressKey, domainOf } from '../address.ts';
import type { BounceInfo, DeliveryEvent } from '../events.ts';
import { BoundedMap } from '../memory/bounded.ts';
import { memoryStrikeStore } from '../memory/strikes.ts';
import type { EventPolicy, PolicyDecision } from '../ports.ts';
import type {
  StrikeStore,
  SuppressionEntry,
  SuppressionReason,
  SuppressionStore,
} from '../stores.ts';

/** A sending-side problem the policy saw: the recipient is not at fault, the sender must act. */
export interface SuppressionAlert {
  type: 'sender-blocked';
  message: string;
  /** The sending domain, when the event carries the From address. */
  domain?: string;
  provider: string;
  category: string;
  recipientDomain: string;
  diagnostic?: string;
  eventId: string;
  [key: string]: unknown;
}

export interface SuppressionPolicyOptions {
  store: SuppressionStore;
  /** Soft-bounce strikes. @default memoryStrikeStore() */
  strikes?: StrikeStore;
  /** Final soft bounces within the window that suppress an address. @default 5 */
  softBounceLimit?: number;
  /** @default 7 days */
  softBounceWindowMs?: number;
  /** How long a suppression lasts, per reason; a reason absent here lasts until a person removes it. */
  expireAfterMs?: Partial<Record<SuppressionReason, number>>;
  /** Called for each block (reputation, blocklist, authentication, policy, content ...), at most once per interval per domain and category. */
  onAlert?: (alert: SuppressionAlert) => void;
  /** @default 10 minutes */
  alertIntervalMs?: number;
  now?: () => number;
}

export interface SuppressionPolicy extends EventPolicy {
  /** Forgets an address's strikes (a person removed its suppression). */
  forget(address: string): Promise<void>;
}

const day = 24 * 60 * 60 * 1000;

/** What an alert tells the sender to look at, by category. */
function fixFor(category: string): string {
  switch (category) {
    case 'sender':
      return 'the sender address, its domain, the verified identity or the SMTP credentials';
    case 'configuration':
      return 'the relay or TLS setup';
    case 'protocol':
      return 'the message format or the SMTP dialogue';
    case 'message-too-large':
      return 'the message size';
    default:
      return 'authentication, reputation, content';
  }
}

/** Soft categories that say nothing about the mailbox: they never count a strike. */
const noStrike = new Set(['rate-limit', 'too-many-recipients', 'auto-reply']);

/**
 * The default EventPolicy, as the relays and mailbox providers document it (SES account-level
 * suppression list, Postmark's bounce types, Mailgun's suppressions, Gmail's "unsubscribe recipients
 * who have multiple bounced messages" in https://support.google.com/a/answer/81126):
 * - hard bounce (final or a synchronous rejection): suppress the address at once, for every stream;
 *   null MX suppresses the whole recipient domain (`@domain`).
 * - complaint: suppress at once, every stream. Unsubscribe: suppress for that stream only (every
 *   stream when the event names none).
 * - provider-side suppression ('suppressed' events, hard category 'suppressed'): suppress.
 * - soft or undetermined final bounce: a strike; `softBounceLimit` strikes within
 *   `softBounceWindowMs` suppress. Deferrals are not final and never count.
 * - block: never counts against the recipient; alerts for the sending domain instead.
 * - unattributed (the provider did not say which recipient bounced or complained): nothing.
 */
export function createSuppressionPolicy(options: SuppressionPolicyOptions): SuppressionPolicy {
  const { store } = options;
  const clock = options.now ?? Date.now;
  const limit = options.softBounceLimit ?? 5;
  const windowMs = options.softBounceWindowMs ?? 7 * day;
  // Addresses are forgotten two windows after their last strike: no verdict within a window is lost.
  const strikes = options.strikes ?? memoryStrikeStore({ now: clock, maxAgeMs: 2 * windowMs });
  const alertInterval = options.alertIntervalMs ?? 10 * 60 * 1000;
  const lastAlert = new BoundedMap<string, number>({ maxEntries: 10_000 });

  async function suppress(
    event: DeliveryEvent,
    wanted: {
      address: string;
      reason: SuppressionReason;
      stream?: string | undefined;
      bounce?: BounceInfo | undefined;
    },
  ): Promise<PolicyDecision[]> {
    const { address, reason, stream, bounce } = wanted;
    const at = timeOf(event);
    const expireAfter = options.expireAfterMs?.[reason];
    const detail = bounce
      ? (bounce.diagnostic
          ? `${bounce.class}/${bounce.category}: ${bounce.diagnostic}`
          : `${bounce.class}/${bounce.category}`
        ).slice(0, 500)
      : undefined;
    // Field by field, in the order of SuppressionEntry (no throwaway objects of conditional spreads).
    const source: NonNullable<SuppressionEntry['source']> = {
      eventId: event.id,
      provider: event.provider,
      type: event.type,
    };
    if (detail) source.detail = detail;
    const entry: SuppressionEntry =
      stream === undefined
        ? { address, reason, source, firstSeen: at, lastSeen: at }
        : { address, stream, reason, source, firstSeen: at, lastSeen: at };
    if (expireAfter !== undefined) entry.expiresAt = new Date(at.getTime() + expireAfter);
    await store.add([entry]);
    return [{ type: 'suppressed', address, reason }];
  }

  function alert(event: DeliveryEvent, bounce: BounceInfo): PolicyDecision[] {
    const domain = event.from ? domainOf(event.from) : undefined;
    const key = `${domain ?? '?'}\u0000${event.provider}\u0000${bounce.category}`;
    const now = clock();
    if ((lastAlert.get(key) ?? Number.NEGATIVE_INFINITY) > now - alertInterval)
      return [{ type: 'none' }];
    lastAlert.set(key, now);
    const message =
      `mail from ${domain ?? 'an unknown domain'} via ${event.provider} is refused for ${bounce.category} by ${domainOf(event.recipient)}` +
      `${bounce.diagnostic ? ` ("${bounce.diagnostic.slice(0, 200)}")` : ''}; the recipient is not suppressed: fix the sender (${fixFor(bounce.category)}) and watch the deferrals`;
    options.onAlert?.({
      type: 'sender-blocked',
      message,
      ...(domain === undefined ? {} : { domain }),
      provider: event.provider,
      category: bounce.category,
      recipientDomain: domainOf(event.recipient),
      ...(bounce.diagnostic === undefined ? {} : { diagnostic: bounce.diagnostic }),
      eventId: event.id,
    });
    return [{ type: 'alert', address: event.recipient, reason: message }];
  }

  async function bounced(event: DeliveryEvent, address: string): Promise<PolicyDecision[]> {
    const bounce: BounceInfo = event.bounce ?? { class: 'undetermined', category: 'unknown' };
    if (bounce.class === 'block') return alert(event, bounce);
    // A deferral is the provider still trying: nothing is known about the recipient yet.
    if (event.type === 'deferred') return [{ type: 'none' }];
    if (bounce.class === 'hard') {
      if (bounce.category === 'null-mx')
        return suppress(event, { address: `@${domainOf(address)}`, reason: 'null-mx', bounce });
      // 'inactive': Postmark deactivated the address (its adapter's category for Inactive bounces).
      if (bounce.category === 'suppressed' || bounce.category === 'inactive')
        return suppress(event, { address, reason: 'provider-suppressed', bounce });
      if (bounce.category === 'complaint')
        return suppress(event, { address, reason: 'complaint', bounce });
      return suppress(event, { address, reason: 'hard-bounce', bounce });
    }
    // A synchronous soft refusal is retried by the pipeline, not counted; only final bounces count.
    if (event.type !== 'bounced' || noStrike.has(bounce.category)) return [{ type: 'none' }];
    const count = await strikes.strike(address, timeOf(event), windowMs, event.id);
    if (count >= limit) {
      const decisions = await suppress(event, { address, reason: 'soft-bounce-limit', bounce });
      await strikes.clear(address);
      return decisions;
    }
    return [
      {
        type: 'strike',
        address,
        reason: `soft bounce ${count} of ${limit} within ${Math.round(windowMs / day)} days (${bounce.category})`,
      },
    ];
  }

  return {
    async handle(event) {
      if (typeof event.recipient !== 'string' || !event.recipient.includes('@'))
        return [{ type: 'none' }];
      // The provider did not say which recipient this concerns: it is charged to none of them.
      if (event.bounce?.category === 'unattributed') return [{ type: 'none' }];
      const address = addressKey(event.recipient);
      switch (event.type) {
        case 'complained':
          return suppress(event, { address, reason: 'complaint' });
        case 'unsubscribed':
          return suppress(event, { address, reason: 'unsubscribe', stream: event.stream });
        case 'suppressed':
          return suppress(event, { address, reason: 'provider-suppressed', bounce: event.bounce });
        case 'bounced':
        case 'rejected':
        case 'deferred':
          return bounced(event, address);
        default:
          return [{ type: 'none' }];
      }
    },
    async forget(address) {
      await strikes.clear(addressKey(address));
    },
  };

  function timeOf(event: DeliveryEvent): Date {
    return event.at instanceof Date && !Number.isNaN(event.at.getTime())
      ? event.at
      : new Date(clock());
  }
}
