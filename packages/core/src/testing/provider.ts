import { addressKey, domainOf } from '../address.ts';
import { classifiedBounce, replyFacts } from '../adapter-kit/bounce.ts';
import { parseSmtpReply } from '../bounce/smtp.ts';
import { RelayError, type RelayErrorKind } from '../errors.ts';
import type { DeliveryEvent, DeliveryEventType } from '../events.ts';
import { newId } from '../ids.ts';
import { recipientsOf, type Message } from '../message.ts';
import type {
  EventSink,
  Provider,
  ProviderCapabilities,
  SendContext,
  SendResult,
} from '../provider.ts';

/** What the testing provider does with a call or a recipient. */
export type Outcome =
  /** Accepted, then a 'delivered' event. */
  | { type: 'deliver' }
  /** The API call fails with this error kind (e.g. 'transient', 'provider-unavailable'). */
  | { type: 'fail'; kind: RelayErrorKind; status?: number; message?: string; retryAfterMs?: number }
  /** The API call fails with a 429. */
  | { type: 'rate-limited'; retryAfterMs?: number }
  /** The recipient is refused at once with this SMTP line (e.g. '550 5.1.1 user unknown'). */
  | { type: 'reject'; smtp: string }
  /** Accepted, then a 'bounced' event with this SMTP line. */
  | { type: 'bounce'; smtp: string }
  /** Accepted, then `times` 'deferred' events with this SMTP line, then 'delivered'. */
  | { type: 'defer'; smtp: string; times?: number }
  /** Accepted, delivered, then a complaint. */
  | { type: 'complain' }
  /** The call hangs until the send is aborted or `afterMs` passes, then fails as a timeout. */
  | { type: 'timeout'; afterMs?: number };

export interface ScriptRule {
  /** An address, or `@domain` for every address at a domain. Absent: every call. */
  recipient?: string;
  /** How many times the rule applies before it is spent. @default Infinity */
  times?: number;
  outcome: Outcome;
}

export interface RecordedCall {
  message: Message;
  attempt: number;
  idempotencyKey: string;
  outcome: Outcome['type'];
}

export interface TestingProviderOptions {
  name?: string;
  /** Delay before each answer. @default 0 */
  latencyMs?: number;
  /** Emit the events each outcome implies through the relay. @default true */
  events?: boolean;
  /**
   * Keep every call, accepted message and emitted event in `calls`, `sent` and `emitted`. Turn it
   * off for load tests, where holding every message is what costs most. @default true
   */
  record?: boolean;
  /** Delay before events arrive; 0 delivers them in a microtask. @default 0 */
  eventDelayMs?: number;
  maxBatchSize?: number;
  /** Capabilities to claim instead of the defaults (e.g. native scheduling, a recipient limit). */
  capabilities?: Partial<ProviderCapabilities>;
}

export interface TestingProvider extends Provider {
  /** Adds a rule; rules for a recipient win over call rules, the earliest added first. */
  script(rule: ScriptRule): TestingProvider;
  /** Shorthand: the next `times` calls get `outcome`. */
  failNext(outcome: Outcome, times?: number): TestingProvider;
  readonly calls: readonly RecordedCall[];
  /** Messages accepted, in order. */
  readonly sent: readonly Message[];
  /** Events emitted so far (none kept with `record: false`). */
  readonly emitted: readonly DeliveryEvent[];
  /** Resolves once every scheduled event has been handed to the relay. */
  settled(): Promise<void>;
  reset(): void;
}

interface LiveRule extends ScriptRule {
  left: number;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(
          new RelayError({
            kind: 'transient',
            message: 'request aborted (timeout)',
            providerCode: 'ETIMEDOUT',
          }),
        );
      },
      { once: true },
    );
  });

/**
 * A provider for tests (relaykit's and yours): records what it is given and plays scripted
 * outcomes per recipient or per call, emitting the DeliveryEvents each outcome implies.
 *
 * @example
 * const provider = testingProvider();
 * provider.script({ recipient: 'gone@example.com', outcome: { type: 'reject', smtp: '550 5.1.1 user unknown' } });
 * const relay = createRelay({ providers: [provider] });
 */
