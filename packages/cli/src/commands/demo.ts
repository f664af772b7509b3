import { parseArgs } from 'node:util';
import { startConsoleTelemetry } from '../demo/otel.ts';
import { runDemo } from '../demo/run.ts';
import { parsing } from './args.ts';
import type { Command } from './command.ts';
import { UsageError } from './io.ts';

const usage = `relaykit demo [--recipients N] [--dir <folder>] [--outage <seconds>] [--store postgres://…] [--schema <name>]
              [--no-progress] [--otel console]

Runs a campaign through the real relay pipeline on embedded defaults: no account, no network.
The simulator stands in for SES, Postmark, Mailgun and Resend on 127.0.0.1; the relay sends a
transactional stream on Postmark (SES as failover) and an outreach stream across SES, Mailgun
and Resend, takes in their signed webhooks, and writes a report with charts: the headline figures
first (each with its share of the recipients; every figure counts messages, not events), then
charts with the outage, failovers, throttle pauses and resumes and alerts marked on the time axis.

Options:
  --recipients N      campaign size (default 5000)
  --dir <folder>      where the SQLite state and the HTML report go (default: a new temporary folder)
  --outage <seconds>  how long Postmark is down, starting 2 s in (default 4)
  --store <url>       keep the state in PostgreSQL (postgres://user@host:5432/database) instead of
                      SQLite; the tables go in a schema of their own, kept after the run
  --schema <name>     that schema (default: a new relaykit_demo_<time> per run)
  --no-progress       no live progress block, one line per stage (as in a pipe or CI)
  --otel console      print the relay's OpenTelemetry spans and metrics to the console
                      (docs/operations.md lists them; needs the OpenTelemetry SDK installed)

On a failure the simulator is stopped, a temporary folder removed, and the stage that failed named
(exit 1).
`;

export const demo: Command = {
  name: 'demo',
  summary: 'run a campaign through the relay on embedded defaults (no account, no network)',
  usage,
  async run(args, io) {
    const { values } = parsing('demo', () =>
      parseArgs({
        args: [...args],
        strict: true,
        options: {
          recipients: { type: 'string' },
          dir: { type: 'string' },
          outage: { type: 'string' },
          store: { type: 'string' },
          schema: { type: 'string' },
          'no-progress': { type: 'boolean' },
          otel: { type: 'string' },
        },
      }),
    );
    const number = (flag: string, value: string | undefined, min: number): number | undefined => {
      if (value === undefined) return undefined;
      const n = Number(value);
      if (!Number.isInteger(n) || n < min)
        throw new UsageError(
          `relaykit demo: ${flag} must be a whole number ≥ ${min}, not '${value}'`,
        );
      return n;
    };
    const recipients = number('--recipients', values.recipients, 1);
    const outageSeconds = number('--outage', values.outage, 0);
    if (values.store !== undefined && !/^postgres(ql)?:\/\//u.test(values.store))
      throw new UsageError(
        `relaykit demo: --store must be a postgres:// URL (without it the demo keeps its state in SQLite), not '${values.store.split(':')[0] ?? values.store}:…'`,
      );
    if (values.schema !== undefined && values.store === undefined)
      throw new UsageError('relaykit demo: --schema goes with --store postgres://…');
    if (values.otel !== undefined && values.otel !== 'console')
      throw new UsageError(`relaykit demo: --otel takes 'console', not '${values.otel}'`);
    const stopTelemetry = values.otel === 'console' ? await startConsoleTelemetry() : undefined;
    try {
      await runDemo({
        out: io.stdout,
        ...(recipients === undefined ? {} : { recipients }),
        ...(outageSeconds === undefined ? {} : { outageSeconds }),
        ...(values.dir === undefined ? {} : { dir: values.dir }),
        ...(values.store === undefined ? {} : { store: values.store }),
        ...(values.schema === undefined ? {} : { schema: values.schema }),
        ...(values['no-progress'] ? { progress: false } : {}),
      });
    } finally {
      await stopTelemetry?.();
    }
    return 0;
  },
};
