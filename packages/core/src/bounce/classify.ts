import { RelayError } from '../errors.ts';
import type { BounceClass } from '../events.ts';
import { categoryClass, type BounceCategory } from './categories.ts';
import { hintPermanence, readHint, type BounceHint, type BounceHints } from './hints.ts';
import { basicRules, enhancedRules, genericEnhanced, textRules, type BounceRule } from './rules.ts';
import { parseSmtpCodes, parseSmtpStage, smtpStages, type SmtpStage } from './smtp.ts';

export interface BounceInput {
  /** The basic reply code: 550, or '550' as some payloads carry it. */
  smtpStatus?: number | string;
  enhancedStatus?: string;
  diagnostic?: string;
  /**
   * The SMTP command the remote server answered, when the DSN or the relay says it; otherwise it
   * is read from the diagnostic ("in reply to MAIL FROM command", "after RCPT TO:<...>").
   */
  stage?: SmtpStage;
  /**
   * What the provider itself said, in its own names (read through the `hints` given to
   * classifyBounce, the provider's `bounceHints`), or `{ permanent }` alone.
   */
  hint?: BounceHint;
}

export interface BounceClassification {
  class: BounceClass;
  category: BounceCategory;
  /** The rule that decided, for logs and rule tuning (e.g. 'unknown-user', 'x.2.2', 'hint', 'basic'). */
  rule: string;
}

const senderCodes = new Set(['4.1.7', '5.1.7', '4.1.8', '5.1.8', '4.7.27', '5.7.27']);

/** Long diagnostics are cut: every provider text relaykit knows fits well within this. */
const maxText = 2000;

/**
 * Classifies a bounce or deferral from its basic code, enhanced code, text and SMTP stage, read
 * together (docs/suppression.md):
 * 1. a provider's own suppression or complaint verdict;
 * 2. the text, when a rule recognises it: it overrides a generic or contradicting code
 *    ("552 5.1.1 ... over quota" is mailbox-full); a weak wording ("rejected", "try again later")
 *    yields to a specific enhanced code;
 * 3. the enhanced code (RFC 3463), then the basic code (521/556 null MX, 530 authentication,
 *    50x syntax); then the provider's bounce type; an unread 4xx is soft, an unread 5xx undetermined
 *    (a bare 550 or 553 never suppresses);
 * 4. a sender code (X.1.7, X.1.8, X.7.27) or the stage: a recipient verdict given at MAIL FROM
 *    (or before) concerns the sender, one given after DATA concerns the message; neither is hard;
 * 5. permanence: a 4xx (or a provider's "transient") is never hard.
 * `hints` is the vocabulary of the provider that gave `input.hint` (its `Provider.bounceHints`);
 * without it only `hint.permanent` is read.
 * Throws a RelayError `invalid` when `input` is not an object, or when `smtpStatus` is neither a
 * number nor a numeric string (a caller's mistake is never silently dropped); other bad field
 * values are ignored.
 */
export function classifyBounce(input: BounceInput, hints?: BounceHints): BounceClassification {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new RelayError({
      kind: 'invalid',
      field: 'bounce',
      message:
        'classifyBounce expects an object such as { smtpStatus: 550, enhancedStatus: "5.1.1", diagnostic: "..." }',
    });
  }
  const { basic, enhanced, text } = readReply(input);
  const hint = readHint(input.hint, hints);
  const permanent =
    basic !== undefined
      ? basic >= 500
      : enhanced !== ''
        ? enhanced.startsWith('5')
        : hintPermanence(input.hint, hints);

  // A provider-side suppression or complaint is a fact about the address, whatever else was said.
  if (hint && (hint.category === 'suppressed' || hint.category === 'complaint'))
    return { class: permanent === false ? 'soft' : 'hard', category: hint.category, rule: 'hint' };

  const basicText = basic === undefined ? '' : String(basic);
  let result: Decision | undefined;
  const byText =
    text === '' ? undefined : match(loweredTextRules, basicText, enhanced, text.toLowerCase());
  if (byText && (!byText.weak || genericEnhanced.has(enhanced))) result = byText;
  result ??=
    match(enhancedRules, basicText, enhanced, '') ??
    byText ??
    match(basicRules, basicText, enhanced, '');
  if (!result && hint)
    result = {
      class: hint.class ?? categoryClass[hint.category],
      category: hint.category,
      rule: 'hint',
    };
  result ??=
    basic !== undefined && basic < 500
      ? { class: 'soft', category: 'temporary', rule: 'basic' }
      : {
          class: 'undetermined',
          category: 'unknown',
          rule: basic === undefined ? 'none' : 'basic',
        };

  if (result.class === 'hard' && result.category !== 'suppressed') {
    // X.1.7 / X.1.8 / X.7.27 name the sender's address: whatever the text, not the recipient's fault.
    if (senderCodes.has(enhanced))
      return { class: 'block', category: 'sender', rule: `${result.rule}+${enhanced}` };
    const stage = readStage(input.stage, text);
    // A refusal of MAIL FROM (or of the connection) cannot say the recipient does not exist.
    if (stage === 'connect' || stage === 'helo' || stage === 'mail')
      return { class: 'block', category: 'sender', rule: `${result.rule}@${stage}` };
    // After DATA the recipients were accepted: the message was refused (a filter), not the address.
    if (stage === 'data')
      return { class: 'block', category: 'policy', rule: `${result.rule}@data` };
  }
  if (permanent === false && result.class === 'hard') {
    return {
      class: 'soft',
      category: result.category === 'bad-domain' ? 'dns' : result.category,
      rule: result.rule,
    };
  }
  return { class: result.class, category: result.category, rule: result.rule };
}

