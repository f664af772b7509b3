import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bounceCategories, classifyBounce } from '../index.ts';
import { parseSmtpReply } from '../adapter.ts';

interface Reply {
  line: number;
  klass: string;
  category: string;
  source: string;
  reply: string;
}

/** corpus/replies.txt: "class | category | source | reply", '#' comments. */
function readCorpus(): Reply[] {
  const text = readFileSync(new URL('./corpus/replies.txt', import.meta.url), 'utf8');
  const replies: Reply[] = [];
  text.split('\n').forEach((raw, index) => {
    if (raw.trim() === '' || raw.startsWith('#')) return;
    const [klass, category, source, ...rest] = raw.split(' | ');
    if (!klass || !category || !source || rest.length === 0)
      throw new Error(`replies.txt line ${index + 1} is not "class | category | source | reply"`);
    replies.push({ line: index + 1, klass, category, source, reply: rest.join(' | ') });
  });
  return replies;
}

const corpus = readCorpus();
// Every 5th reply is held out: the rules are never tuned on these.
const heldOut = corpus.filter((_, i) => (i + 1) % 5 === 0);
const tuning = corpus.filter((_, i) => (i + 1) % 5 !== 0);

function score(replies: readonly Reply[]) {
  const misses: string[] = [];
  let classAgree = 0;
  let categoryAgree = 0;
  let falseHard = 0;
  for (const r of replies) {
    const got = classifyBounce({ diagnostic: r.reply });
    if (got.class === r.klass) classAgree++;
    else
      misses.push(
        `  line ${r.line}: want ${r.klass}/${r.category}, got ${got.class}/${got.category} (${got.rule}): ${r.reply.slice(0, 140)}`,
      );
    if (got.category === r.category) categoryAgree++;
    if (got.class === 'hard' && r.klass !== 'hard') falseHard++;
  }
  return {
    n: replies.length,
    classAgreement: classAgree / replies.length,
    categoryAgreement: categoryAgree / replies.length,
    falseHard: falseHard / replies.length,
    misses,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

describe('bounce corpus (corpus/replies.txt)', () => {
  it('holds at least 400 real replies, each with a known class, category and source', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(400);
    const categories = new Set<string>(bounceCategories);
    for (const r of corpus) {
      expect(['hard', 'soft', 'block', 'undetermined'], `line ${r.line}`).toContain(r.klass);
      expect(categories.has(r.category), `line ${r.line} category ${r.category}`).toBe(true);
    }
    expect(new Set(corpus.map((r) => r.reply)).size).toBe(corpus.length);
  });

  it('agrees on the class for at least 95% of the held-out fifth, with under 1% false hard', () => {
    const held = score(heldOut);
    const tuned = score(tuning);
    console.log(
      [
        `bounce corpus: held-out ${held.n} replies: class ${pct(held.classAgreement)}, category ${pct(held.categoryAgreement)}, false hard ${pct(held.falseHard)}`,
        `bounce corpus: tuning ${tuned.n} replies: class ${pct(tuned.classAgreement)}, category ${pct(tuned.categoryAgreement)}, false hard ${pct(tuned.falseHard)}`,
        // The held-out misses are counted, never listed: the rules are not tuned on them.
        ...(tuned.misses.length ? ['tuning misses:', ...tuned.misses] : []),
      ].join('\n'),
    );
    expect(held.classAgreement).toBeGreaterThanOrEqual(0.95);
    expect(held.falseHard).toBeLessThan(0.01);
    expect(tuned.classAgreement).toBeGreaterThanOrEqual(0.95);
    expect(tuned.falseHard).toBeLessThan(0.01);
  });

  it('gives the same class when an adapter passes the codes it parsed beside the text', () => {
    for (const r of corpus) {
      const parsed = parseSmtpReply(r.reply);
      const withCodes = classifyBounce({
        diagnostic: r.reply,
        ...(parsed.status === undefined ? {} : { smtpStatus: parsed.status }),
        ...(parsed.enhanced === undefined ? {} : { enhancedStatus: parsed.enhanced }),
      });
      expect(withCodes.class, `line ${r.line}`).toBe(classifyBounce({ diagnostic: r.reply }).class);
    }
  });
});
