/**
 * The demo's audience: a realistic mix of consumer mailboxes and company domains (some hosted by
 * Google Workspace or Microsoft 365), split between a transactional and an outreach stream.
 */
export interface Recipient {
  address: string;
  domain: string;
  stream: 'transactional' | 'outreach';
}

/** Company domains and the MX hosts they would have: they roll up into the same profiles. */
export const companyMx: Record<string, string[]> = {
  'northwind.example': ['aspmx.l.google.com', 'alt1.aspmx.l.google.com'],
  'contoso.example': ['contoso-example.mail.protection.outlook.com'],
  'initech.example': ['aspmx.l.google.com'],
  'globex.example': ['mx1.globex.example'],
  'umbrella.example': ['mx.umbrella.example'],
  'hooli.example': ['hooli-example.mail.protection.outlook.com'],
};

const consumer: Array<[string, number]> = [
  ['gmail.com', 0.34],
  ['outlook.com', 0.12],
  ['hotmail.com', 0.06],
  ['yahoo.com', 0.12],
  ['aol.com', 0.03],
  ['icloud.com', 0.09],
];

/** Deterministic: the same count always gives the same audience. */
export function buildAudience(count: number): Recipient[] {
  const companies = Object.keys(companyMx);
  const share = consumer.reduce((sum, [, s]) => sum + s, 0);
  const out: Recipient[] = [];
  let c = 0;
  for (let i = 0; i < count; i += 1) {
    // Spread domains evenly over the run instead of in blocks, as real lists are.
    const slot = ((i * 7919) % 1000) / 1000;
    let acc = 0;
    let domain = companies[c++ % companies.length] as string;
    for (const [d, s] of consumer) {
      acc += s;
      if (slot < acc) {
        domain = d;
        break;
      }
    }
    if (slot >= share) domain = companies[i % companies.length] as string;
    const stream = i % 4 === 0 ? 'transactional' : 'outreach';
    out.push({
      address: `${stream === 'transactional' ? 'customer' : 'reader'}${i}@${domain}`,
      domain,
      stream,
    });
  }
  return out;
}
