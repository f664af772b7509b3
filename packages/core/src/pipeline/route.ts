import { RelayError } from '../errors.ts';
import { recipientCount, type Message } from '../message.ts';
import { schedulingHorizon, type Provider } from '../provider.ts';
import { carriers } from '../routing.ts';
import type { Draft, Pipeline } from './context.ts';

/**
 * The providers that may carry the message now: the stream's, in routing order, not paused, and
 * able to take it as it is: no more recipients than the provider allows per message, and a
 * future sendAt only where the provider schedules natively that far ahead. Failover moves among
 * these alone, so a scheduled message never reaches a provider that would send it early.
 */
export async function route(ctx: Pipeline, draft: Draft): Promise<Provider[]> {
  const out: Provider[] = [];
  const count = recipientCount(draft.message);
  const lead = draft.message.sendAt === undefined ? 0 : draft.message.sendAt.getTime() - ctx.now();
  let unfit: Provider[] | undefined;
  for (const provider of carriers(
    draft.message,
    ctx.router.candidates(draft.route.providers, draft.route.routing),
  )) {
    const caps = provider.capabilities;
    if (count > caps.maxRecipients || (lead > 0 && schedulingHorizon(caps) < lead)) {
      (unfit ??= []).push(provider);
      continue;
    }
    const pending = ctx.guard?.blocked(draft.fromDomain, provider.name);
    const reason = pending instanceof Promise ? await pending : pending;
    if (reason === undefined) out.push(provider);
  }
  if (out.length === 0 && unfit) throw unfitError(draft.message, unfit, count, lead);
  if (out.length === 0) {
    const reason =
      (await ctx.guard?.blocked(draft.fromDomain)) ?? 'every provider is paused for this domain';
    throw new RelayError({
      kind: 'provider-unavailable',
      message: `sending from ${draft.fromDomain} is paused: ${reason}; resume it once the cause is fixed`,
    });
  }
  return out;
}

const hour = 60 * 60 * 1000;
const span = (ms: number) =>
  ms >= 2 * 24 * hour ? `${Math.round(ms / (24 * hour))} days` : `${Math.round(ms / 60_000)} min`;

/** Why no provider of the route can take the message as it is: too many recipients, or a schedule. */
export function unfitError(
  message: Message,
  providers: readonly Provider[],
  count: number,
  lead: number,
): RelayError {
  const small = providers.filter((p) => count > p.capabilities.maxRecipients);
  if (small.length === providers.length) {
    const limits = small.map((p) => `${p.name} ${p.capabilities.maxRecipients}`).join(', ');
    const most = Math.max(...small.map((p) => p.capabilities.maxRecipients));
    return new RelayError({
      kind: 'invalid',
      field: 'to',
      message: `to: the message has ${count} recipients (To, Cc and Bcc together), over the limit per message (${limits}); split it into messages of at most ${most}, or send them with sendBatch`,
    });
  }
  const reasons = providers
    .filter((p) => count <= p.capabilities.maxRecipients)
    .map((p) => {
      const horizon = schedulingHorizon(p.capabilities);
      return horizon === 0
        ? `${p.name} cannot schedule`
        : `${p.name} schedules at most ${span(horizon)} ahead`;
    });
  return new RelayError({
    kind: 'invalid',
    field: 'sendAt',
    message: `sendAt: ${message.sendAt?.toISOString() ?? ''} is ${span(lead)} ahead and ${reasons.join('; ')}; relaykit never sends it early: give createRelay an outbox (send then holds it there until due) or hold it with relay.enqueue(message)`,
  });
}
