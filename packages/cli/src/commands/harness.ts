import { Readable } from 'node:stream';
import { runCli } from '../index.ts';
import type { CliIo } from './io.ts';

/** A CLI run with captured output, for the command tests. */
export interface CapturedRun {
  io: CliIo;
  stdout(): string;
  stderr(): string;
  /** Ends a long-running command, as Ctrl-C would. */
  stop(): void;
  /** Resolves with the first match of `pattern` in stdout+stderr, once it appears. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The exit code, once runCli resolves. */
  done: Promise<number>;
}

export function start(
  argv: readonly string[],
  options: { env?: Record<string, string | undefined>; stdin?: string; tty?: boolean } = {},
): CapturedRun {
  const out: string[] = [];
  const err: string[] = [];
  const controller = new AbortController();
  const io: CliIo = {
    stdout: { write: (text: string) => out.push(text), isTTY: options.tty ?? false },
    stderr: { write: (text: string) => err.push(text) },
    stdin: Readable.from([options.stdin ?? '']),
    env: options.env ?? {},
    signal: controller.signal,
  };
  const all = () => out.join('') + err.join('');
  return {
    io,
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    stop: () => controller.abort(),
    async waitFor(pattern, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = all().match(pattern);
        if (match) return match;
        if (Date.now() > deadline) throw new Error(`no ${String(pattern)} in output:\n${all()}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    done: runCli(argv, io),
  };
}

/** Runs a command to completion. */
export async function run(
  argv: readonly string[],
  options: Parameters<typeof start>[1] = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = start(argv, options);
  const code = await r.done;
  return { code, stdout: r.stdout(), stderr: r.stderr() };
}
