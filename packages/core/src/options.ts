import type { z } from 'zod';
import { RelayError } from './errors.ts';

/**
 * Validates an adapter's or store's factory options at the boundary. A fault is a RelayError of
 * kind 'config' naming the option and what is wrong with it; the value is never echoed, so a key
 * pasted into the wrong option stays out of logs. `renamed` maps an option's old name to its new
 * one, so a caller still using the old name is told what to write instead.
 */
export function parseFactoryOptions<TSchema extends z.ZodType>(
  schema: TSchema,
  input: unknown,
  component: string,
  renamed: Readonly<Record<string, string>> = {},
): z.output<TSchema> {
  if (typeof input === 'object' && input !== null) {
    for (const [old, now] of Object.entries(renamed)) {
      if (old in input) {
        throw new RelayError({
          kind: 'config',
          provider: component,
          message: `${component}(): the option ${old} is now called ${now}; rename it (the value is unchanged)`,
        });
      }
    }
  }
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path.map(String).join('.') || 'options';
  const what =
    issue?.code === 'unrecognized_keys'
      ? `unknown option(s) ${issue.keys.join(', ')}`
      : `${path}: ${issue?.message ?? 'invalid'}`;
  throw new RelayError({ kind: 'config', provider: component, message: `${component}(): ${what}` });
}
