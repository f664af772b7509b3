import { classifyBounce } from '../bounce/classify.ts';
import type { RelayError } from '../errors.ts';
import type { BounceInfo } from '../events.ts';

/**
 * What a synchronous recipient rejection says about the address, as the bounce of a 'rejected'
 * event, read from the SMTP reply it carries. The policy suppresses it exactly when this is hard:
 * an SMTP reply that classifies hard (an unknown user, a dead domain, a disabled mailbox, read
 * from the codes, the text and the stage together; a null MX suppresses the domain). Anything
 * else (a 4xx, a block, no SMTP reply at all) is reported but never suppressed. A provider whose
 * own code says more (an address it holds as inactive) says so with `Provider.rejectionBounce`,
 * which the relay asks first.
 */
export function rejectionBounce(error: RelayError): BounceInfo {
  const smtp = error.smtp;
  const facts = {
    ...(smtp?.status === undefined ? {} : { smtpStatus: smtp.status }),
    ...(smtp?.enhanced === undefined ? {} : { enhancedStatus: smtp.enhanced }),
    ...(smtp?.diagnostic === undefined ? {} : { diagnostic: smtp.diagnostic }),
  };
  const stage = smtp?.stage === undefined ? {} : { stage: smtp.stage };
  if (!smtp) return { class: 'undetermined', category: 'unknown' };
  const { class: klass, category } = classifyBounce({ ...facts, ...stage });
  return { class: klass, category, ...facts };
}
