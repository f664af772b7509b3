import type { Attributes } from '@opentelemetry/api';
import { addressKey } from '../address.ts';
import type { RelayError } from '../errors.ts';
import { recipientDomainsOf, recipientsOf, type Message } from '../message.ts';
import type { Provider } from '../provider.ts';
import type { SendReport } from '../relay.ts';
import type { SpanHandle } from '../telemetry.ts';
import type { Pipeline } from './context.ts';
import { admit } from './throttle.ts';

/**
 * What a send span says of its message: id, stream, recipient count and domains (the addresses
 * themselves only with `telemetry.recordAddresses`). Build it only for a recording span.
 */
export function messageAttributes(ctx: Pipeline, message: Message): Attributes {
  return {
    'relaykit.message.id': message.id,
    ...(message.stream === undefined ? {} : { 'relaykit.stream': message.stream }),
    'relaykit.recipient.count': recipientsOf(message).length,
    'relaykit.recipient.domains': [...new Set(recipientDomainsOf(message))],
    ...(ctx.telemetry.recordAddresses
      ? { 'relaykit.recipient.addresses': recipientsOf(message).map(addressKey) }
      : {}),
  };
}

/** The outcome attributes a send's span and metrics share: provider, stream, outcome, error.type. */
export function outcomeAttributes(
  outcome: { report: SendReport } | { error: RelayError; stream?: string | undefined },
): Attributes {
  if ('report' in outcome) {
    const { report } = outcome;
    return {
      'relaykit.outcome': report.status,
      ...(report.provider ? { 'relaykit.provider': report.provider } : {}),
      ...(report.stream ? { 'relaykit.stream': report.stream } : {}),
    };
  }
  return {
    'relaykit.outcome': 'failed',
    'error.type': outcome.error.kind,
    ...(outcome.error.provider ? { 'relaykit.provider': outcome.error.provider } : {}),
    ...(outcome.stream ? { 'relaykit.stream': outcome.stream } : {}),
  };
}

/** Ends a send's observation: outcome, attempts and suppression decision on its span; metrics. */
export function observe(
  ctx: Pipeline,
  span: SpanHandle,
  started: number,
  outcome: { report: SendReport } | { error: RelayError; stream?: string | undefined },
): void {
  if (!span.recording && !ctx.telemetry.metering) return;
  const attributes = outcomeAttributes(outcome);
  ctx.telemetry.recordSend(attributes, performance.now() - started);
  if (!span.recording) return;
  if ('report' in outcome) {
    const suppressed = outcome.report.recipients.filter((r) => r.status === 'suppressed').length;
    span.set({
      ...attributes,
      'relaykit.attempts': outcome.report.attempts,
      'relaykit.suppression.decision': suppressed > 0 ? 'dropped' : 'none',
      'relaykit.suppressed.count': suppressed,
    });
  } else {
    span.set({
      ...attributes,
      ...(outcome.error.kind === 'suppressed'
        ? { 'relaykit.suppression.decision': 'refused' }
        : {}),
    });
  }
}

/** Each provider attempt as a child span: provider, attempt number, outcome, error.type. */
export function attemptSpan(ctx: Pipeline) {
  return <T>(provider: Provider, attempt: number, run: () => Promise<T>): Promise<T> =>
    ctx.telemetry.span(
      'relaykit.attempt',
      { 'relaykit.provider': provider.name, 'relaykit.attempt': attempt },
      (span) => (span.recording ? observed(span, run) : run()),
    );
}

async function observed<T>(span: SpanHandle, run: () => Promise<T>): Promise<T> {
  try {
    const result = await run();
    span.set({ 'relaykit.outcome': 'accepted' });
    return result;
  } catch (error) {
    span.set({ 'relaykit.outcome': 'failed' });
    throw error;
  }
}

/** The throttle wait before an attempt, measured onto the attempt's span and the histogram. */
export function admitObserved(
  ctx: Pipeline,
  request: Parameters<typeof admit>[1],
): Promise<void> | undefined {
  const waiting = admit(ctx, request);
  if (!waiting || !ctx.telemetry.enabled) return waiting;
  const span = ctx.telemetry.active();
  if (!span.recording && !ctx.telemetry.metering) return waiting;
  const started = performance.now();
  const done = () => {
    const ms = performance.now() - started;
    span.set({ 'relaykit.throttle.wait_ms': ms });
    ctx.telemetry.recordThrottleWait({ 'relaykit.provider': request.provider.name }, ms);
  };
  return waiting.then(done, (error: unknown) => {
    done();
    throw error;
  });
}
