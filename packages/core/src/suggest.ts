/**
 * "Did you mean" for a key relaykit does not know: the spellings other SDKs use (Postmark's
 * `HtmlBody`, Mailgun's `o:deliverytime`, Resend's `scheduledAt`...), a key in another case or
 * with underscores, or one a typo or two away.
 */

const squash = (key: string) => key.toLowerCase().replace(/[\s_:.-]/gu, '');

/** Other SDKs' names (squashed) for relaykit's message fields. */
const aliases: Record<string, string> = {
  htmlbody: 'html',
  body: 'text or html',
  textbody: 'text',
  plaintext: 'text',
  sender: 'from',
  fromemailaddress: 'from',
  recipient: 'to',
  recipients: 'to',
  toaddresses: 'to',
  ccaddresses: 'cc',
  bccaddresses: 'bcc',
  replytoaddresses: 'replyTo',
  hreplyto: 'replyTo',
  tag: 'tags',
  otag: 'tags',
  emailtags: 'tags',
  header: 'headers',
  attachment: 'attachments',
  inline: 'attachments (with a cid)',
  scheduledat: 'sendAt',
  scheduled: 'sendAt',
  sendtime: 'sendAt',
  odeliverytime: 'sendAt',
  deliverytime: 'sendAt',
  messagestream: 'stream',
  idempotency: 'idempotencyKey',
  customargs: 'metadata',
  variables: 'metadata',
  uservariables: 'metadata',
  unsubscribe: 'listUnsubscribe',
};

/** Template fields of the providers' own APIs, which relaykit does not carry. */
const templateKeys = new Set([
  'template',
  'templateid',
  'templatealias',
  'templatemodel',
  'templatedata',
  'templatename',
  'tvariables',
  'templatevariables',
]);

/** Edit distance counting a swap of neighbours as one edit (optimal string alignment). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => (d[i] as number[])[j] as number;
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * What to tell the caller who gave `key` where only `known` keys are allowed: a sentence naming
 * the nearest known key, or advice for a template field.
 */
export function unknownKeyAdvice(key: string, known: readonly string[]): string {
  const target = squash(key);
  if (templateKeys.has(target)) {
    return `${JSON.stringify(key)} is not a message field: relaykit sends content, not provider templates; render the template and pass html and/or text`;
  }
  const exact = known.find((k) => squash(k) === target);
  const alias = aliases[target];
  let nearest = exact ?? (alias && known.some((k) => alias.startsWith(k)) ? alias : undefined);
  if (nearest === undefined) {
    let best = Number.POSITIVE_INFINITY;
    for (const k of known) {
      const d = distance(target, squash(k));
      if (d < best) {
        best = d;
        nearest = k;
      }
    }
    if (best > Math.max(1, Math.floor(target.length / 3))) nearest = undefined;
  }
  const choices = known.join(', ');
  return nearest === undefined
    ? `${JSON.stringify(key)} is not a known field (known: ${choices})`
    : `${JSON.stringify(key)} is not a known field; did you mean ${nearest}?`;
}
