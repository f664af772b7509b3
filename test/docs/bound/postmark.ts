// The real adapter, bound to the local simulator: a runnable docs block imports this in place of
// '@relaykit/postmark', so its code runs unchanged against the simulator instead of Postmark.
import { postmark as real, type PostmarkOptions } from '@relaykit/postmark';
import { simulatorValue } from './env.ts';

export * from '@relaykit/postmark';
export const postmark = (options: PostmarkOptions) =>
  real({ ...options, baseUrl: simulatorValue('POSTMARK_BASE_URL') });
