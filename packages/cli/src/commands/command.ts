import type { CliIo } from './io.ts';

/** One `relaykit <name>` command. */
export interface Command {
  readonly name: string;
  /** One line for `relaykit --help`. */
  readonly summary: string;
  /** The full text of `relaykit <name> --help`. */
  readonly usage: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}
