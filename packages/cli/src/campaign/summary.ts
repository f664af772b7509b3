import type { CampaignReport } from '@relaykit/core';

const n = (value: number) => value.toLocaleString('en-US');

/**
 * The end-of-run text: status and why, the counts, the canary's verdict, and where the HTML report
 * is. `observed` are the delivery outcomes seen until the end of the run: webhooks that came after
 * the campaign's last answer (the report counts those it had seen when it finished).
 */
export function describeReport(
  final: CampaignReport,
  htmlReport: string,
  observed: Partial<
    Pick<CampaignReport, 'sent' | 'delivered' | 'bounced' | 'complained' | 'deferred'>
  > = {},
): string {
  const report = {
    ...final,
    // Messages already in the outbox still go after a cancel or while webhooks come in.
    sent: Math.max(final.sent, observed.sent ?? 0),
    delivered: Math.max(final.delivered, observed.delivered ?? 0),
    bounced: Math.max(final.bounced, observed.bounced ?? 0),
    complained: Math.max(final.complained, observed.complained ?? 0),
    deferred: Math.max(final.deferred, observed.deferred ?? 0),
  };
  const head =
    report.status === 'completed'
      ? `Campaign ${report.id} completed: ${n(report.released)} of ${n(report.total)} recipients released.`
      : report.status === 'stopped'
        ? `Campaign ${report.id} stopped at the canary: ${n(report.total - report.released)} of ${n(report.total)} recipients were not sent.`
        : `Campaign ${report.id} cancelled: ${n(report.released)} of ${n(report.total)} recipients released.`;
  const c = report.canary;
  return [
    head,
    ...(report.reason === undefined ? [] : [`  ${report.reason}`]),
    `  sent ${n(report.sent)} · delivered ${n(report.delivered)} · deferred ${n(report.deferred)} · bounced ${n(report.bounced)} · complained ${n(report.complained)} · suppressed ${n(report.suppressed)} · rejected ${n(report.rejected)} · failed ${n(report.failed)} · pending ${n(report.pending)}`,
    ...(c
      ? [
          `  canary: ${n(c.size)} recipients, ${c.verdict}; hard-bounce ${(c.rates['hard-bounce'] * 100).toFixed(1)}% (limit ${(c.thresholds['hard-bounce'] * 100).toFixed(1)}%), complaint ${(c.rates.complaint * 100).toFixed(2)}% (limit ${(c.thresholds.complaint * 100).toFixed(2)}%), block ${(c.rates.block * 100).toFixed(1)}%, deferral ${(c.rates.deferral * 100).toFixed(1)}%`,
        ]
      : ['  no canary']),
    ...(report.pauses.length > 0
      ? [
          `  paused ${report.pauses.length} time(s): ${report.pauses.map((p) => p.reason).join('; ')}`,
        ]
      : []),
    `HTML report: open file://${htmlReport}`,
  ].join('\n');
}
