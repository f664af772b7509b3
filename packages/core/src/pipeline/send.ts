import { toRelayError } from '../errors.ts';
import type { Message, MessageInput } from '../message.ts';
import type { BatchResult, Relay, SendReport } from '../relay.ts';
import type { TraceCarrier } from '../telemetry.ts';
import { attempt, type AttemptOptions } from './attempt.ts';
import { sendThroughBatches, type Leftover } from './batch.ts';
import type { Draft, Pipeline } from './context.ts';
import { recordOutcome } from './record.ts';
import { heldUntilDue, hold } from './schedule.ts';
import { suppress } from './suppress.ts';
import { messageAttributes, observe, outcomeAttributes } from './telemetry.ts';
import { validate } from './validate.ts';

/** suppress → route → throttle → attempt → settle: what every kind of send runs. */
export async function run(
  ctx: Pipeline,
  message: Message,
  options: AttemptOptions & { draft?: Draft } = {},
): Promise<SendReport> {
  return attempt(ctx, options.draft ?? (await suppress(ctx, message)), options);
}

/** `relay.send`: validate, then hold it until due or run it, and record the outcome. */
export function send(
  ctx: Pipeline,
  input: MessageInput,
  options: { signal?: AbortSignal } = {},
): Promise<SendReport> {
  return ctx.telemetry.span('relaykit.send', {}, async (span) => {
    const message = await validate(ctx, input);
    if (span.recording) span.set(messageAttributes(ctx, message));
    const started = performance.now();
    try {
      const report = heldUntilDue(ctx, message)
        ? await hold(ctx, message)
        : await run(ctx, message, options);
      recordOutcome(ctx, message.id, { report });
      observe(ctx, span, started, { report });
      return report;
    } catch (error) {
      const relayError = toRelayError(error);
      recordOutcome(ctx, message.id, { error: relayError });
      observe(ctx, span, started, { error: relayError, stream: message.stream });
      throw relayError;
    }
  });
}

/**
 * What the queue workers run for each message they claim: a span of its own, linked to the span
 * that enqueued the message (its trace context travels in the outbox).
 */
export function sendQueued(
  ctx: Pipeline,
  message: Message,
  enqueuedBy?: TraceCarrier,
): Promise<SendReport> {
  return ctx.telemetry.span(
    'relaykit.queue.job',
    {},
    async (span) => {
      if (span.recording) span.set(messageAttributes(ctx, message));
      const started = performance.now();
      try {
        const report = await run(ctx, message);
        recordOutcome(ctx, message.id, { report });
        observe(ctx, span, started, { report });
        return report;
      } catch (error) {
        recordOutcome(ctx, message.id, { error });
        observe(ctx, span, started, { error: toRelayError(error), stream: message.stream });
        throw error;
      }
    },
    enqueuedBy ? { link: enqueuedBy } : {},
  );
}

/**
 * `relay.sendBatch`: each message validated (and held until due, if it must be), then the
 * providers' own batch calls where they have one, then the single-send pipeline for the rest,
 * `concurrency` at a time. One result per input, in order; one `send` event per message.
 */
export function sendBatch(
  ctx: Pipeline,
  inputs: readonly MessageInput[],
  options: Parameters<Relay['sendBatch']>[1] = {},
): Promise<BatchResult[]> {
  return ctx.telemetry.span(
    'relaykit.batch',
    { 'relaykit.batch.size': inputs.length },
    async (span) => {
      const results = await batch(ctx, inputs, options);
      const failed = results.filter((r) => !r.ok).length;
      span.set({ 'relaykit.batch.failed': failed });
      return results;
    },
  );
}

async function batch(
  ctx: Pipeline,
  inputs: readonly MessageInput[],
  options: NonNullable<Parameters<Relay['sendBatch']>[1]>,
): Promise<BatchResult[]> {
  const results: BatchResult[] = new Array(inputs.length);
  const valid: Array<{ index: number; message: Message }> = [];
  for (const [index, input] of inputs.entries()) {
    try {
      const message = await validate(ctx, input);
      if (heldUntilDue(ctx, message))
        results[index] = { ok: true, messageId: message.id, report: await hold(ctx, message) };
      else valid.push({ index, message });
    } catch (error) {
      const id = (input as { id?: unknown } | undefined)?.id;
      results[index] = {
        ok: false,
        error: toRelayError(error),
        ...(typeof id === 'string' ? { messageId: id } : {}),
      };
    }
  }
  const concurrency = Math.max(1, options.concurrency ?? ctx.concurrency);
  const signal = options.signal;
  const queue: Leftover[] =
    options.providerBatches === false
      ? valid
      : await sendThroughBatches(ctx, valid, results, {
          width: concurrency,
          ...(signal ? { signal } : {}),
        });
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      const { index, message, ...done } = queue[next++] as Leftover;
      try {
        const report = await run(ctx, message, { ...done, ...(signal ? { signal } : {}) });
        results[index] = { ok: true, messageId: report.messageId, report };
      } catch (error) {
        results[index] = { ok: false, messageId: message.id, error: toRelayError(error) };
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(concurrency, queue.length)) }, worker),
  );
  for (const r of results) {
    if (!r) continue;
    recordOutcome(ctx, r.messageId ?? '', r.ok ? { report: r.report } : { error: r.error });
    if (ctx.telemetry.metering)
      ctx.telemetry.recordSend(outcomeAttributes(r.ok ? { report: r.report } : { error: r.error }));
  }
  return results;
}
