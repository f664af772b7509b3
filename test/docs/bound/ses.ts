// The real adapter, bound to the local simulator (see postmark.ts).
import { ses as real, type SesOptions } from '@relaykit/ses';
import { simulatorValue } from './env.ts';

export * from '@relaykit/ses';
export const ses = (options: SesOptions) =>
  real({
    ...options,
    region: simulatorValue('AWS_REGION'),
    baseUrl: simulatorValue('SES_ENDPOINT'),
    credentials: {
      accessKeyId: simulatorValue('AWS_ACCESS_KEY_ID'),
      secretAccessKey: simulatorValue('AWS_SECRET_ACCESS_KEY'),
    },
  });
