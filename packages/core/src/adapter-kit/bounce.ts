import { classifyBounce, type BounceClassification } from '../bounce/classify.ts';
import type { BounceHint, BounceHints } from '../bounce/hints.ts';
import { parseSmtpCodes } from '../bounce/smtp.ts';
import type { BounceInfo } from '../events.ts';

/** A bounce's codes and text, as a webhook gives them and as its event carries them. */
export type BounceFacts = Pick<BounceInfo, 'smtpStatus' | 'enhancedStatus' | 'diagnostic'>;

/** Longest diagnostic kept: SMTP replies are a line or two, and the classifier reads every byte. */
export const maxDiagnostic = 2000;

/** The facts of an SMTP reply line (`550 5.1.1 <a@b>: user unknown`), its text cut to maxDiagnostic. */
export function replyFacts(line: string | undefined): BounceFacts {
  if (line === undefined || line === '') return {};
  // The codes alone: the stage a reply names is not among a bounce's facts (the classifier
  // reads it from the diagnostic when it matters), and its pattern is the costliest to run.
  const reply = parseSmtpCodes(line.slice(0, maxDiagnostic));
  return {
    ...(reply.status === undefined ? {} : { smtpStatus: reply.status }),
    ...(reply.enhanced === undefined ? {} : { enhancedStatus: reply.enhanced }),
    ...(reply.diagnostic ? { diagnostic: reply.diagnostic } : {}),
  };
}

/**
/**
 * Recent verdicts by their exact input, per vocabulary: a provider's bounces repeat the same few
 * replies (the same mailbox provider's "user unknown" for every address it refuses), and the
 * classifier's rules cost a bounce more than the rest of its parsing. `classifyBounce` reads
 * nothing but its input and the vocabulary, so a verdict stands for the same pair. Bounded:
 * cleared when full; long texts, and texts naming an address, skip it.
 */
const recentByHints = new WeakMap<BounceHints, Map<string, BounceClassification>>();
const recentWithout = new Map<string, BounceClassification>();
const recentMax = 512;
const recentKeyMax = 1024;

function recentFor(hints: BounceHints | undefined): Map<string, BounceClassification> {
  if (hints === undefined) return recentWithout;
  let recent = recentByHints.get(hints);
  if (recent === undefined) {
    recent = new Map();
    recentByHints.set(hints, recent);
  }
  return recent;
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
  const input = hint === undefined ? facts : { ...facts, hint };
  let key: string | undefined;
  // A text naming an address (`<a@b>: user unknown`) is one recipient's: it would not recur.
  if (!(typeof facts.diagnostic === 'string' && facts.diagnostic.includes('@'))) {
    try {
      key = JSON.stringify(input);
    } catch {
      // Not JSON (a BigInt, say): classified without the memo, which refuses it as it should.
    }
  }
  const recent = recentFor(hints);
  let c = key === undefined ? undefined : recent.get(key);
  if (c === undefined) {
    c = classifyBounce(input, hints);
    if (key !== undefined && key.length <= recentKeyMax) {
      if (recent.size >= recentMax) recent.clear();
      recent.set(key, c);
    }
  }
  return { class: c.class, category: c.category, ...facts };
}
