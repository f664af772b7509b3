/**
 * The bounce classifier as it stood before the rework of issue 20 (code first, text second), kept
 * only so test/bench/classify.bench.ts can measure the new one against it in the same run.
 */
import type { BounceClass } from '@relaykit/core';
import { categoryClass, type BounceCategory } from './categories.ts';
import { hintPermanence, readHint, type BounceHint } from './hints.ts';
import { decisiveHard, enhancedRules, textRules, type BounceRule } from './rules.ts';
import { parseSmtpReply } from './smtp.ts';

export interface BounceInput {
  smtpStatus?: number;
  enhancedStatus?: string;
  diagnostic?: string;
  /** What the provider itself said, e.g. SES bounceType 'Permanent', Mailgun severity 'temporary'. */
  hint?: BounceHint;
}

export interface BounceClassification {
  class: BounceClass;
  category: BounceCategory;
  /** The rule that decided, for logs and rule tuning (e.g. 'unknown-user', 'x.2.2', 'hint', 'basic'). */
  rule: string;
}

/** Long diagnostics are cut: every provider text relaykit knows fits well within this. */
const maxText = 2000;

/**
 * Classifies a bounce or deferral (RFC 3463 enhanced codes, RFC 5321 §4.2 reply codes). The basic reply code decides retry
 * vs fail (4xx is never hard); the provider texts, then the enhanced code, refine it; the
 * provider's own bounce type decides only when the SMTP reply says nothing more. A 5xx with
 * 5.1.1, 5.1.2, 5.1.3, 5.1.6 or 5.1.10 is always hard. Unmatched 5xx replies are 'undetermined':
 * relaykit does not suppress on a reply it cannot read. Never throws.
 */
export function classifyBounce(input: BounceInput): BounceClassification {
  const { basic, enhanced, text } = readReply(input);
  const hint = readHint(input.hint);
  const permanent =
    basic !== undefined
      ? basic >= 500
      : enhanced !== ''
        ? enhanced.startsWith('5')
        : hintPermanence(input.hint);

  // A provider-side suppression or complaint is a fact about the address, whatever else was said.
  let result: BounceClassification | undefined =
    hint && (hint.category === 'suppressed' || hint.category === 'complaint')
      ? { class: 'hard', category: hint.category, rule: 'hint' }
      : undefined;
  result ??= match(textRules, basic, enhanced, text) ?? match(enhancedRules, basic, enhanced, text);
  if (!result && hint)
    result = {
      class: hint.class ?? categoryClass[hint.category],
      category: hint.category,
      rule: 'hint',
    };
  if (!result) {
    result =
      basic !== undefined && basic < 500 && basic >= 400
        ? { class: 'soft', category: 'temporary', rule: 'basic' }
        : {
            class: 'undetermined',
            category: 'unknown',
            rule: basic === undefined ? 'none' : 'basic',
          };
  }

  if (permanent === true && decisiveHard.has(enhanced) && result.class !== 'hard') {
    const byCode = match(enhancedRules, basic, enhanced, '');
    result = {
      class: 'hard',
      category: byCode?.category ?? 'unknown-user',
      rule: byCode?.rule ?? 'decisive',
    };
  }
  if (permanent === false && result.class === 'hard') {
    result = { ...result, class: 'soft' };
  }
  return result;
}

function match(
  rules: readonly BounceRule[],
  basic: number | undefined,
  enhanced: string,
  text: string,
): BounceClassification | undefined {
  const basicText = basic === undefined ? '' : String(basic);
  for (const rule of rules) {
    if (rule.text && !rule.text.test(text)) continue;
    if (rule.enhanced && !rule.enhanced.test(enhanced)) continue;
    if (rule.basic && !rule.basic.test(basicText)) continue;
    return {
      class: rule.class ?? categoryClass[rule.category],
      category: rule.category,
      rule: rule.id,
    };
  }
  return undefined;
}

/** The codes and text, with missing codes read from the diagnostic and nonsense values dropped. */
function readReply(input: BounceInput): {
  basic: number | undefined;
  enhanced: string;
  text: string;
} {
  const text = typeof input.diagnostic === 'string' ? input.diagnostic.slice(0, maxText) : '';
  const parsed = text === '' ? {} : parseSmtpReply(text);
  const given = input.smtpStatus;
  const basic = validBasic(given) ? given : validBasic(parsed.status) ? parsed.status : undefined;
  const rawEnhanced = typeof input.enhancedStatus === 'string' ? input.enhancedStatus.trim() : '';
  const enhanced = /^[245]\.\d{1,3}\.\d{1,3}$/u.test(rawEnhanced)
    ? normalizeEnhanced(rawEnhanced)
    : (parsed.enhanced ?? '');
  return { basic, enhanced: normalizeEnhanced(enhanced), text };
}

const validBasic = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 200 && value <= 599;

/** '5.01.001' and '5.1.1' are the same code. */
const normalizeEnhanced = (code: string): string =>
  code === ''
    ? ''
    : code
        .split('.')
        .map((part) => String(Number(part)))
        .join('.');
