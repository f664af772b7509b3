import { RelayError, toRelayError } from '../errors.ts';
import { recipientCount, recipientsOf, type Message } from '../message.ts';
import type { Provider, SendResult } from '../provider.ts';
import type { BatchResult } from '../relay.ts';
import type { AttemptOptions } from './attempt.ts';
import type { Draft, Pipeline } from './context.ts';
import { route } from './route.ts';
import { settle, summarize } from './settle.ts';
import { suppress } from './suppress.ts';
import { admit, reportFailure } from './throttle.ts';

/** A message left for the single-send attempt, with what its batch call already did. */
export interface Leftover extends Pick<AttemptOptions, 'tried' | 'failedOn'> {
  index: number;
  message: Message;
  draft?: Draft;
}

type Item = { index: number; draft: Draft };

/**
 * Sends through the provider's own batch call where the first provider of a message's route has
 * one. Each message runs the same stages as a single send (suppress, route, throttle, settle);
 * only the attempt differs: one request for a chunk of messages. A message the batch did not
 * take for a provider-side reason is returned, to go through the single-send attempt with its
 * retry and failover; a message the provider refused is settled as refused.
 */
export async function sendThroughBatches(
  ctx: Pipeline,
  messages: ReadonlyArray<{ index: number; message: Message }>,
  out: BatchResult[],
  options: { width: number; signal?: AbortSignal },
): Promise<Leftover[]> {
  const left: Leftover[] = [];
  const groups = new Map<Provider, Item[]>();
  for (const { index, message } of messages) {
    try {
      const draft = await suppress(ctx, message);
      if (recipientCount(draft.message) === 0) {
        out[index] = {
          ok: true,
          messageId: message.id,
          report: summarize(ctx, draft, { attempts: 0 }),
        };
        continue;
      }
      const first = (await route(ctx, draft))[0] as Provider;
      if (
        !first.sendBatch ||
        first.capabilities.maxBatchSize < 2 ||
        ctx.router.isOpen(first.name)
      ) {
        left.push({ index, message, draft });
        continue;
      }
      const group = groups.get(first);
      if (group) group.push({ index, draft });
      else groups.set(first, [{ index, draft }]);
    } catch (error) {
      out[index] = { ok: false, messageId: message.id, error: toRelayError(error) };
    }
  }
  const chunk = (provider: Provider, items: Item[]) =>
    sendChunk(ctx, {
      provider,
      items,
      out,
      left,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  // Providers go side by side, and so do one provider's chunks, up to `width` in flight each:
  // one chunk per round trip would cap a campaign at a batch (Resend: 100) per latency. The
  // throttle still paces them, since each chunk waits for its messages' tokens before it goes.
  await Promise.all(
    [...groups].map(async ([provider, group]) => {
      const size = provider.capabilities.maxBatchSize;
      const chunks = Math.ceil(group.length / size);
      let next = 0;
      const worker = async () => {
        while (next < chunks) {
          const at = next * size;
          next += 1;
          await chunk(provider, group.slice(at, at + size));
        }
      };
      await Promise.all(
        Array.from({ length: Math.max(1, Math.min(options.width, chunks)) }, worker),
      );
    }),
  );
  return left;
}

/**
 * One chunk: tokens for each of its messages first (the throttle's account budget and each
 * recipient domain's), then one batch call for those granted. A chunk whose provider's circuit
 * opened meanwhile (an earlier chunk failed) goes through the single-send attempt, which fails it
 * over.
 */
async function sendChunk(
  ctx: Pipeline,
  job: {
    provider: Provider;
    items: Item[];
    out: BatchResult[];
    left: Leftover[];
    signal?: AbortSignal;
  },
): Promise<void> {
  const { provider, items, out, left, signal } = job;
  if (ctx.router.isOpen(provider.name)) {
    for (const { index, draft } of items) left.push({ index, message: draft.message, draft });
    return;
  }
  const deadline = Date.now() + (ctx.retry.maxTimeMs ?? 30_000);
  const ready: Item[] = [];
  for (const item of items) {
    try {
      await admit(ctx, {
        provider,
        message: item.draft.message,
        deadline,
        ...(signal ? { signal } : {}),
      });
      ready.push(item);
    } catch (error) {
      out[item.index] = { ok: false, messageId: item.draft.message.id, error: toRelayError(error) };
    }
  }
  if (ready.length === 0) return;
  let answers: Array<SendResult | RelayError>;
  try {
    answers =
      (await provider.sendBatch?.(
        ready.map((r) => r.draft.message),
        // The caller's signal or none: the adapter bounds each request by its timeoutMs.
        { attempt: 1, ...(signal ? { signal } : {}) },
      )) ?? [];
  } catch (error) {
    answers = ready.map(() => toRelayError(error, provider.name));
  }
  // The chunk is one request: it counts once toward the provider's circuit, as a failure
  // when the provider took none of it for a provider-side reason (an outage answered per
  // message, or the call itself failing), so the chunks after it fail over instead.
  const fault = answers.find((a) => a instanceof RelayError && a.providerFault);
  if (fault && !answers.some((a) => !(a instanceof RelayError)))
    ctx.router.failure(provider.name, fault as RelayError);
  for (const [i, { index, draft }] of ready.entries()) {
    const answer =
      answers[i] ??
      new RelayError({
        kind: 'transient',
        provider: provider.name,
        message: 'the batch gave no answer for this message',
      });
    if (!(answer instanceof RelayError)) {
      ctx.router.success(provider.name);
      await settle(ctx, { draft, provider, answer });
      out[index] = {
        ok: true,
        messageId: draft.message.id,
        report: summarize(ctx, draft, {
          attempts: 1,
          last: { provider: provider.name, providerMessageId: answer.providerMessageId },
        }),
      };
      continue;
    }
    reportFailure(ctx, { provider, recipients: recipientsOf(draft.message), error: answer });
    if (answer.providerFault || answer.retryable) {
      left.push({
        index,
        message: draft.message,
        draft,
        failedOn: { provider, error: answer },
      });
    } else if (answer.kind === 'recipient-rejected') {
      await settle(ctx, { draft, answer });
      left.push({ index, message: draft.message, draft, tried: 1 });
    } else {
      out[index] = { ok: false, messageId: draft.message.id, error: answer };
    }
  }
}
