// The real adapter, bound to the local simulator (see postmark.ts).
import { resend as real, type ResendOptions } from '@relaykit/resend';
import { simulatorValue } from './env.ts';

export * from '@relaykit/resend';
export const resend = (options: ResendOptions) =>
  real({ ...options, baseUrl: simulatorValue('RESEND_BASE_URL') });
