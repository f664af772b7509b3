import type { RelayError } from '../errors.ts';
import { recipientDomainsOf, recipientsOf, type Message } from '../message.ts';
import type { Provider } from '../provider.ts';
import type { Pipeline } from './context.ts';

/**
 * Waits for the throttle's tokens before one attempt of `message` through `provider`: the
 * provider account's budget and each recipient domain's. Rejects (kind 'rate-limited') when they
 * cannot be had before `deadline`. Without a throttle it resolves at once.
 */
export function admit(
  ctx: Pipeline,
  request: { provider: Provider; message: Message; deadline: number; signal?: AbortSignal },
): Promise<void> | undefined {
  return ctx.throttle?.acquire({
    provider: request.provider.name,
    recipients: recipientsOf(request.message),
    domains: recipientDomainsOf(request.message),
    deadline: request.deadline,
    ...(request.signal ? { signal: request.signal } : {}),
  });
}

/** Tells the throttle an attempt failed, so it slows down on deferrals and 429s. */
export function reportFailure(
  ctx: Pipeline,
  failure: { provider: Provider; recipients: readonly string[]; error: RelayError },
): void {
  ctx.throttle?.report({
    type: 'error',
    provider: failure.provider.name,
    recipients: failure.recipients,
    error: failure.error,
  });
}
