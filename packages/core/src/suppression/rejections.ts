import { classifyBounce } from '../bounce/classify.ts';
import type { RelayError } from '../errors.ts';
import type { BounceInfo } from '../events.ts';

/** Provider codes meaning "this provider holds the address as inactive/suppressed" (Postmark 406). */
const inactiveCodes = new Set(['406', 'inactiverecipientserror', 'inactive-recipient']);

/**
 * What a synchronous recipient rejection says about the address, as the bounce of a 'rejected'
 * event. The policy suppresses it exactly when this is hard:
 * - providerCode '406' / 'InactiveRecipientsError' (Postmark's inactive recipients): hard, 'suppressed';
 * - an SMTP reply that classifies hard (5xx with 5.1.1, 5.1.2, 5.1.3, 5.1.6, 5.1.10, a disabled
 *   mailbox, a recognised "does not exist" text; a null MX suppresses the domain).
 * Anything else (a 4xx, a block, no SMTP reply at all) is reported but never suppressed.
 */
export function rejectionBounce(error: RelayError): BounceInfo {
  const smtp = error.smtp;
  const facts = {
    ...(smtp?.status === undefined ? {} : { smtpStatus: smtp.status }),
    ...(smtp?.enhanced === undefined ? {} : { enhancedStatus: smtp.enhanced }),
    ...(smtp?.diagnostic === undefined ? {} : { diagnostic: smtp.diagnostic }),
  };
  if (error.providerCode !== undefined && inactiveCodes.has(error.providerCode.toLowerCase())) {
    return { class: 'hard', category: 'suppressed', ...facts };
  }
  if (!smtp) return { class: 'undetermined', category: 'unknown' };
  const { class: klass, category } = classifyBounce(facts);
  return { class: klass, category, ...facts };
}
