import type { z } from 'zod';
import { RelayError } from './errors.ts';

/**
 * Validates an adapter's or store's factory options at the boundary. A fault is a RelayError of
 * kind 'config' naming the option and what is wrong with it; the value is never echoed, so a key
 * pasted into the wrong option stays out of logs.
 */
export function parseFactoryOptions<TSchema extends z.ZodType>(
  schema: TSchema,
  input: unknown,
  component: string,
): z.output<TSchema> {
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
