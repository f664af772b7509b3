import { RelayError, toRelayError } from '../errors.ts';
import type { Provider } from '../provider.ts';
import {
  createRelay,
  type BatchResult,
  type RecipientResult,
  type Relay,
  type RelayOptions,
  type SendReport,
} from '../relay.ts';

/** Relay options for a drop-in client that builds its own relay; `providers` are tried after its own. */
export type ClientRelayOptions = Omit<RelayOptions, 'providers'> & { providers?: Provider[] };

/**
 * The adapter options a drop-in client hands the provider it builds: all but `client` and those
 * the SDK's own options stand for (`FromSdk`: credentials, endpoint, timeout), each of which
 * must be an option of the adapter.
 */
export type DropInProviderOptions<Options, FromSdk extends keyof Options> = Omit<
  Options,
  'client' | FromSdk
>;

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

/** What relaykit adds to every error and answer a drop-in client maps: its message id and outcome. */
export interface RelaykitDetails {
  messageId?: string;
  /** relaykit's error, when the relay threw one. */
  error?: RelayError;
  /** Each recipient: sent, suppressed (with relaykit's reason) or rejected. */
  recipients?: RecipientResult[];
}

/** A drop-in client's identity and the SDK options it honours (any other is refused). */
export interface DropInClientSpec extends ClientIdentity {
  honoured: readonly string[];
  /** Says who makes the requests instead, after the names of the refused options. */
  elsewhere?: (unknown: readonly string[]) => string;
}

/**
 * The helpers a drop-in SDK client (`@relaykit/<provider>/client`) is built from, bound to its
 * provider and SDK name: the relay it sends through, and relaykit's side of every answer it maps
 * into the SDK's own errors.
 */
export function dropInClient(spec: DropInClientSpec) {
  const honoured = new Set(spec.honoured);
  const who: ClientIdentity = { provider: spec.provider, caller: spec.caller };
  return {
    /**
     * Refuses the SDK options relaykit cannot honour, then gives the existing relay the client
     * was handed (refusing provider options beside it), or undefined when it builds its own.
     */
    accept(
      options: object,
      given: Relay | ClientRelayOptions | undefined,
      providerOptions: unknown,
    ): Relay | undefined {
      refuseUnhonoured(options, honoured, who, spec.elsewhere);
      return existingRelay(given, providerOptions, who);
    },
    /** The relay a client builds: its own provider first, then the `providers` of its options. */
    build(
      given: Relay | ClientRelayOptions | undefined,
      provider: Provider,
      extra: Partial<RelayOptions> = {},
    ): Relay {
      const { providers: more = [], ...relayOptions } =
        (given as ClientRelayOptions | undefined) ?? {};
      return createRelay({ ...relayOptions, ...extra, providers: [provider, ...more] });
    },
    /**
     * relaykit's side of a failure: the RelayError, the details the SDK error carries, and the
     * cause (the provider's own answer, as its SDK built it, when there was one).
     */
    failure(error: unknown, messageId?: string) {
      const relayError = toRelayError(error);
      const details: RelaykitDetails = {
        ...(messageId === undefined ? {} : { messageId }),
        error: relayError,
      };
      return { error: relayError, details, cause: (relayError as { cause?: unknown }).cause };
    },
    /** The details of a send in which no recipient was sent (see `noneSentError`). */
    noneSent(
      report: SendReport,
      options?: Parameters<typeof noneSentError>[2],
    ): RelaykitDetails & { error: RelayError } {
      return {
        messageId: report.messageId,
        error: noneSentError(report, spec.provider, options),
        recipients: report.recipients,
      };
    },
    /** The details of an SDK field the client refuses (kind invalid, naming the field). */
    refusal(field: string, why: string): RelaykitDetails & { error: RelayError } {
      return { error: invalidField(spec.provider, field, why) };
    },
    wholeBatchFailure,
  };
}
