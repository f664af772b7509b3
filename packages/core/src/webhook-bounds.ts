/**
 * Cheap checks a webhook body passes before anything costly (signature checks that parse JSON,
 * the adapters' parsers) looks at it: a stranger's request must not cost more than reading it.
 */

/** Deepest JSON nesting a webhook may have. Provider payloads nest under ten levels. */
export const maxWebhookDepth = 64;

/**
 * Whether `text`, read as JSON, nests arrays and objects deeper than `limit`. One pass over the
 * characters, skipping strings (RFC 8259 section 7: a string ends at an unescaped quote); it stops
 * as soon as the limit is passed, so `[[[[…` of any size costs at most `limit` steps past its
 * start. Text that is not JSON is scanned the same way: only brackets outside quotes count.
 */
export function nestsDeeperThan(text: string, limit = maxWebhookDepth): boolean {
  // Nesting never exceeds the number of opening brackets: most bodies have a few dozen, counted
  // by the engine's own search (a fraction of a µs) rather than by a step per character.
  if (fewerOpeningsThan(text, limit + 1)) return false;
  return scanNesting(text, limit);
}

/** Whether `text` holds fewer than `count` opening brackets (`[` and `{`, in strings or not). */
function fewerOpeningsThan(text: string, count: number): boolean {
  let seen = 0;
  for (let at = text.indexOf('{'); at !== -1; at = text.indexOf('{', at + 1))
    if (++seen >= count) return false;
  for (let at = text.indexOf('['); at !== -1; at = text.indexOf('[', at + 1))
    if (++seen >= count) return false;
  return true;
}

/** nestsDeeperThan by the full scan alone (what its bracket count may skip). */
export function scanNesting(text: string, limit: number): boolean {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i += 1; i < n; i += 1) {
        const s = text.charCodeAt(i);
        if (s === 0x5c /* \ */) i += 1;
        else if (s === 0x22) break;
      }
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      depth += 1;
      if (depth > limit) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      if (depth > 0) depth -= 1;
    }
  }
  return false;
}