/**
 * The text rules, compiled once for lower-cased text: V8 runs a case-sensitive pattern several
 * times faster than the same pattern with the `iu` flags, and the diagnostic is lowered once.
 */
const loweredTextRules: readonly BounceRule[] = textRules.map((rule) =>
  rule.text ? { ...rule, text: lowered(rule.text) } : rule,
);

/** The pattern for lower-cased input: literals lowered, escapes (\S, \B, \W ...) kept as they are. */
function lowered(pattern: RegExp): RegExp {
  const source = pattern.source;
  let out = '';
  for (let i = 0; i < source.length; i += 1) {
    const char = source.charAt(i);
    if (char === '\\') {
      out += source.slice(i, i + 2);
      i += 1;
    } else out += char.toLowerCase();
  }
  return new RegExp(out, pattern.flags.replace('i', ''));
}

interface Decision extends BounceClassification {
  weak?: boolean;
}

function match(
  rules: readonly BounceRule[],
  basic: string,
  enhanced: string,
  text: string,
): Decision | undefined {
  for (const rule of rules) {
    if (rule.text && !rule.text.test(text)) continue;
    if (rule.enhanced && !rule.enhanced.test(enhanced)) continue;
    if (rule.basic && !rule.basic.test(basic)) continue;
    const decision: Decision = {
      class: rule.class ?? categoryClass[rule.category],
      category: rule.category,
      rule: rule.id,
    };
    if (rule.weak) decision.weak = true;
    return decision;
  }
  return undefined;
}

/** The codes and text, with missing codes read from the diagnostic and nonsense values dropped. */
function readReply(input: BounceInput): {
  basic: number | undefined;
  enhanced: string;
  text: string;
} {
  const text =
    typeof input.diagnostic === 'string' ? maskAddresses(input.diagnostic.slice(0, maxText)) : '';
  const parsed = text === '' ? {} : parseSmtpCodes(text);
  const given = readBasic(input.smtpStatus);
  const basic = validBasic(given) ? given : validBasic(parsed.status) ? parsed.status : undefined;
  const rawEnhanced = typeof input.enhancedStatus === 'string' ? input.enhancedStatus.trim() : '';
  const enhanced = /^[245]\.\d{1,3}\.\d{1,3}$/u.test(rawEnhanced)
    ? rawEnhanced
    : (parsed.enhanced ?? '');
  return { basic, enhanced: normalizeEnhanced(enhanced), text };
}

/** An address in angle brackets, as replies quote the recipient (`<a@example.org>`). */
const quotedAddress = /<[^<>\s]*@[^<>\s]*>/gu;

/**
 * The text with each address in angle brackets replaced by `<>`. An address is the recipient's,
 * not the server's wording: no rule reads it (`<spf@example.org>` says nothing of SPF, nor
 * `<5.1.1@example.org>` of a status code), and a reply quoting one recurs for every recipient.
 */
export function maskAddresses(text: string): string {
  return text.includes('@') ? text.replace(quotedAddress, '<>') : text;
}

/** smtpStatus as a number: numeric strings are read, anything else that is not a number refused. */
function readBasic(value: unknown): number | undefined {
  if (value === undefined || typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*\d{3}\s*$/u.test(value)) return Number(value);
  throw new RelayError({
    kind: 'invalid',
    field: 'smtpStatus',
    message: `smtpStatus: ${JSON.stringify(value) ?? String(value)} is not an SMTP reply code; give a number such as 550 (or the string '550')`,
  });
}

function readStage(given: unknown, text: string): SmtpStage | undefined {
  if (typeof given === 'string' && (smtpStages as readonly string[]).includes(given))
    return given as SmtpStage;
  return text === '' ? undefined : parseSmtpStage(text);
}

const validBasic = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 200 && value <= 599;

/** '5.01.001' and '5.1.1' are the same code (most codes are already in the short form). */
const normalizeEnhanced = (code: string): string =>
  code === '' || /^[245]\.(?:0|[1-9]\d{0,2})\.(?:0|[1-9]\d{0,2})$/u.test(code)
    ? code
    : code
        .split('.')
        .map((part) => String(Number(part)))
        .join('.');
