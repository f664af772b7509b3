import type { NormalBehaviour, OutcomeStep, RecipientBook } from './behaviour.ts';
import type { Reply } from './http/reply.ts';
import { sleep } from './http/reply.ts';
import type { Prng } from './prng.ts';
import type { Fault, RuleEngine } from './rules.ts';
import type { TemplateStore } from './templates.ts';
import type { OutgoingWebhook } from './webhooks/dispatcher.ts';
import type { ProviderName, SimMessage } from './types.ts';

/** Builds a provider's webhooks for one outcome step of one recipient of a message. */
export type EventBuilder = (
  message: SimMessage,
  recipient: string,
  step: OutcomeStep,
) => OutgoingWebhook[];

/** What the provider modules share: ids, time, rules, recipient scripts and the delivery pipeline. */
export interface SimContext {
  readonly prng: Prng;
  readonly now: () => number;
  readonly rules: RuleEngine;
  readonly recipients: RecipientBook;
  readonly templates: TemplateStore;
  /** Records the message and schedules its webhooks; `override` lets a provider's own suppression list win. */
  accept(
    message: SimMessage,
    build: EventBuilder,
    override?: (recipient: string) => NormalBehaviour | undefined,
  ): void;
  /** The configured response latency of a provider (resolves at once when none). */
  latency(provider: ProviderName): Promise<void> | undefined;
}

/**
 * Socket-level faults (and an unreadable success body) are the same for every provider; the rest are rendered by the provider.
 * A stall with `delayMs` answers normally afterwards, so it doubles as injected latency.
 */
export async function withFault(
  fault: Fault,
  render: (fault: Fault) => Reply,
  proceed: () => Reply | Promise<Reply>,
): Promise<Reply> {
  if (fault.kind === 'reset') return { reset: true };
  if (fault.kind === 'malformed') {
    // A success whose body was cut off (a broken proxy, a truncated response): unreadable JSON.
    return { status: 200, headers: { 'content-type': 'application/json' }, body: '{"id":"' };
  }
  if (fault.kind === 'stall') {
    if (fault.delayMs === undefined) return { hang: true };
    await sleep(fault.delayMs);
    return proceed();
  }
  return render(fault);
}

/** Faults that concern one message of a batch rather than the whole request. */
export const isElementFault = (fault: Fault): boolean =>
  fault.kind === 'validation' || fault.kind === 'inactive-recipient';

export function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
