import type { SuppressionReason } from '@relaykit/core';

/**
 * The suppression and bounce exports relaykit reads, each described by its columns. Header names
 * are compared without case, spaces, `_` or `-` (`Email Address`, `EmailAddress` and
 * `email_address` are one name), so a column renamed by a spreadsheet still matches; columns not
 * named here are ignored.
 */
export type Field = 'address' | 'reason' | 'date' | 'stream' | 'expires' | 'lastSeen' | 'detail';

export interface Layout {
  name: 'relaykit' | 'ses' | 'postmark' | 'mailgun' | 'resend';
  label: string;
  /** Header names (normalised) per field; the first field, `address`, is required. */
  columns: Partial<Record<Field, readonly string[]>>;
  /** Columns that only this layout has: any of them present picks it. */
  marks: readonly string[];
  /** Reason when the file has no reason column (e.g. Mailgun's bounce list holds hard bounces only). */
  defaultReason?: (header: readonly string[]) => SuppressionReason;
  /** Where the format is documented, for the error that lists what was expected. */
  source: string;
}

export const normalizeName = (name: string): string =>
  name
    .trim()
    .toLowerCase()
    .replace(/[\s_\-.]/gu, '');

export const layouts: readonly Layout[] = [
  {
    // `relaykit suppression export`: address,stream,reason,first_seen,last_seen,expires_at,source_*.
    name: 'relaykit',
    label: 'relaykit export',
    columns: {
      address: ['address'],
      stream: ['stream'],
      reason: ['reason'],
      date: ['firstseen'],
      lastSeen: ['lastseen'],
      expires: ['expiresat'],
    },
    marks: [
      'firstseen',
      'lastseen',
      'expiresat',
      'sourcetype',
      'sourceeventid',
      'sourceprovider',
      'sourcedetail',
      'stream',
    ],
    source: 'relaykit suppression export',
  },
  {
    // SES v2 account-level suppression list: ListSuppressedDestinations returns
    // SuppressedDestinationSummaries[{EmailAddress, Reason: BOUNCE|COMPLAINT, LastUpdateTime}]
    // (API_SuppressedDestinationSummary); the console and export jobs write the same fields.
    name: 'ses',
    label: 'Amazon SES suppression list',
    columns: {
      address: ['emailaddress', 'email'],
      reason: ['reason'],
      date: ['lastupdatetime', 'lastupdatedtime', 'lastupdated'],
    },
    marks: ['lastupdatetime', 'lastupdatedtime'],
    source:
      'SES v2 ListSuppressedDestinations: EmailAddress, Reason (BOUNCE|COMPLAINT), LastUpdateTime',
  },
  {
    // Postmark suppressions dump (GET /message-streams/{stream}/suppressions/dump):
    // {EmailAddress, SuppressionReason: HardBounce|SpamComplaint|ManualSuppression, Origin, CreatedAt};
    // the dashboard's bounce export names the type as words ("Hard bounce", "Spam complaint").
    name: 'postmark',
    label: 'Postmark suppressions',
    columns: {
      address: ['emailaddress', 'email', 'recipient'],
      reason: ['suppressionreason', 'bouncetype', 'type', 'reason'],
      date: ['createdat', 'bouncedat', 'date'],
    },
    marks: ['suppressionreason', 'bouncetype', 'messagestream'],
    source: 'Postmark suppressions dump: EmailAddress, SuppressionReason, Origin, CreatedAt',
  },
  {
    // Mailgun suppression lists (bounces: address,code,error,created_at; unsubscribes:
    // address,tags,created_at; complaints: address,created_at), created_at in RFC 2822.
    name: 'mailgun',
    label: 'Mailgun suppressions',
    columns: {
      address: ['address'],
      date: ['createdat'],
      detail: ['error'],
    },
    marks: ['code', 'error', 'tags', 'tag'],
    defaultReason: (header) =>
      header.includes('code') || header.includes('error')
        ? 'hard-bounce'
        : header.includes('tags') || header.includes('tag')
          ? 'unsubscribe'
          : 'complaint',
    source:
      'Mailgun bounces (address,code,error,created_at), unsubscribes (address,tags,created_at), complaints (address,created_at)',
  },
  {
    // Resend suppressions (GET /suppressions and the dashboard export): email, origin
    // (bounce|complaint|manual), source_id, created_at.
    name: 'resend',
    label: 'Resend suppressions',
    columns: {
      address: ['email'],
      reason: ['origin', 'reason'],
      date: ['createdat'],
    },
    marks: ['origin', 'sourceid'],
    source: 'Resend suppressions: email, origin (bounce|complaint|manual), source_id, created_at',
  },
];

export type LayoutName = Layout['name'];
export const layoutNames: readonly LayoutName[] = layouts.map((l) => l.name);

/**
 * The layout a header belongs to: the one named, or the one whose own columns it has. A Mailgun
 * complaints file (`address,created_at`) has no column of its own; `address` + `created_at` is
 * taken as Mailgun's since relaykit's export never writes created_at.
 */
export function detectLayout(header: readonly string[], forced?: LayoutName): Layout | undefined {
  if (forced) return layouts.find((l) => l.name === forced);
  const has = (name: string) => header.includes(name);
  const byMark = layouts.find((l) => l.marks.some(has) && (l.columns.address ?? []).some(has));
  if (byMark) return byMark;
  if (has('address') && has('createdat')) return layouts.find((l) => l.name === 'mailgun');
  return layouts.find((l) => (l.columns.address ?? []).some(has));
}

/** Provider reason words → relaykit's reasons; compared normalised (`Hard bounce` = `hardbounce`). */
const reasonWords: Record<string, SuppressionReason> = {
  // relaykit's own
  hardbounce: 'hard-bounce',
  softbouncelimit: 'soft-bounce-limit',
  complaint: 'complaint',
  unsubscribe: 'unsubscribe',
  nullmx: 'null-mx',
  providersuppressed: 'provider-suppressed',
  manual: 'manual',
  // SES: BOUNCE | COMPLAINT (the list holds permanent bounces only)
  bounce: 'hard-bounce',
  // Postmark: HardBounce | SpamComplaint | ManualSuppression, and the dashboard's words
  spamcomplaint: 'complaint',
  manualsuppression: 'manual',
  manuallydeactivated: 'manual',
  badaddress: 'hard-bounce',
  bademailaddress: 'hard-bounce',
  softbounce: 'soft-bounce-limit',
  unsubscribed: 'unsubscribe',
  // Resend origin: bounce | complaint | manual; SES subtypes
  permanent: 'hard-bounce',
  noemail: 'hard-bounce',
  spam: 'complaint',
  abuse: 'complaint',
};

export const reasonFromWord = (word: string): SuppressionReason | undefined =>
  reasonWords[normalizeName(word)];

export const knownReasonWords = (): string =>
  'BOUNCE, COMPLAINT, HardBounce, Hard bounce, SpamComplaint, Spam complaint, ManualSuppression, bounce, complaint, manual, unsubscribe, or a relaykit reason';
