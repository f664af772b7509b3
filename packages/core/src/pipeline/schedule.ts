import { addressDomain } from '../address.ts';
import { recipientCount, type Message, type MessageInput } from '../message.ts';
import { schedulingHorizon } from '../provider.ts';
import { toQueued } from '../queue.ts';
import { carriers } from '../routing.ts';
import { enqueueQueued } from '../transactional.ts';
import type { EnqueueOptions, SendReport } from '../relay.ts';
import type { Pipeline } from './context.ts';
import { unfitError } from './route.ts';
import { validate } from './validate.ts';

const defaultMaxAgeMs = 72 * 60 * 60 * 1000;

/**
 * With an outbox configured, a future sendAt that no provider of the message's stream schedules
 * natively that far ahead is held in the outbox and sent when due (by the queue runner,
 * `relay.start()`), instead of being refused. A message no provider could take at all (too many
 * recipients) is not held: the pipeline refuses it now.
 */
export function heldUntilDue(ctx: Pipeline, message: Message): boolean {
  if (!ctx.holds || message.sendAt === undefined) return false;
  const lead = message.sendAt.getTime() - ctx.now();
  if (lead <= 0) return false;
  const count = recipientCount(message);
  const names = ctx.streams.resolve(message.stream, addressDomain(message.from)).providers;
  const fit = ctx.providers.filter(
    (p) => (names === undefined || names.includes(p.name)) && count <= p.capabilities.maxRecipients,
  );
  return fit.length > 0 && !fit.some((p) => schedulingHorizon(p.capabilities) >= lead);
}

/** Holds a message in the outbox until its sendAt; the report says when it goes. */
export async function hold(ctx: Pipeline, message: Message): Promise<SendReport> {
  const expiresInMs = ctx.queue.maxAgeMs ?? defaultMaxAgeMs;
  await ctx.outbox.enqueue([
    toQueued(message, { now: ctx.now(), expiresInMs, trace: ctx.telemetry.inject() }),
  ]);
  return {
    messageId: message.id,
    status: 'scheduled',
    attempts: 0,
    recipients: [],
    ...(message.sendAt ? { scheduledFor: message.sendAt } : {}),
  };
}

/**
 * Validates messages and stores them durably for the queue workers; a message no provider could
 * ever take is refused now, not found dead later.
 */
export async function enqueue(
  ctx: Pipeline,
  inputs: readonly MessageInput[],
  options: EnqueueOptions = {},
): Promise<string[]> {
  const at = ctx.now();
  const trace = ctx.telemetry.inject();
  const widest = Math.max(...ctx.providers.map((p) => p.capabilities.maxRecipients));
  const expiresInMs = options.expiresInMs ?? ctx.queue.maxAgeMs ?? defaultMaxAgeMs;
  const queued = await Promise.all(
    inputs.map(async (input) => {
      const message = await validate(ctx, input);
      const count = recipientCount(message);
      if (count > widest) throw unfitError(message, ctx.providers, count, 0);
      carriers(message, ctx.providers);
      return toQueued(message, {
        now: at,
        expiresInMs,
        trace,
        ...(options.sendAt ? { sendAt: options.sendAt } : {}),
      });
    }),
  );
  await enqueueQueued(ctx.outbox, queued, options.tx);
  return queued.map((q) => q.id);
}
