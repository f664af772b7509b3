import { toRelayError, type RelayError } from '../errors.ts';
import { recipientCount, recipientsOf } from '../message.ts';
import type { Provider } from '../provider.ts';
import type { SendReport } from '../relay.ts';
import { deliver } from '../retry.ts';
import type { Draft, Pipeline } from './context.ts';
import { route } from './route.ts';
import { settle, summarize } from './settle.ts';
import { attemptSpan, admitObserved } from './telemetry.ts';
import { reportFailure } from './throttle.ts';

export interface AttemptOptions {
  signal?: AbortSignal;
  /** Attempts the message already had (a provider batch call that refused some recipients). */
  tried?: number;
  /** A provider batch call that failed the message: attempt 1 of its retry loop. */
  failedOn?: { provider: Provider; error: RelayError };
}

/**
 * Sends a draft: route, then attempts with retry and failover (each behind the throttle), then
 * settle. A provider may refuse named recipients outright (e.g. an address it holds as
 * inactive): the rest are sent again without them, once.
 */
export async function attempt(
  ctx: Pipeline,
  draft: Draft,
  options: AttemptOptions = {},
): Promise<SendReport> {
  const { signal, failedOn } = options;
  let attempts = options.tried ?? 0;
  let last: { provider: string; providerMessageId: string } | undefined;
  if (failedOn) {
    ctx.emitter.emit('retry', {
      messageId: draft.message.id,
      provider: failedOn.provider.name,
      attempt: 1,
      error: failedOn.error,
    });
  }
  for (let round = 0; round < 2 && recipientCount(draft.message) > 0; round += 1) {
    const candidates = await route(ctx, draft);
    const message = draft.message;
    try {
      const delivery = await deliver({
        message,
        candidates,
        router: ctx.router,
        retry: ctx.retry,
        ...(signal ? { signal } : {}),
        ...(ctx.throttle
          ? {
              beforeAttempt: (provider, deadline) =>
                admitObserved(ctx, { provider, message, deadline, ...(signal ? { signal } : {}) }),
            }
          : {}),
        ...(ctx.telemetry.tracing() ? { instrument: attemptSpan(ctx) } : {}),
        ...(failedOn && round === 0 ? { prior: failedOn } : {}),
        onFailover: (from, to, error) => {
          ctx.telemetry.active().set({
            'relaykit.failover.from': from.name,
            'relaykit.failover.to': to.name,
          });
          ctx.emitter.emit('failover', {
            messageId: message.id,
            from: from.name,
            to: to.name,
            error,
          });
        },
        onAttemptFailed: (provider, error, n) => {
          reportFailure(ctx, { provider, recipients: recipientsOf(message), error });
          ctx.emitter.emit('retry', {
            messageId: message.id,
            provider: provider.name,
            attempt: n,
            error,
          });
        },
      });
      attempts += delivery.attempts;
      last = {
        provider: delivery.provider.name,
        providerMessageId: delivery.result.providerMessageId,
      };
      await settle(ctx, { draft, provider: delivery.provider, answer: delivery.result });
      break;
    } catch (error) {
      const relayError = toRelayError(error);
      attempts += 1;
      if (relayError.kind !== 'recipient-rejected') throw relayError;
      await settle(ctx, { draft, answer: relayError });
    }
  }
  return summarize(ctx, draft, { attempts, ...(last ? { last } : {}) });
}
