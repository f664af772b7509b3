import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nestsDeeperThan, scanNesting } from './webhook-bounds.ts';

describe('nestsDeeperThan', () => {
  // Text built from the characters the scan reads (brackets, quotes, backslashes) and filler.
  const text = fc.string({
    unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a', ',', ':', ' '),
    maxLength: 400,
  });

  it('answers what the full scan answers, for any text and limit', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 70 }), (t, limit) => {
        expect(nestsDeeperThan(t, limit)).toBe(scanNesting(t, limit));
      }),
      { numRuns: 5000 },
    );
  });

  it('answers what the full scan answers at the bound, with brackets inside strings', () => {
    for (const depth of [63, 64, 65])
      for (const t of [
        '['.repeat(depth) + ']'.repeat(depth),
        '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
        `["${'['.repeat(depth * 2)}", ${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}]`,
        `"\\"${'{'.repeat(depth * 2)}"`,
      ])
        expect([t.length, nestsDeeperThan(t)]).toEqual([t.length, scanNesting(t, 64)]);
  });
});
