import { z } from 'zod';
import { RelayError } from '../errors.ts';
import { parseFactoryOptions } from '../options.ts';
import type { CampaignOptions } from './types.ts';

const rate = z.number().min(0).max(1);

const canary = z.union([
  z.literal(false),
  z.strictObject({
    size: z.number().int().min(1).optional(),
    fraction: z.number().gt(0).max(1).optional(),
    min: z.number().int().min(1).optional(),
    thresholds: z
      .strictObject({
        'hard-bounce': rate.optional(),
        complaint: rate.optional(),
        block: rate.optional(),
        deferral: rate.optional(),
        'send-failure': rate.optional(),
      })
      .optional(),
    timeoutMs: z.number().int().min(0).optional(),
    minOutcomes: rate.optional(),
    settleMs: z.number().int().min(0).optional(),
  }),
]);

const base = {
  id: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/u, 'use 1 to 64 letters, digits, _ . : or -'),
  canary: canary.optional(),
  pace: z
    .strictObject({
      perSecond: z.number().gt(0).optional(),
      window: z.number().int().min(1).optional(),
    })
    .optional(),
  onOutage: z.enum(['pause', 'continue']).optional(),
  startWorkers: z.boolean().optional(),
};

const recipient = z.union([
  z.string(),
  z.strictObject({ address: z.string(), data: z.record(z.string(), z.unknown()).optional() }),
]);

const withMessages = z.strictObject({ ...base, messages: z.array(z.unknown()).min(1) });
const withTemplate = z.strictObject({
  ...base,
  recipients: z.array(recipient).min(1),
  template: z.custom<object>(
    (t) => typeof t === 'function' || (typeof t === 'object' && t !== null),
    'give a message without recipients, or a function (recipient) => message',
  ),
});

/** Checks a campaign's options at the boundary; a fault is a config RelayError naming the option. */
export function parseCampaignOptions(input: unknown): CampaignOptions {
  const messages = typeof input === 'object' && input !== null && 'messages' in input;
  if (!messages && !(typeof input === 'object' && input !== null && 'recipients' in input))
    throw new RelayError({
      kind: 'config',
      provider: 'campaign',
      message: 'campaign(): give messages (one recipient each), or recipients and a template',
    });
  parseFactoryOptions(messages ? withMessages : withTemplate, input, 'campaign');
  return input as CampaignOptions;
}
