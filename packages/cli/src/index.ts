import { isRelayError } from '@relaykit/core';
import { campaign } from './commands/campaign.ts';
import type { Command } from './commands/command.ts';
import { demo } from './commands/demo.ts';
import { doctor } from './commands/doctor.ts';
import { events } from './commands/events.ts';
import { processIo, UsageError, type CliIo } from './commands/io.ts';
import { send } from './commands/send.ts';
import { simulate } from './commands/simulate.ts';
import { suppression } from './commands/suppression.ts';

export { runDemo, type DemoOptions, type DemoResult } from './demo/run.ts';
export type { CliIo } from './commands/io.ts';

const commands: readonly Command[] = [demo, campaign, simulate, send, events, suppression, doctor];

const usage = `relaykit <command> [options]

Commands:
${commands.map((c) => `  ${c.name.padEnd(15)} ${c.summary}`).join('\n')}
  help <command>   the options of a command (or: relaykit <command> --help)

Exit codes: 0 done, 1 the command ran and failed, 64 a usage mistake (EX_USAGE, sysexits.h);
doctor adds 2 for checks it could not run; campaign run 2 when the canary stopped the campaign and
130 when it was interrupted. Set RELAYKIT_DEBUG=1 to see stack traces of errors.
`;

/** A mistake in how relaykit was called (EX_USAGE in BSD sysexits.h). */
export const usageExitCode = 64;

const find = (name: string | undefined) => commands.find((c) => c.name === name);

/**
 * Runs the CLI with these arguments; resolves to the exit code (0 ok, 1 failed, 64 a usage
 * mistake; doctor: 0 all met, 1 some not met, 2 some not checked). Errors are one line saying
 * what to do.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    io.stderr.write(usage);
    return usageExitCode;
  }
  if (name === '--help' || name === '-h') {
    io.stdout.write(usage);
    return 0;
  }
  if (name === 'help') {
    const topic = args[0] === undefined ? undefined : find(args[0]);
    if (args[0] !== undefined && !topic) {
      io.stderr.write(`[relaykit] no command '${args[0]}'\n\n${usage}`);
      return usageExitCode;
    }
    io.stdout.write(topic?.usage ?? usage);
    return 0;
  }
  const command = find(name);
  if (!command) {
    io.stderr.write(`[relaykit] unknown command '${name}'; run 'relaykit --help' for the list\n`);
    return usageExitCode;
  }
  // `--help` anywhere before a lone `--` asks for the command's help, whatever else is there.
  const end = args.indexOf('--');
  if ((end === -1 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h')) {
    io.stdout.write(command.usage);
    return 0;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    return report(error, command, io);
  }
}

function report(error: unknown, command: Command, io: CliIo): number {
  const debug = io.env['RELAYKIT_DEBUG'] === '1';
  if (error instanceof UsageError) {
    io.stderr.write(
      `[relaykit] ${error.message.replace(/^relaykit /u, '')}; see 'relaykit ${command.name} --help'\n`,
    );
    if (debug && error.stack) io.stderr.write(`${error.stack}\n`);
    return usageExitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  // RelayErrors already carry their [relaykit] [component] prefix and say what to do.
  const text =
    isRelayError(error) || message.startsWith('[relaykit]')
      ? message
      : `[relaykit] ${command.name} failed: ${message}`;
  io.stderr.write(`${text.split('\n')[0] ?? text}\n`);
  if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  return 1;
}
