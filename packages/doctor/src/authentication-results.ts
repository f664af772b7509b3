/** One `method=result` with its reason, comments and `ptype.property=value` pairs (RFC 8601 §2.2). */
export interface AuthResult {
  method: string;
  result: string;
  reason: string | undefined;
  /** CFWS comments next to the result, e.g. Gmail's "(google.com: domain of … designates …)". */
  comments: string[];
  /** Properties by name, e.g. `header.d`, `smtp.mailfrom`; also vendor keys such as Microsoft's `action`. */
  properties: Record<string, string>;
}

export interface SpfAuthResult {
  result: string;
  /** Domain of smtp.mailfrom (or smtp.helo when there was no MAIL FROM): what DMARC aligns against. */
  domain: string | undefined;
  mailfrom: string | undefined;
}

export interface DkimAuthResult {
  result: string;
  /** header.d, or the domain of header.i when the receiver reports only the identity. */
  domain: string | undefined;
  selector: string | undefined;
  identity: string | undefined;
}

export interface DmarcAuthResult {
  result: string;
  /** header.from: the From domain DMARC was evaluated for. */
  domain: string | undefined;
  /** Published policy when the receiver mentions it (Gmail and Yahoo in a comment: p=REJECT). */
  policy: string | undefined;
}

export interface AuthenticationResults {
  /** The receiver that wrote the header; Microsoft 365 omits it. */
  authservId: string | undefined;
  results: AuthResult[];
  spf: SpfAuthResult[];
  dkim: DkimAuthResult[];
  dmarc: DmarcAuthResult[];
}

type Token =
  | { kind: 'word'; text: string; quoted: boolean }
  | { kind: 'comment'; text: string }
  | { kind: 'semicolon' };

/** Splits a header body into words, comments (nested, with quoted-pairs) and semicolons, dropping quotes. */
function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let word: string | undefined;
  let quoted = false;
  const flush = () => {
    if (word !== undefined) tokens.push({ kind: 'word', text: word, quoted });
    word = undefined;
    quoted = false;
  };
  while (i < input.length) {
    const ch = input[i] as string;
    if (ch === '(') {
      flush();
      let depth = 1;
      let text = '';
      i++;
      while (i < input.length && depth > 0) {
        const c = input[i] as string;
        if (c === '\\' && i + 1 < input.length) {
          text += input[i + 1];
          i += 2;
          continue;
        }
        if (c === '(') depth++;
        if (c === ')') depth--;
        if (depth > 0) text += c;
        i++;
      }
      tokens.push({ kind: 'comment', text: text.replace(/\s+/gu, ' ').trim() });
    } else if (ch === ';') {
      flush();
      tokens.push({ kind: 'semicolon' });
      i++;
    } else if (/\s/u.test(ch)) {
      flush();
      i++;
    } else if (ch === '"') {
      i++;
      let text = '';
      while (i < input.length && input[i] !== '"') {
        if (input[i] === '\\' && i + 1 < input.length) i++;
        text += input[i];
        i++;
      }
      i++;
      word = (word ?? '') + text;
      quoted = true;
    } else {
      word = (word ?? '') + ch;
      i++;
    }
  }
  flush();
  return tokens;
}

interface Item {
  text: string;
  comments: string[];
}

/** Joins `a = b` spread over several words (CFWS is allowed around "=") and attaches comments to the item before them. */
function items(tokens: readonly Token[]): Item[] {
  const out: Item[] = [];
  let pendingJoin = false;
  for (const t of tokens) {
    if (t.kind === 'semicolon') continue;
    if (t.kind === 'comment') {
      const last = out.at(-1);
      if (last) last.comments.push(t.text);
      continue;
    }
    const last = out.at(-1);
    if (last && (pendingJoin || t.text.startsWith('='))) {
      last.text += t.text;
    } else {
      out.push({ text: t.text, comments: [] });
    }
    // Only a bare "key=" waits for its value; "header.b=abc=" (base64) and reason="" are complete.
    pendingJoin = !t.quoted && t.text.indexOf('=') === t.text.length - 1;
  }
  return out;
}

function splitSegments(tokens: readonly Token[]): Token[][] {
  const segments: Token[][] = [[]];
  for (const t of tokens) {
    if (t.kind === 'semicolon') segments.push([]);
    else segments.at(-1)?.push(t);
  }
  return segments;
}

const domainOf = (value: string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  const domain = value
    .slice(value.lastIndexOf('@') + 1)
    .toLowerCase()
    .replace(/\.$/u, '');
  return domain === '' || domain === 'none' ? undefined : domain;
};

function parseResult(segment: readonly Item[]): AuthResult | undefined {
  const [head, ...rest] = segment;
  if (!head) return undefined;
  const eq = head.text.indexOf('=');
  if (eq <= 0) return undefined;
  const result: AuthResult = {
    // "method/version" is allowed by the grammar; the version is always 1 in practice.
    method: head.text.slice(0, eq).replace(/\/.*$/u, '').toLowerCase(),
    result: head.text.slice(eq + 1).toLowerCase(),
    reason: undefined,
    comments: [...head.comments],
    properties: {},
  };
  for (const item of rest) {
    const at = item.text.indexOf('=');
    if (at <= 0) {
      result.comments.push(...item.comments);
      continue;
    }
    const key = item.text.slice(0, at).toLowerCase();
    const value = item.text.slice(at + 1);
    if (key === 'reason') result.reason = value;
    else result.properties[key] = value;
    result.comments.push(...item.comments);
  }
  return result;
}

/**
 * Parses an Authentication-Results header (RFC 8601), with or without its field name, folded or not,
 * as Gmail, Outlook / Microsoft 365 and Yahoo write it, and pulls out the SPF, DKIM and DMARC
 * verdicts with the domains they were for: what a seed inbox saw of a canary message.
 */
export function parseAuthenticationResults(header: string): AuthenticationResults {
  if (typeof header !== 'string') {
    throw new TypeError(
      '[relaykit] [doctor] parseAuthenticationResults expects the header as a string; pass the value of one Authentication-Results field',
    );
  }
  const body = header
    .replace(/\r?\n(?=[ \t])/gu, '')
    .replace(/^\s*authentication-results\s*:/iu, '');
  const segments = splitSegments(tokenize(body))
    .map(items)
    .filter((s) => s.length > 0);

  let authservId: string | undefined;
  const first = segments[0];
  // The authserv-id comes first, but Microsoft 365 starts straight with "spf=…".
  if (first && !(first[0]?.text.includes('=') ?? false)) {
    authservId = first[0]?.text;
    segments.shift();
  }
  const results = segments
    .map(parseResult)
    .filter((r): r is AuthResult => r !== undefined && r.method !== 'none');

  const of = (method: string) => results.filter((r) => r.method === method);
  return {
    authservId,
    results,
    spf: of('spf').map((r) => {
      const mailfrom = r.properties['smtp.mailfrom'];
      return {
        result: r.result,
        domain: domainOf(mailfrom ?? r.properties['smtp.helo']),
        mailfrom,
      };
    }),
    dkim: of('dkim').map((r) => ({
      result: r.result,
      domain: domainOf(r.properties['header.d'] ?? r.properties['header.i']),
      selector: r.properties['header.s'],
      identity: r.properties['header.i'],
    })),
    dmarc: of('dmarc').map((r) => {
      const policy = r.comments
        .map((c) => /(?:^|\s)p=(\w+)/iu.exec(c)?.[1])
        .find((p) => p !== undefined);
      return {
        result: r.result,
        domain: domainOf(r.properties['header.from']),
        policy: policy?.toLowerCase(),
      };
    }),
  };
}
