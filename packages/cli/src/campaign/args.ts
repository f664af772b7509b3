import { parseArgs } from 'node:util';
import { list, parsing } from '../commands/args.ts';
import { UsageError } from '../commands/io.ts';
import { parseProviders, type ProviderName } from '../commands/providers.ts';

export interface CampaignArgs {
  csv: string;
  template: string;
  id?: string;
  /** Real providers from the environment; absent: the embedded simulator. */
  providers?: ProviderName[];
  store?: string;
  from?: string;
  stream?: string;
  tags: string[];
  canary: false | { size?: number; fraction?: number; timeoutMs?: number; settleMs?: number };
  perSecond?: number;
  window?: number;
  dir?: string;
  listen?: string;
  json: boolean;
  progress: boolean;
}

const options = {
  csv: { type: 'string' },
  template: { type: 'string' },
  id: { type: 'string' },
  provider: { type: 'string' },
  store: { type: 'string' },
  from: { type: 'string' },
  stream: { type: 'string' },
  tag: { type: 'string', multiple: true },
  'canary-size': { type: 'string' },
  'canary-fraction': { type: 'string' },
  'canary-timeout': { type: 'string' },
  'canary-settle': { type: 'string' },
  'no-canary': { type: 'boolean' },
  'per-second': { type: 'string' },
  window: { type: 'string' },
  dir: { type: 'string' },
  listen: { type: 'string' },
  json: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
} as const;

const bad = (message: string) => new UsageError(`relaykit campaign run: ${message}`);

/** A number flag: finite, within [min, max], whole when `integer`. */
function number(
  flag: string,
  value: string | undefined,
  rule: { min: number; max?: number; integer?: boolean; above?: boolean; what: string },
): number | undefined {
  if (value === undefined) return undefined;
  const n = value.trim() === '' ? Number.NaN : Number(value);
  const ok =
    Number.isFinite(n) &&
    (rule.above ? n > rule.min : n >= rule.min) &&
    (rule.max === undefined || n <= rule.max) &&
    (!rule.integer || Number.isInteger(n));
  if (!ok) throw bad(`${flag} must be ${rule.what}, not '${value.slice(0, 40)}'`);
  return n;
}

/**
 * Reads `relaykit campaign run`'s flags (after `run`). Throws only UsageError: a flag it does not
 * know, a value that is not a number in range, flags that exclude each other.
 */
export function parseCampaignArgs(args: readonly string[]): CampaignArgs {
  const { values, positionals } = parsing('campaign run', () =>
    parseArgs({ args: [...args], options, allowPositionals: true, strict: true }),
  );
  if (positionals.length > 0)
    throw bad(
      `unexpected argument '${String(positionals[0]).slice(0, 40)}'; give the list as --csv <file>`,
    );
  const missing = [
    values.csv === undefined && '--csv <file>',
    values.template === undefined && '--template <name>',
  ].filter(Boolean);
  if (missing.length > 0) throw bad(`give ${missing.join(' and ')}`);
  if (values.template?.trim() === '') throw bad('--template needs a template name, e.g. welcome');
  if (values.id !== undefined && !/^[A-Za-z0-9_.:-]{1,64}$/u.test(values.id))
    throw bad(`--id takes 1 to 64 letters, digits, _ . : or -, not '${values.id.slice(0, 70)}'`);
  const size = number('--canary-size', values['canary-size'], {
    min: 1,
    integer: true,
    what: 'a whole number ≥ 1',
  });
  const fraction = number('--canary-fraction', values['canary-fraction'], {
    min: 0,
    max: 1,
    above: true,
    what: 'a share of the list above 0 and at most 1, e.g. 0.05',
  });
  if (size !== undefined && fraction !== undefined)
    throw bad('give --canary-size or --canary-fraction, not both');
  const timeout = number('--canary-timeout', values['canary-timeout'], {
    min: 0,
    what: 'seconds (a number ≥ 0)',
  });
  const settle = number('--canary-settle', values['canary-settle'], {
    min: 0,
    what: 'seconds (a number ≥ 0)',
  });
  const sized = [size, fraction, timeout, settle].some((v) => v !== undefined);
  if (values['no-canary'] && sized)
    throw bad('--no-canary goes without the other --canary-* flags');
  const perSecond = number('--per-second', values['per-second'], {
    min: 0,
    above: true,
    what: 'a number of messages per second above 0',
  });
  const window = number('--window', values.window, {
    min: 1,
    integer: true,
    what: 'a whole number ≥ 1',
  });
  const providers =
    values.provider === undefined ? undefined : parseProviders('campaign run', values.provider);
  if (values.listen !== undefined && providers === undefined)
    throw bad('--listen goes with --provider (the embedded simulator posts its webhooks itself)');
  const ms = (s: number | undefined) => (s === undefined ? undefined : Math.round(s * 1000));
  const canary = values['no-canary']
    ? false
    : {
        ...(size === undefined ? {} : { size }),
        ...(fraction === undefined ? {} : { fraction }),
        ...(timeout === undefined ? {} : { timeoutMs: ms(timeout) as number }),
        ...(settle === undefined ? {} : { settleMs: ms(settle) as number }),
      };
  return {
    csv: values.csv as string,
    template: (values.template as string).trim(),
    ...(values.id === undefined ? {} : { id: values.id }),
    ...(providers === undefined ? {} : { providers }),
    ...(values.store === undefined ? {} : { store: values.store }),
    ...(values.from === undefined ? {} : { from: values.from }),
    ...(values.stream === undefined ? {} : { stream: values.stream }),
    tags: list(values.tag),
    canary,
    ...(perSecond === undefined ? {} : { perSecond }),
    ...(window === undefined ? {} : { window }),
    ...(values.dir === undefined ? {} : { dir: values.dir }),
    ...(values.listen === undefined ? {} : { listen: values.listen }),
    json: values.json === true,
    progress: values['no-progress'] !== true,
  };
}
