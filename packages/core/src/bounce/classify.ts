import type { BounceClass } from '../events.ts';

export interface BounceInput {
  smtpStatus?: number;
  enhancedStatus?: string;
  diagnostic?: string;
  /** What the provider itself said, e.g. SES bounceType 'Permanent', Mailgun severity 'temporary'. */
  hint?: { provider?: string; type?: string; subType?: string; permanent?: boolean };
}

export interface BounceClassification {
  class: BounceClass;
  category: string;
}

/**
 * Classifies a bounce or deferral. The basic reply code decides retry vs fail; the enhanced code
 * refines it. (A first version: the table-driven classifier replaces it.)
 */
export function classifyBounce(input: BounceInput): BounceClassification {
  const enhanced = input.enhancedStatus ?? '';
  const permanent = input.smtpStatus !== undefined ? input.smtpStatus >= 500 : (input.hint?.permanent ?? enhanced.startsWith('5.'));
  if (/^[45]\.7\./u.test(enhanced)) return { class: permanent ? 'block' : 'soft', category: permanent ? 'policy' : 'rate-limit' };
  if (/^5\.1\.(1|2|10)$/u.test(enhanced)) return { class: 'hard', category: enhanced === '5.1.10' ? 'null-mx' : 'unknown-user' };
  if (/^[45]\.2\.2$/u.test(enhanced)) return { class: 'soft', category: 'mailbox-full' };
  if (input.smtpStatus === undefined && input.hint?.permanent === undefined && enhanced === '') return { class: 'undetermined', category: 'unknown' };
  return permanent ? { class: 'hard', category: 'unknown' } : { class: 'soft', category: 'temporary' };
}