export function testingProvider(options: TestingProviderOptions = {}): TestingProvider {
  const name = options.name ?? 'testing';
  let rules: LiveRule[] = [];
  let calls: RecordedCall[] = [];
  let sent: Message[] = [];
  let emitted: DeliveryEvent[] = [];
  // Deliveries not yet handed over: each leaves the set once done, so a long run holds none.
  const pending = new Set<Promise<unknown>>();
  let sink: EventSink | undefined;
  let seq = 0;
  let callCount = 0;

  const take = (recipient: string | undefined): Outcome | undefined => {
    const key = recipient === undefined ? undefined : addressKey(recipient);
    const rule = rules.find(
      (r) =>
        r.left > 0 &&
        (key === undefined
          ? r.recipient === undefined
          : r.recipient !== undefined &&
            (r.recipient.startsWith('@')
              ? domainOf(key) === r.recipient.slice(1).toLowerCase()
              : addressKey(r.recipient) === key)),
    );
    if (!rule) return undefined;
    rule.left -= 1;
    return rule.outcome;
  };

  /** One event of one recipient of a message this provider took. */
  const event = (
    of: { message: Message; providerMessageId: string; recipient: string },
    type: DeliveryEventType,
    smtp?: string,
  ): DeliveryEvent => {
    const { message, providerMessageId, recipient } = of;
    const e: DeliveryEvent = {
      id: newId('evt'),
      type,
      provider: name,
      messageId: message.id,
      providerMessageId,
      recipient,
      at: new Date(Date.now() + seq++),
      from: message.from.address,
      ...(message.stream === undefined ? {} : { stream: message.stream }),
      tags: message.tags,
      metadata: message.metadata,
      raw: { smtp },
    };
    if (smtp !== undefined) e.bounce = classifiedBounce(replyFacts(smtp));
    return e;
  };

  const emit = (events: DeliveryEvent[]) => {
    if (options.events === false || events.length === 0) return;
    if (options.record !== false) emitted.push(...events);
    const delay = options.eventDelayMs ?? 0;
    const p = (delay > 0 ? sleep(delay) : Promise.resolve()).then(() => sink?.ingest(events));
    const settledOne: Promise<unknown> = p
      .catch(() => undefined)
      .finally(() => pending.delete(settledOne));
    pending.add(settledOne);
  };

  const callFailure = (outcome: Outcome): RelayError | undefined => {
    if (outcome.type === 'fail') {
      return new RelayError({
        kind: outcome.kind,
        provider: name,
        message: outcome.message ?? `scripted ${outcome.kind} failure`,
        ...(outcome.status === undefined ? {} : { status: outcome.status }),
        ...(outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs }),
      });
    }
    if (outcome.type === 'rate-limited') {
      return new RelayError({
        kind: 'rate-limited',
        provider: name,
        status: 429,
        message: 'scripted rate limit (429)',
        ...(outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs }),
      });
    }
    return undefined;
  };

  async function send(message: Message, context: SendContext): Promise<SendResult> {
    if (options.latencyMs) await sleep(options.latencyMs, context.signal);
    const recipients = recipientsOf(message);
    const callOutcome = take(undefined);
    const perRecipient = recipients.map((r) => [r, take(r) ?? { type: 'deliver' }] as const);
    const first =
      callOutcome ??
      perRecipient.find(
        ([, o]) => o.type === 'fail' || o.type === 'rate-limited' || o.type === 'timeout',
      )?.[1];
    callCount += 1;
    if (options.record !== false)
      calls.push({
        message,
        attempt: context.attempt,
        idempotencyKey: context.idempotencyKey,
        outcome: first?.type ?? 'deliver',
      });
    if (first?.type === 'timeout') {
      await sleep(first.afterMs ?? 30_000, context.signal);
      throw new RelayError({
        kind: 'transient',
        provider: name,
        providerCode: 'ETIMEDOUT',
        message: 'scripted timeout: no answer',
      });
    }
    const failure = first ? callFailure(first) : undefined;
    if (failure) throw failure;

    const rejected = perRecipient.filter(([, o]) => o.type === 'reject');
    if (rejected.length === recipients.length) {
      const [recipient, outcome] = rejected[0] as readonly [
        string,
        Extract<Outcome, { type: 'reject' }>,
      ];
      const smtp = parseSmtpReply(outcome.smtp);
      throw new RelayError({
        kind: 'recipient-rejected',
        provider: name,
        recipients: rejected.map(([r]) => r),
        smtp,
        message: `${recipient} refused: ${outcome.smtp}`,
      });
    }
    const providerMessageId = `${name}-${callCount}-${message.id}`;
    if (options.record !== false) sent.push(message);
    const events: DeliveryEvent[] = [];
    // Building events nobody will receive (events: false) costs ids from the CSPRNG: skip it.
    for (const [recipient, outcome] of options.events === false ? [] : perRecipient) {
      if (outcome.type === 'reject') continue;
      const of = { message, providerMessageId, recipient };
      events.push(event(of, 'accepted'));
      if (outcome.type === 'bounce') events.push(event(of, 'bounced', outcome.smtp));
      else if (outcome.type === 'defer') {
        for (let i = 0; i < (outcome.times ?? 1); i += 1)
          events.push(event(of, 'deferred', outcome.smtp));
        events.push(event(of, 'delivered'));
      } else {
        events.push(event(of, 'delivered'));
        if (outcome.type === 'complain') events.push(event(of, 'complained'));
      }
    }
    emit(events);
    return {
      providerMessageId,
      accepted: perRecipient.filter(([, o]) => o.type !== 'reject').map(([r]) => r),
      rejected: rejected.map(([recipient, o]) => ({
        recipient,
        error: new RelayError({
          kind: 'recipient-rejected',
          provider: name,
          recipients: [recipient],
          smtp: parseSmtpReply((o as { smtp: string }).smtp),
          message: `${recipient} refused: ${(o as { smtp: string }).smtp}`,
        }),
      })),
    };
  }

  const provider: TestingProvider = {
    name,
    type: 'testing',
    capabilities: {
      maxBatchSize: options.maxBatchSize ?? 100,
      idempotency: true,
      scheduling: false,
      inlineAttachments: true,
      maxMessageBytes: 40 * 1024 * 1024,
      maxRecipients: 1000,
      ...options.capabilities,
    },
    send,
    async sendBatch(messages, context) {
      return Promise.all(
        messages.map((m) =>
          send(m, { ...context, idempotencyKey: m.idempotencyKey }).catch(
            (e: unknown) => e as RelayError,
          ),
        ),
      );
    },
    attach(s) {
      sink = s;
    },
    script(rule) {
      rules.push({ ...rule, left: rule.times ?? Number.POSITIVE_INFINITY });
      return provider;
    },
    failNext(outcome, times = 1) {
      return provider.script({ outcome, times });
    },
    get calls() {
      return calls;
    },
    get sent() {
      return sent;
    },
    get emitted() {
      return emitted;
    },
    async settled() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    reset() {
      rules = [];
      callCount = 0;
      calls = [];
      sent = [];
      emitted = [];
    },
  };
  return provider;
}
