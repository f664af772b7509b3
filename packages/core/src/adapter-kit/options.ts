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
 * The `client` option: an SDK client the caller built, recognised by the method relaykit calls on
 * it (`client.<member>.<method>`), refused with `message` (which says how to build one) otherwise.
 */
export function sdkClientOption<T>(member: string, method: string, message: string) {
  return z
    .custom<T>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        typeof (v as Record<string, Record<string, unknown> | undefined>)[member]?.[method] ===
          'function',
      { message },
    )
    .optional();
}
