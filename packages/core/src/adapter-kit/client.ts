import { RelayError } from '../errors.ts';
import type { Provider } from '../provider.ts';
import type { BatchResult, Relay, RelayOptions, SendReport } from '../relay.ts';

/** Relay options for a drop-in client that builds its own relay; `providers` are tried after its own. */
export type ClientRelayOptions = Omit<RelayOptions, 'providers'> & { providers?: Provider[] };

/** Whether a client's `relay` option is an existing relay (rather than options for one). */
export function isRelay(value: unknown): value is Relay {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Relay).send === 'function' &&
    typeof (value as Relay).sendBatch === 'function'
  );
}

/** Who a drop-in client's refusals speak for: the provider and the SDK name the caller used. */
export interface ClientIdentity {
  provider: string;
  /** The SDK's own name for what was called: `ServerClient`, `SESv2Client`, `Resend`, `client`. */
  caller: string;
}

/**
 * Refuses the SDK options a drop-in client cannot honour, naming each (an option is never
 * silently dropped). `why` says who makes the requests instead.
 */
export function refuseUnhonoured(
  options: object,
  honoured: ReadonlySet<string>,
  who: ClientIdentity,
  why: (unknown: readonly string[]) => string = () => '',
): void {
  const unknown = Object.keys(options).filter(
    (k) => !honoured.has(k) && (options as Record<string, unknown>)[k] !== undefined,
  );
  if (unknown.length === 0) return;
  throw new RelayError({
    kind: 'config',
    provider: who.provider,
    message: `${who.caller}: relaykit cannot honour ${unknown.join(', ')}${why(unknown)}; remove ${unknown.length > 1 ? 'them' : 'it'}`,
  });
}

/**
 * The relay a client was given, or undefined when it should build one. Adapter options beside an
 * existing relay are refused: they configure only a provider the client builds itself.
 */
export function existingRelay(
  given: Relay | ClientRelayOptions | undefined,
  providerOptions: unknown,
  who: ClientIdentity,
): Relay | undefined {
  if (!isRelay(given)) return undefined;
  if (providerOptions !== undefined) {
    throw new RelayError({
      kind: 'config',
      provider: who.provider,
      message: `${who.caller}: ${who.provider} options configure the provider this client builds; with an existing relay, set them on its ${who.provider} provider`,
    });
  }
  return given;
}

/**
 * The RelayError of a send in which no recipient was sent (all suppressed or refused), each
 * recipient named with its status and reason. `label` renders one recipient in the provider's
 * words; `prefix` leads the message where the provider's callers match on it.
 */
export function noneSentError(
  report: SendReport,
  provider: string,
  options: { prefix?: string; label?: (r: SendReport['recipients'][number]) => string } = {},
): RelayError {
  const label = options.label ?? ((r) => `${r.address} (${r.status}: ${r.reason ?? ''})`);
  return new RelayError({
    kind: 'suppressed',
    provider,
    recipients: report.recipients.map((r) => r.address),
    message: `${options.prefix ?? ''}no recipient was sent: ${report.recipients.map(label).join(', ')}; remove them, or take them off relaykit's suppression list if a person confirms they may be mailed`,
  });
}

/** The RelayError for an SDK field a drop-in client refuses (kind invalid, naming the field). */
export function invalidField(provider: string, field: string, why: string): RelayError {
  return new RelayError({ kind: 'invalid', provider, field, message: `${field}: ${why}` });
}

/**
 * The failure of a whole batch: when every message failed for one and the same provider-side
 * reason (an outage, a rate limit, a bad key), the SDK fails the whole call, so a drop-in client
 * answers as the SDK would; otherwise undefined and each message is reported on its own.
 */
export function wholeBatchFailure(
  results: readonly BatchResult[],
): Extract<BatchResult, { ok: false }> | undefined {
  const failures = results.filter((r) => !r.ok);
  const [first] = failures;
  if (
    first &&
    !first.ok &&
    failures.length === results.length &&
    first.error.providerFault &&
    failures.every((f) => !f.ok && f.error.kind === first.error.kind)
  ) {
    return first;
  }
  return undefined;
}
