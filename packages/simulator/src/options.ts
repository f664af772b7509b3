import type { BehaviourMix } from './behaviour.ts';
import type { ProviderName, RecipientBehaviour } from './types.ts';

export interface WebhookOptions {
  /** One receiver for every provider (they are told apart by headers and body). */
  readonly url?: string;
  /** Per-provider receivers; win over `url`. A Postmark URL may carry user:pass for Basic auth. */
  readonly urls?: Partial<Record<ProviderName, string>>;
  readonly secrets?: {
    /** Mailgun HTTP webhook signing key. */
    readonly mailgun?: string;
    /** Resend (Svix) signing secret, `whsec_<base64>`. */
    readonly resend?: string;
    /** Postmark: Basic auth added to the URL, and/or a custom shared-secret header. */
    readonly postmark?: {
      readonly username?: string;
      readonly password?: string;
      readonly header?: { readonly name: string; readonly value: string };
    };
  };
  /** Delay of the first event after a send is accepted (default 10 ms). */
  readonly delayMs?: number;
  /** Simulated time between the provider's own delivery attempts, i.e. between deferrals (default 10 ms). */
  readonly attemptIntervalMs?: number;
  /** Factor applied to each provider's real webhook retry schedule (default 0.0001: 1 min → 6 ms). */
  readonly timeScale?: number;
  /** Explicit retry schedules in ms; the number of entries is the number of retries. */
  readonly retryDelaysMs?: Partial<Record<ProviderName, readonly number[]>>;
  /** Post each event twice (true) or with this probability (0..1), drawn from the seed. */
  readonly duplicates?: boolean | number;
  /** Post each message's events in reverse order. */
  readonly outOfOrder?: boolean;
  /** Also post the provider's "accepted" event (SES Send, Mailgun accepted, Resend email.sent). Default false. */
  readonly sentEvents?: boolean;
  /** Per-attempt timeout of a webhook POST (default 5000 ms). */
  readonly timeoutMs?: number;
  /** SNS signature version (default "1", SNS's default; "2" = SHA256). */
  readonly snsSignatureVersion?: '1' | '2';
  /** Post an SNS SubscriptionConfirmation to the SES receiver at startup. */
  readonly snsSubscriptionConfirmation?: boolean;
}

export interface SimulatorOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (a free port). */
  readonly port?: number;
  /** Seed of every behavioural draw and id. Default "relaykit". */
  readonly seed?: string | number;
  /** Clock used by rule windows and timestamps (default Date.now). */
  readonly clock?: () => number;
  /** Response latency, for all providers or per provider. */
  readonly latencyMs?: number | Partial<Record<ProviderName, number>>;
  readonly recipients?: {
    /** What unscripted addresses do (default "deliver"). */
    readonly default?: RecipientBehaviour;
    /** Per-address random behaviour, drawn from the seed. */
    readonly mix?: BehaviourMix;
    /** Address, `@domain` or domain → behaviour. */
    readonly scripts?: Readonly<Record<string, RecipientBehaviour>>;
  };
  readonly ses?: {
    readonly region?: string;
    readonly accountId?: string;
    readonly topicArn?: string;
    readonly maxSendRate?: number;
    readonly max24HourSend?: number;
  };
  readonly postmark?: { readonly serverToken?: string; readonly serverId?: number };
  readonly mailgun?: { readonly apiKey?: string; readonly domain?: string };
  readonly resend?: { readonly apiKey?: string };
  readonly webhooks?: WebhookOptions;
}
