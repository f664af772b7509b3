import { classifyBounce } from '../bounce/classify.ts';
import type { BounceHint, BounceHints } from '../bounce/hints.ts';
import { parseSmtpReply } from '../bounce/smtp.ts';
import type { BounceInfo } from '../events.ts';

/** A bounce's codes and text, as a webhook gives them and as its event carries them. */
export type BounceFacts = Pick<BounceInfo, 'smtpStatus' | 'enhancedStatus' | 'diagnostic'>;

/** Longest diagnostic kept: SMTP replies are a line or two, and the classifier reads every byte. */
export const maxDiagnostic = 2000;

/** The facts of an SMTP reply line (`550 5.1.1 <a@b>: user unknown`), its text cut to maxDiagnostic. */
export function replyFacts(line: string | undefined): BounceFacts {
  if (line === undefined || line === '') return {};
  const reply = parseSmtpReply(line.slice(0, maxDiagnostic));
  return {
    ...(reply.status === undefined ? {} : { smtpStatus: reply.status }),
    ...(reply.enhanced === undefined ? {} : { enhancedStatus: reply.enhanced }),
    ...(reply.diagnostic ? { diagnostic: reply.diagnostic } : {}),
  };
}

/**
 * A bounce's facts classified by core's classifier, with the provider's own verdict as the hint,
 * read through the provider's vocabulary (`hints`, its `Provider.bounceHints`).
 */
export function classifiedBounce(
  facts: BounceFacts,
  hint?: BounceHint,
  hints?: BounceHints,
): BounceInfo {
  const c = classifyBounce(hint === undefined ? facts : { ...facts, hint }, hints);
  return { class: c.class, category: c.category, ...facts };
}
