/**
 * The outcome of one check. `warn` means mail flows but a receiver may penalise it; `unchecked`
 * means the check could not run (a DNS query timed out or was refused), so nothing is known.
 */
export type Status = 'pass' | 'warn' | 'fail' | 'unchecked';

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

// A known problem outranks an unknown: a report with a failure and an unchecked row is a failure.
const rank: Record<Status, number> = { pass: 0, unchecked: 1, warn: 2, fail: 3 };

export function worst(statuses: Iterable<Status>): Status {
  let result: Status = 'pass';
  for (const s of statuses) if (rank[s] > rank[result]) result = s;
  return result;
}

type CheckInput = Omit<Check, 'status' | 'fix'>;

export const pass = (c: CheckInput): Check => ({ ...c, status: 'pass' });
export const warn = (c: CheckInput, fix: string): Check => ({ ...c, status: 'warn', fix });
export const fail = (c: CheckInput, fix: string): Check => ({ ...c, status: 'fail', fix });
/** The check could not run; the evidence says why (e.g. `query failed (ETIMEOUT)`). */
export const unchecked = (c: CheckInput, fix: string): Check => ({
  ...c,
  status: 'unchecked',
  fix,
});

/**
 * Exit code for `relaykit doctor`: 0 when every check is met, 1 when some are not (a failure or a
 * warning), 2 when all that ran are met but some could not be checked (DNS unreachable).
 */
export function exitCodeFor(reports: readonly DomainReport[]): 0 | 1 | 2 {
  const statuses = reports.map((r) => r.status);
  if (statuses.some((s) => s === 'fail' || s === 'warn')) return 1;
  return statuses.includes('unchecked') ? 2 : 0;
}
