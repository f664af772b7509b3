/**
 * One error taxonomy for every adapter. Adapters map provider failures into it; the relay
 * decides from `kind` alone whether to retry, fail over, suppress or give up.
 */
export const relayErrorKinds = [
  'invalid',
  'config',
  'auth',
  'rate-limited',
  'transient',
  'provider-unavailable',
  'recipient-rejected',
  'message-rejected',
  'suppressed',
  /**
   * The provider refused the message's template: no template by that id, merge data it cannot
   * read, a variable the template requires missing. Permanent: never retried, never failed over.
   */
  'template',
] as const;

export type RelayErrorKind = (typeof relayErrorKinds)[number];

/** The SMTP reply a rejection carried, when the provider reports one. */
export interface SmtpReply {
  /** Basic reply code, e.g. 550. */
  status?: number;
  /** Enhanced status code (RFC 3463), e.g. '5.1.1'. */
  enhanced?: string;
  diagnostic?: string;
  /** The SMTP command the reply answered, when the text names it ("in reply to RCPT TO command"). */
  stage?: 'connect' | 'helo' | 'mail' | 'rcpt' | 'data';
}

export interface RelayErrorOptions {
  kind: RelayErrorKind;
  message: string;
  /** Adapter or component name, used in the `[relaykit] [name]` prefix. */
  provider?: string;
  providerCode?: string;
  status?: number;
  retryable?: boolean;
  retryAfterMs?: number;
  /** The message field at fault, for kind 'invalid'. */
  field?: string;
  /** The recipients an error concerns, when the provider names only some. */
  recipients?: readonly string[];
  /** The template id a kind 'template' error concerns. */
  template?: string;
  smtp?: SmtpReply;
  cause?: unknown;
}

/** Kinds that a later attempt may succeed at, on the same or another provider. */
const retryableKinds: ReadonlySet<RelayErrorKind> = new Set([
  'rate-limited',
  'transient',
  'provider-unavailable',
]);

/** Kinds caused by the provider side, not by the message: routing may fail over on these. */
const providerFaultKinds: ReadonlySet<RelayErrorKind> = new Set([
  'rate-limited',
  'transient',
  'provider-unavailable',
  'auth',
]);

export class RelayError extends Error {
  override readonly name = 'RelayError';
  readonly kind: RelayErrorKind;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly provider: string | undefined;
  readonly providerCode: string | undefined;
  readonly status: number | undefined;
  readonly field: string | undefined;
  readonly recipients: readonly string[] | undefined;
  readonly template: string | undefined;
  readonly smtp: SmtpReply | undefined;

  constructor(options: RelayErrorOptions) {
    const scope = options.provider ? `[relaykit] [${options.provider}]` : '[relaykit]';
    super(
      `${scope} ${options.message}`,
      options.cause === undefined ? {} : { cause: options.cause },
    );
    this.kind = options.kind;
    this.retryable = options.retryable ?? retryableKinds.has(options.kind);
    this.retryAfterMs = options.retryAfterMs;
    this.provider = options.provider;
    this.providerCode = options.providerCode;
    this.status = options.status;
    this.field = options.field;
    this.recipients = options.recipients;
    this.template = options.template;
    this.smtp = options.smtp;
  }

  /** True when the fault lies with the provider (not the message), so another provider may succeed. */
  get providerFault(): boolean {
    return providerFaultKinds.has(this.kind);
  }

  /** A plain object safe to log or serialise: no cause chain, no request data. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      kind: this.kind,
      message: this.message,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
      provider: this.provider,
      providerCode: this.providerCode,
      status: this.status,
      field: this.field,
      recipients: this.recipients,
      template: this.template,
      smtp: this.smtp,
    };
  }
}

export function isRelayError(value: unknown): value is RelayError {
  return value instanceof RelayError;
}

/** Wraps anything thrown into a RelayError; unknown failures are treated as transient. */
export function toRelayError(error: unknown, provider?: string): RelayError {
  if (error instanceof RelayError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new RelayError({
    kind: 'transient',
    message: `unexpected failure: ${message}`,
    ...(provider === undefined ? {} : { provider }),
    cause: error,
  });
}
