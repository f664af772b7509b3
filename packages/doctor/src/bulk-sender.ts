import { fail, pass, unchecked, warn, worst, type Check, type Status } from './report.ts';

interface Item {
  label: string;
  status: Status;
  /** The checks to fix when this item is not met. */
  blockers: Check[];
}

const item = (
  label: string,
  checks: readonly Check[],
  options: { softWarns?: boolean; required?: boolean } = {},
): Item => {
  // softWarns: a warning in these checks still meets the requirement (p=none, single alignment).
  const counted = checks.map((c) => (options.softWarns && c.status === 'warn' ? 'pass' : c.status));
  let status = worst(counted);
  if (options.required && checks.length === 0) status = 'fail';
  return { label, status, blockers: checks.filter((_, i) => counted[i] !== 'pass') };
};

const byId = (checks: readonly Check[], ...ids: string[]) =>
  checks.filter((c) => ids.includes(c.id));

/**
 * The mailbox providers' bulk-sender rules as a checklist over the checks already made: Gmail
 * (https://support.google.com/a/answer/81126) and Yahoo (https://senders.yahooinc.com/best-practices/)
 * since February 2024, Outlook.com consumer since May 2025 (Microsoft's "Outlook's new requirements for
 * high-volume senders", Microsoft Defender for Office 365 blog, April 2025).
 */
export function checkBulkSender(domain: string, checks: readonly Check[]): Check[] {
  const spf = item('SPF passes for the return path', [
    ...byId(checks, 'spf.record', 'spf.evaluation', 'spf.include'),
    ...byId(checks, 'mail-from.setup').filter((c) => c.status === 'fail'),
  ]);
  const dkimKeys = byId(checks, 'dkim.key');
  const dkim: Item = (() => {
    const working = dkimKeys.filter((c) => c.status !== 'fail');
    const base = item('DKIM signs with a key of at least 1024 bits', dkimKeys, { required: true });
    return working.length === 0 ? { ...base, status: 'fail' as const } : base;
  })();
  const dmarc = item(
    'DMARC record with p= at least none',
    byId(checks, 'dmarc.record', 'dmarc.policy'),
    { softWarns: true, required: true },
  );
  const alignment = item('From aligned with SPF or DKIM', byId(checks, 'alignment.dmarc'), {
    softWarns: true,
    required: true,
  });
  const exists = item(
    'Sending domain resolves and accepts mail',
    byId(checks, 'mx.soa', 'mx.records').filter(
      (c) => c.status === 'fail' || c.status === 'unchecked',
    ),
  );
  const oneClick = item(
    'One-click unsubscribe on bulk streams',
    byId(checks, 'streams.one-click-unsubscribe'),
  );

  return [
    summary(domain, 'bulk-sender.gmail-yahoo', 'Gmail and Yahoo bulk-sender rules (2024)', [
      spf,
      dkim,
      dmarc,
      alignment,
      exists,
      oneClick,
    ]),
    summary(domain, 'bulk-sender.microsoft', 'Outlook.com high-volume sender rules (2025)', [
      spf,
      dkim,
      dmarc,
      alignment,
    ]),
  ];
}

function summary(domain: string, id: string, title: string, items: Item[]): Check {
  const c = {
    id,
    area: 'bulk-sender' as const,
    subject: domain,
    title,
    evidence: items.map(
      (i) =>
        `${{ pass: 'met', warn: 'unverified', fail: 'NOT met', unchecked: 'not checked' }[i.status]}: ${i.label}`,
    ),
  };
  const status = worst(items.map((i) => i.status));
  if (status === 'pass') return pass(c);
  const titles = (list: readonly Item[]) => [
    ...new Set(list.flatMap((i) => i.blockers.map((b) => `${b.title} (${b.subject})`))),
  ];
  const unknown = items.filter((i) => i.status === 'unchecked');
  const unmet = items.filter((i) => i.status !== 'pass' && i.status !== 'unchecked');
  const notChecked =
    unknown.length > 0
      ? ` Not checked: ${unknown.map((i) => i.label).join('; ')}, because the lookups behind them failed (${titles(unknown).join(', ')}); run the doctor again once DNS answers.`
      : '';
  if (status === 'unchecked') return unchecked(c, notChecked.trim());
  const blockers = titles(unmet);
  const fix = `Not met: ${unmet.map((i) => i.label).join('; ')}.${blockers.length > 0 ? ` Fix the checks above: ${blockers.join(', ')}.` : ''}${notChecked}`;
  return status === 'fail' ? fail(c, fix) : warn(c, fix);
}
