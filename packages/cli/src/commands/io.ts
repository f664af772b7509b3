/** Where a command reads and writes: the process in a terminal, buffers in tests. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  /** Where progress and messages for people go; a terminal gets redrawn progress lines. */
  readonly stderr: {
    write(text: string): unknown;
    readonly isTTY?: boolean;
    readonly columns?: number;
  };
  readonly stdin: AsyncIterable<string | Uint8Array>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Ends the long-running commands (simulate, events). Absent: they run until SIGINT or SIGTERM.
   */
  readonly signal?: AbortSignal;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

/** A mistake in how the command was called: exit code 64 (EX_USAGE) and a pointer to --help. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Input the command cannot use: a file it cannot read, a list without addresses, a template the
 * provider does not have. One line saying what to do, exit code 1.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(`[relaykit] ${message}`, options);
  }
}

/** Resolves when the caller's signal aborts, or on SIGINT/SIGTERM when there is none. */
export function untilStopped(io: CliIo): Promise<void> {
  const { signal } = io;
  if (signal) {
    return signal.aborted
      ? Promise.resolve()
      : new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  }
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export async function readAll(input: AsyncIterable<string | Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

export const line = (stream: { write(text: string): unknown }, text = ''): void => {
  stream.write(`${text}\n`);
};
