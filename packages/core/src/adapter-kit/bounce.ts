import { classifyBounce, maskAddresses, type BounceClassification } from '../bounce/classify.ts';
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
 * Recent verdicts by their input (its quoted addresses masked, as the classifier reads it), per
 * vocabulary: a provider's bounces repeat the same few replies (the same mailbox provider's "user
 * unknown" for every address it refuses), and the classifier's rules cost a bounce more than the
 * rest of its parsing. `classifyBounce` reads nothing but its input and the vocabulary, so a
 * verdict stands for the same pair. Bounded: cleared when full; long texts, and texts naming an
 * address outside angle brackets, skip it.
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
  const key = memoKey(facts, hint);
  const recent = recentFor(hints);
  let c = key === undefined ? undefined : recent.get(key);
  if (c === undefined) {
    c = classifyBounce(hint === undefined ? facts : { ...facts, hint }, hints);
    if (key !== undefined && key.length <= recentKeyMax) {
      if (recent.size >= recentMax) recent.clear();
      recent.set(key, c);
    }
  }
  return { class: c.class, category: c.category, ...facts };
}

/** Separates a memo key's fields; a value holding it is not memoised. */
const separator = '\u0001';

/**
 * One field of a memo key: a letter for its type, then its value, so that 550 and '550', '' and
 * absent differ. Undefined for a value of a type no field takes, or a text holding the separator
 * (classified without the memo, which refuses what it should).
 */
function keyPart(value: unknown): string | undefined {
  switch (typeof value) {
    case 'undefined':
      return '';
    case 'string':
      return value.includes(separator) ? undefined : 's' + value;
    case 'number':
      return 'n' + String(value);
    case 'boolean':
      return value ? 't' : 'f';
    default:
      return undefined;
  }
}

/**
 * Everything `classifyBounce` reads of a bounce (its codes, text and stage, and the hint's
 * provider, names and permanence) as one string, or undefined when the verdict is not kept: a
 * text naming an address outside angle brackets (`a@b: user unknown`) is one recipient's and
 * would not recur. Built by concatenation: a list of parts and a join cost a bounce 0.7 KB.
 */
function memoKey(facts: BounceFacts, hint: BounceHint | undefined): string | undefined {
  // The classifier reads a reply with its quoted addresses masked (maskAddresses), so replies that
  // differ only in the address they quote share a verdict.
  const diagnostic =
    typeof facts.diagnostic === 'string' ? maskAddresses(facts.diagnostic) : facts.diagnostic;
  if (typeof diagnostic === 'string' && diagnostic.includes('@')) return undefined;
  const status = keyPart(facts.smtpStatus);
  const enhanced = keyPart(facts.enhancedStatus);
  const text = keyPart(diagnostic);
  const stage = keyPart((facts as { stage?: unknown }).stage);
  if (status === undefined || enhanced === undefined || text === undefined || stage === undefined)
    return undefined;
  const reply = status + separator + enhanced + separator + text + separator + stage;
  if (hint === undefined) return reply;
  if (typeof hint !== 'object' || hint === null) return undefined;
  const provider = keyPart(hint.provider);
  const type = keyPart(hint.type);
  const subType = keyPart(hint.subType);
  const permanent = keyPart(hint.permanent);
  if (provider === undefined || type === undefined || subType === undefined) return undefined;
  if (permanent === undefined) return undefined;
  return `${reply}${separator}h${provider}${separator}${type}${separator}${subType}${separator}${permanent}`;
}
