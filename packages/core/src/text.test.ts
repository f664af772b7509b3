import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanText, csvFormulaSafe, hasControlCharacters, uncsvFormula } from './text.ts';

describe('text', () => {
  it('replaces NUL, VT, FF, NEL, CR, LF and the Unicode separators, keeping tabs', () => {
    expect(cleanText('a\u0000b\u000bc\u000cd\u0085e\r\nf\u2028g\th')).toBe('a b c d e f g\th');
    expect(cleanText('plain text')).toBe('plain text');
  });

  it('leaves no control character in any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(hasControlCharacters(cleanText(s))).toBe(false);
      }),
      { numRuns: 2000, seed: 17 },
    );
  });

  it('defuses a leading formula character and undoes it exactly', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom("'", '=', '+', '-', '@', 'a', '\t', '1') }),
        (s) => {
          const safe = csvFormulaSafe(s);
          expect(safe).not.toMatch(/^[=+\-@\t\r]/u);
          expect(uncsvFormula(safe)).toBe(s);
        },
      ),
      { numRuns: 2000, seed: 17 },
    );
  });
});
