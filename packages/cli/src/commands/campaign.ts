import { DEFAULT_CANARY_THRESHOLDS } from '@relaykit/core';
import { parseCampaignArgs } from '../campaign/args.ts';
import { runCampaignCommand } from '../campaign/run.ts';
import { simulatorTemplates } from '../campaign/templates.ts';
import type { Command } from './command.ts';
import { UsageError } from './io.ts';

const pct = (r: number) => `${(r * 100).toFixed(r < 0.01 ? 1 : 0)}%`;
const t = DEFAULT_CANARY_THRESHOLDS;

const usage = `relaykit campaign run --csv <file> --template <name> [options]

Runs a campaign from a CSV list through relay.campaign: a canary cohort first (about 2% of the
list, at least 20, drawn across the recipient domains), held until its outcomes are in; if its
rates stay within the thresholds (hard bounces ${pct(t['hard-bounce'])}, complaints ${pct(t.complaint)}, blocks ${pct(t.block)},
deferrals ${pct(t.deferral)}, failures at send ${pct(t['send-failure'])}) the rest of the list is released at the pace given. Progress goes to stderr;
the summary to stdout; an HTML report (the demo's, with the campaign's canary section) to --dir.

Without --provider it runs on embedded defaults, like the demo: the simulator stands in for
Postmark (SES, Mailgun and Resend as failover) on 127.0.0.1, with the templates
${Object.keys(simulatorTemplates).join(', ')}. No account, no network.

The CSV: a header line, an 'email' (or 'address') column, and any other columns, which become
each recipient's template data ({{name}} reads the 'name' column). ',' ';' or tab separators,
quoted fields, a byte-order mark. A bad row stops the command before anything is sent, naming its line.

Options:
  --csv <file>             the recipient list ('-' reads stdin)
  --template <name>        the provider's stored template (Postmark alias, SES template name,
                           Mailgun or Resend template)
  --id <id>                the campaign's id (default: the file name and the template); running
                           again with the same id and --store resumes it
  --provider <names>       ses, postmark, mailgun, resend (credentials and webhook secrets from the
                           environment, as for send and events); several = failover in that order
  --from <address>         the sender (required with --provider)
  --stream <name>          relaykit stream of the messages
  --tag <tag>              a tag on every message (repeatable)
  --store <spec>           sqlite:<path>, redis://… or postgres://… : the suppression list, the
                           outbox and the campaign's progress (default: memory, lost on exit)
  --listen <host:port>     with --provider, where the webhooks come in (default 127.0.0.1:8787;
                           point each provider at http://<listen>/webhooks/<provider>)
  --canary-size N          the canary's size (default 2% of the list, at least 20)
  --canary-fraction F      the canary's share of the list instead, e.g. 0.05
  --canary-timeout <s>     longest wait for the canary's outcomes (default 600; simulator 60)
  --canary-settle <s>      extra wait for late complaints (default 60; simulator 1)
  --no-canary              release the whole list at once
  --per-second N           messages handed to the outbox per second, at most
  --window N               messages in flight, at most (default 200)
  --dir <folder>           where the HTML report goes (default: a new temporary folder)
  --json                   print the final report as JSON on stdout
  --no-progress            one line per change of phase, and counts at most once a second

Exit codes: 0 completed; 2 stopped at the canary (the rest was not sent); 130 cancelled (Ctrl-C
or SIGTERM cancels the campaign: nothing more is released; a rerun of it returns its report);
1 failed (a file it cannot read, a bad CSV row, a template the provider does not have); 64 a
usage mistake.

After a crash (kill -9, a reboot), the same command with the same --store resumes the campaign.
Messages that were being sent at the crash go again once the outbox's lease on them runs out
(5 minutes): twice on SES, Postmark and Mailgun (no idempotency key), once on Resend.
`;

export const campaign: Command = {
  name: 'campaign',
  summary: 'run a campaign from a CSV list: a canary first, then the rest (campaign run)',
  usage,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub !== 'run')
      throw new UsageError(
        sub === undefined
          ? 'relaykit campaign: give a subcommand: run'
          : `relaykit campaign: unknown subcommand '${sub.slice(0, 40)}'; use run`,
      );
    return runCampaignCommand(parseCampaignArgs(rest), io);
  },
};
