import { z } from 'zod';

/**
 * The options every adapter names alike: `name` (the relay's name for the provider) and `apiKey`,
 * for an adapter's zod schema (`z.object({ ...adapterIdentity, ... })`).
 */
export const adapterIdentity = {
  name: z.string().min(1).optional(),
  apiKey: z.string().min(1, 'apiKey is empty').optional(),
};

/**
 * An option holding an object relaykit calls `method` on (a path such as `send` or
 * `emails.send`), refused with `message` otherwise.
 */
export function objectWith<T>(method: string, message: string) {
  const path = method.split('.');
  return z
    .custom<T>(
      (v) => {
        if (typeof v !== 'object' || v === null) return false;
        let member: unknown = v;
        for (const key of path)
          member = member == null ? undefined : (member as Record<string, unknown>)[key];
        return typeof member === 'function';
      },
      { message },
    )
    .optional();
}

/**
 * The credentials rule of an adapter: its key option (`key`) or a `client` the caller built, and
 * beside a client none of the options a client keeps itself (`clientKeeps`). Each fault is
 * `error(message)`, the message saying what to give.
 */
export function checkCredentials(
  options: Readonly<Record<string, unknown>>,
  rule: { key: string; missing: string; clientKeeps?: readonly string[]; both?: string },
  error: (message: string) => Error,
): void {
  const client = options['client'] !== undefined;
  if (!client && options[rule.key] === undefined) throw error(rule.missing);
  if (client && rule.both && rule.clientKeeps?.some((k) => options[k] !== undefined))
    throw error(rule.both);
}

/**
 * The `client` option: an SDK client the caller built, recognised by the method relaykit calls on
 * it (`method`, e.g. `emails.send`), refused otherwise with "client must be `what`" (which says
 * how to build one).
 */
export function sdkClientOption<T>(method: string, what: string) {
  return objectWith<T>(method, `client must be ${what}`);
}

/** The options of an adapter over an HTTP API: `baseUrl` (http or https) and `timeoutMs`. */
export const httpOptions = {
  baseUrl: z.url({ protocol: /^https?$/u, message: 'baseUrl must be an http(s) URL' }).optional(),
  timeoutMs: z.number().int().positive().max(600_000).optional(),
};

/**
 * The zod schema of a signed-webhook option (`SignedWebhookOption`): `false`, or the adapter's key
 * fields (`keys`) with `toleranceSeconds` and `dangerouslySkipVerification`, nothing else.
 */
export function signedWebhookSchema<T extends z.ZodRawShape>(keys: T) {
  return z
    .union([
      z.literal(false),
      z
        .object({
          ...keys,
          toleranceSeconds: z.number().int().positive().max(86_400).optional(),
          dangerouslySkipVerification: z.boolean().optional(),
        })
        .strict(),
    ])
    .optional();
}

/** The `webhook` option of an adapter whose webhooks are signed with one or more keys. */
export type SignedWebhookOption<K extends string> =
  | false
  | undefined
  | (Partial<Record<K, string | readonly string[] | undefined>> & {
      dangerouslySkipVerification?: boolean | undefined;
      toleranceSeconds?: number | undefined;
    });

/**
 * Reads a signed-webhook option: on unless `false`, its keys (one or a list, under `key`), the
 * timestamp tolerance (300 s unless given) and whether verification is skipped. Keys are required
 * when the webhook is on and verified: `missing()` is the adapter's error saying where to find them.
 */
export function signedWebhookOption<K extends string>(
  webhook: SignedWebhookOption<K>,
  key: K,
  missing: () => Error,
): { webhooks: boolean; skipVerification: boolean; keys: string[]; toleranceSeconds: number } {
  const hook = webhook === false ? undefined : webhook;
  const webhooks = webhook !== false;
  const skipVerification = hook?.dangerouslySkipVerification ?? false;
  const given = hook?.[key];
  const keys = given === undefined ? [] : typeof given === 'string' ? [given] : [...given];
  if (webhooks && !skipVerification && keys.length === 0) throw missing();
  return { webhooks, skipVerification, keys, toleranceSeconds: hook?.toleranceSeconds ?? 300 };
}
