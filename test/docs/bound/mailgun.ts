// The real adapter, bound to the local simulator (see postmark.ts).
import { mailgun as real, type MailgunOptions } from '@relaykit/mailgun';
import { simulatorValue } from './env.ts';

export * from '@relaykit/mailgun';
export const mailgun = (options: MailgunOptions) =>
  real({ ...options, baseUrl: simulatorValue('MAILGUN_URL') });
