import { UsageError } from './io.ts';

/**
 * Runs node:util parseArgs (strict) and turns its errors into a UsageError naming the command, so
 * the user sees one line and where to look. (`--help` is answered before a command runs.)
 */
export function parsing<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    const message =
      error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
    throw new UsageError(`relaykit ${command}: ${message}`);
  }
}

/** `a,b , c` → ['a', 'b', 'c'], for flags that take a list. */
export function list(value: string | readonly string[] | undefined): string[] {
  const values = value === undefined ? [] : typeof value === 'string' ? [value] : value;
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

export function port(command: string, flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(
      `relaykit ${command}: ${flag} must be a port number (0-65535), not '${value}'`,
    );
  return n;
}

/** `host:port`, `:port` or `port`. */
export function hostPort(
  command: string,
  flag: string,
  value: string,
  defaultHost: string,
): { host: string; port: number } {
  const at = value.lastIndexOf(':');
  if (at === -1) return { host: defaultHost, port: port(command, flag, value) };
  const host = value.slice(0, at).replace(/^\[|\]$/gu, '');
  return { host: host === '' ? defaultHost : host, port: port(command, flag, value.slice(at + 1)) };
}
