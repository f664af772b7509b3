/** Split an address-list header or field ("A <a@x>, \"B, Jr\" <b@y>") into its entries. */
export function splitAddressList(value: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  let angle = false;
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    else if (ch === '<' && !quoted) angle = true;
    else if (ch === '>' && !quoted) angle = false;
    if (ch === ',' && !quoted && !angle) {
      if (current.trim()) out.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

/** The bare lower-cased addr-spec of "Name <a@x>" or "a@x". */
export function bareAddress(entry: string): string {
  const m = /<([^>]*)>/.exec(entry);
  return (m ? (m[1] ?? '') : entry).trim().toLowerCase();
}

export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at === -1 ? '' : address.slice(at + 1).toLowerCase();
}

/** Loose syntax check, the kind every provider applies before accepting a recipient. */
export function isValidAddress(entry: string): boolean {
  return /^[^\s@<>()",;]+@[^\s@<>()",;]+\.[^\s@<>()",;]+$/.test(bareAddress(entry));
}

/** Accepts a string, a comma list, or an array of either, and returns the entries. */
export function addressEntries(value: unknown): string[] {
  if (typeof value === 'string') return splitAddressList(value);
  if (Array.isArray(value)) return value.flatMap((v) => addressEntries(v));
  return [];
}
