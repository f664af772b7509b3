/** The outcome of one check. `warn` means mail flows but a receiver may penalise it. */
export type Status = 'pass' | 'warn' | 'fail';

export type CheckArea =
  'spf' | 'dkim' | 'dmarc' | 'alignment' | 'mail-from' | 'mx' | 'streams' | 'bulk-sender';

export interface Check {
  /** Stable identifier of the kind of check, e.g. `spf.record`; with `subject` it names one row. */
  id: string;
  area: CheckArea;
  /** What was checked: a DNS name, a relay or a stream. */
  subject: string;
  title: string;
  status: Status;
  /** What was found (records, counts, answers), so a reader can verify the verdict. */
  evidence: string[];
  /** What to do; present whenever the status is not `pass`. */
  fix?: string;
}

export interface DomainReport {
  domain: string;
  /** Public suffix + 1 label (tldts, Public Suffix List), the unit DMARC's relaxed alignment uses. */
  organizationalDomain: string;
  status: Status;
  checks: Check[];
}

const rank: Record<Status, number> = { pass: 0, warn: 1, fail: 2 };

export function worst(statuses: Iterable<Status>): Status {
  let result: Status = 'pass';
  for (const s of statuses) if (rank[s] > rank[result]) result = s;
  return result;
}

type CheckInput = Omit<Check, 'status' | 'fix'>;

export const pass = (c: CheckInput): Check => ({ ...c, status: 'pass' });
export const warn = (c: CheckInput, fix: string): Check => ({ ...c, status: 'warn', fix });
export const fail = (c: CheckInput, fix: string): Check => ({ ...c, status: 'fail', fix });

/** Exit code for `relaykit doctor`: 0 when every domain passes, 1 when the worst is a warning, 2 on any failure. */
export function exitCodeFor(reports: readonly DomainReport[]): 0 | 1 | 2 {
  return rank[worst(reports.map((r) => r.status))] as 0 | 1 | 2;
}
