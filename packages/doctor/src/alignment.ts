import { organizationalDomain } from './options.ts';
import { fail, pass, warn, type Check } from './report.ts';

export type AlignmentMode = 'r' | 's';

/** DMARC identifier alignment (RFC 7489 §3.1): strict needs the same name, relaxed the same organisational domain. */
export function aligned(identifier: string, fromDomain: string, mode: AlignmentMode): boolean {
  const a = identifier.toLowerCase();
  const f = fromDomain.toLowerCase();
  return mode === 's' ? a === f : organizationalDomain(a) === organizationalDomain(f);
}

export interface AlignmentInput {
  domain: string;
  relayLabel: string;
  envelopeDomain: string;
  /** d= domains of this relay's working DKIM keys; empty when it falls back to its own signature. */
  dkimDomains: readonly string[];
  relayDkimDomain: string | undefined;
  aspf: AlignmentMode;
  adkim: AlignmentMode;
  /** Example return-path host under the domain, for the fix text. */
  suggestedMailFrom: string;
  /** Where the return path goes once set up, in the reader's terms (`pass it as mailFrom`). */
  mailFromHint: string;
}

/** Does mail through this relay pass DMARC by SPF alignment, DKIM alignment, both or neither? */
export function checkAlignment(input: AlignmentInput): Check {
  const { domain, aspf, adkim } = input;
  const word = (m: AlignmentMode) => (m === 's' ? 'strict' : 'relaxed');
  const spfAligned = aligned(input.envelopeDomain, domain, aspf);
  const dkimDomains =
    input.dkimDomains.length > 0
      ? input.dkimDomains
      : input.relayDkimDomain
        ? [input.relayDkimDomain]
        : [];
  const dkimAligned = input.dkimDomains.some((d) => aligned(d, domain, adkim));
  const evidence = [
    `MAIL FROM ${input.envelopeDomain}: ${spfAligned ? 'aligned' : 'not aligned'} with ${domain} (aspf=${aspf}, ${word(aspf)})`,
    `DKIM d=${dkimDomains.join(', d=') || '(no working key)'}: ${dkimAligned ? 'aligned' : 'not aligned'} (adkim=${adkim}, ${word(adkim)})`,
  ];
  const c = {
    id: 'alignment.dmarc',
    area: 'alignment' as const,
    subject: input.relayLabel,
    title: `DMARC alignment via ${input.relayLabel}`,
  };

  const spfFix =
    aspf === 's' && aligned(input.envelopeDomain, domain, 'r')
      ? `aspf=s needs the MAIL FROM domain to equal ${domain} exactly, and ${input.envelopeDomain} does not: remove aspf=s from the DMARC record (relaxed alignment is what Yahoo and Gmail expect).`
      : `The MAIL FROM domain ${input.envelopeDomain} is outside ${organizationalDomain(domain)}, so SPF cannot align: use a return-path subdomain of ${domain} such as ${input.suggestedMailFrom} in ${input.relayLabel} and ${input.mailFromHint}.`;
  const dkimFix =
    adkim === 's' && input.dkimDomains.some((d) => aligned(d, domain, 'r'))
      ? `adkim=s needs d=${domain} exactly: sign with the domain itself or remove adkim=s.`
      : `${input.relayLabel} signs with d=${dkimDomains.join(', ') || 'nothing usable'}, not ${domain}: publish its DKIM records for ${domain} (see the DKIM checks) so signatures align.`;

  if (spfAligned && dkimAligned) return pass({ ...c, evidence });
  if (dkimAligned)
    return warn(
      { ...c, evidence },
      `DMARC passes on DKIM alone. ${spfFix} Microsoft asks for both.`,
    );
  if (spfAligned)
    return warn(
      { ...c, evidence },
      `DMARC passes on SPF alone, which breaks when mail is forwarded. ${dkimFix}`,
    );
  return fail(
    { ...c, evidence },
    `Nothing aligns, so DMARC fails for mail sent through ${input.relayLabel} (Gmail: 5.7.32 / 4.7.32). ${dkimFix} ${spfFix}`,
  );
}
