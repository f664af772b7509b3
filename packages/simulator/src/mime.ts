/** What the simulator needs from a raw RFC 5322 message (SES Raw content). */
export interface ParsedMime {
  readonly headers: ReadonlyMap<string, string>;
  readonly attachments: number;
}

/** Top-level headers (unfolded, first occurrence wins) plus a count of attachment parts. */
export function parseMime(raw: Buffer): ParsedMime {
  const text = raw.toString('utf8');
  const split = /\r?\n\r?\n/.exec(text);
  const head = split ? text.slice(0, split.index) : text;
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const key = name.toLowerCase();
    if (!headers.has(key)) headers.set(key, line.slice(colon + 1).trim());
  }
  const attachments = (text.match(/^content-disposition:\s*attachment/gim) ?? []).length;
  return { headers, attachments };
}
