import type { CampaignReport, CanaryMetric } from '@relaykit/core';
import { escape } from './chart.ts';
import { percent } from './stats.ts';

const metrics: readonly CanaryMetric[] = [
  'hard-bounce',
  'complaint',
  'block',
  'deferral',
  'send-failure',
];
const number = (n: number) => n.toLocaleString('en-US');
const rate = (r: number) => (r === 0 ? '0%' : `${(r * 100).toFixed(r < 0.01 ? 2 : 1)}%`);

const headline: Record<CampaignReport['status'], string> = {
  completed: 'completed: the canary passed and the whole list was released',
  stopped: 'stopped at the canary: the rest of the list was not sent',
  cancelled: 'cancelled: nothing more was released',
};

/**
 * The campaign's part of the report: its status and why, the canary's rates against each
 * threshold (and where the offending outcomes were), the counts, and the pauses.
 */
export function renderCampaignSection(report: CampaignReport): string {
  const canary = report.canary;
  const canaryHtml = canary
    ? `<p>${number(canary.size)} recipients in the canary, ${number(canary.attempted)} attempted, ${number(canary.outcomes)} with an outcome when judged: <b>${escape(canary.verdict)}</b>.</p>
<div class="scroll"><table><tr><th scope="col">threshold</th><th scope="col">rate</th><th scope="col">limit</th><th scope="col"></th></tr>${metrics
        .map((m) => {
          const over = canary.rates[m] > canary.thresholds[m];
          return `<tr data-metric="${m}"><th scope="row">${m}</th><td>${rate(canary.rates[m])}</td><td>${rate(canary.thresholds[m])}</td><td>${over ? '<b>over</b>' : 'within'}</td></tr>`;
        })
        .join('')}</table></div>${canary.breaches
        .map(
          (b) =>
            `<p class="breach"><b>${escape(b.threshold)}</b>: ${escape(b.message)}</p>${
              b.domains.length === 0
                ? ''
                : `<ul>${b.domains
                    .slice(0, 10)
                    .map(
                      (d) =>
                        `<li>${escape(d.domain)} (${escape(d.profile)}): ${number(d.count)}</li>`,
                    )
                    .join('')}</ul>`
            }`,
        )
        .join('')}`
    : '<p class="muted">No canary: the whole list was released at once.</p>';
  const counts: Array<[string, number]> = [
    ['recipients', report.total],
    ['released', report.released],
    ['sent', report.sent],
    ['delivered', report.delivered],
    ['deferred', report.deferred],
    ['bounced', report.bounced],
    ['complained', report.complained],
    ['suppressed', report.suppressed],
    ['rejected', report.rejected],
    ['failed', report.failed],
    ['pending', report.pending],
  ];
  return `<section class="campaign" data-status="${report.status}" aria-label="Campaign">
<h2>Campaign ${escape(report.id)}: ${escape(headline[report.status])}</h2>
${report.reason === undefined ? '' : `<p class="reason">${escape(report.reason)}</p>`}
<div class="scroll"><table><tr>${counts.map(([k]) => `<th scope="col">${k}</th>`).join('')}</tr><tr>${counts
    .map(
      ([k, v]) =>
        `<td data-key="${k}">${number(v)}${k === 'recipients' || report.total === 0 ? '' : ` <span class="muted">${percent(v / report.total)}</span>`}</td>`,
    )
    .join('')}</tr></table></div>
<h3>Canary</h3>${canaryHtml}
<h3>Pauses</h3>${
    report.pauses.length === 0
      ? '<p class="muted">none</p>'
      : `<ul>${report.pauses.map((p) => `<li>${escape(p.at)} · ${escape(p.reason)}</li>`).join('')}</ul>`
  }
<p class="muted">Started ${escape(report.startedAt)}, finished ${escape(report.finishedAt)}.</p>
</section>`;
}
