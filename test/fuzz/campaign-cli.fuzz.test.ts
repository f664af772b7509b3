import { Readable } from 'node:stream';
import fc from 'fast-check';
import { runCli, type CliIo } from 'relaykit';
import { describe, expect, it } from 'vitest';

/**
 * Fuzzes the entry of `relaykit campaign run`: the arguments and the recipients CSV (read from
 * stdin with `--csv -`). Invariants: runCli always resolves (nothing escapes as a crash); a refusal
 * is exit 1 or 64 with exactly one line on stderr starting `[relaykit]` and no stack trace; and
 * the error behind it (seen with RELAYKIT_DEBUG=1) is one of the CLI's typed errors. No case
 * reaches a send: the template named does not exist, or the list is missing.
 * FUZZ_RUNS sets the cases per property (2,000 by default; `pnpm fuzz` runs 100,000).
 */
const runs = Number(
  process.env['FUZZ_RUNS'] ?? (process.env['npm_lifecycle_event'] === 'fuzz' ? 100_000 : 2_000),
);
const seed = Number(process.env['FUZZ_SEED'] ?? 17);
const typed = /^(UsageError|InputError|CsvFormatError|RelayError): /u;

async function cli(argv: readonly string[], stdin: string, debug: boolean) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: { write: (t: string) => out.push(t), isTTY: false },
    stderr: { write: (t: string) => err.push(t) },
    stdin: Readable.from([stdin]),
    env: debug ? { RELAYKIT_DEBUG: '1' } : {},
    signal: new AbortController().signal,
  };
  const code = await runCli(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** Runs once plainly and once with RELAYKIT_DEBUG=1, and checks the refusal both ways. */
async function refusedCleanly(argv: readonly string[], stdin: string, codes: readonly number[]) {
  const plain = await cli(argv, stdin, false);
  expect(codes).toContain(plain.code);
  if (plain.code === 0) return plain;
  const lines = plain.stderr.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^\[relaykit\] /u);
  expect(plain.stderr).not.toMatch(/\n\s+at /u);
  const debug = await cli(argv, stdin, true);
  expect(debug.code).toBe(plain.code);
  const stack = debug.stderr.slice(plain.stderr.length);
  expect(stack).toMatch(typed);
  return plain;
}

const field = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('a@x.test', 'Ann <ann@x.test>', 'bad', '', '"', '""', 'x,y', 'a\nb', ' @ '),
  fc.string({ unit: fc.constantFrom('"', ',', ';', '\t', '\n', '\r', 'a', '@', '.', ' ') }),
);
const csvText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc
    .tuple(
      fc.array(fc.oneof(fc.constantFrom('email', 'Email Address', 'address', 'name', ''), field), {
        maxLength: 5,
      }),
      fc.array(fc.array(field, { maxLength: 6 }), { maxLength: 6 }),
      fc.constantFrom(',', ';', '\t'),
      fc.constantFrom('\n', '\r\n', '\r'),
      fc.boolean(),
    )
    .map(
      ([header, rows, sep, eol, bom]) =>
        `${bom ? '\uFEFF' : ''}${[header, ...rows].map((r) => r.join(sep)).join(eol)}`,
    ),
);

const flagTokens = fc.constantFrom(
  '--csv',
  '--template',
  '--id',
  '--provider',
  '--store',
  '--from',
  '--stream',
  '--tag',
  '--canary-size',
  '--canary-fraction',
  '--canary-timeout',
  '--canary-settle',
  '--no-canary',
  '--per-second',
  '--window',
  '--dir',
  '--listen',
  '--json',
  '--no-progress',
  '-',
  'run',
  'ses',
  'postmark,resend',
  'sqlite:',
  'nope://x',
  '0',
  '-1',
  '1e309',
  'NaN',
  '0.5',
  '20',
  ' ',
  '--',
  '--csv=-',
  '--canary-size=',
);
const argToken = fc.oneof({ weight: 3, arbitrary: flagTokens }, fc.string({ maxLength: 20 }));

describe('relaykit campaign run: arbitrary input is refused with a typed one-line error', () => {
  it('arbitrary CSV text on stdin', async () => {
    await fc.assert(
      fc.asyncProperty(csvText, async (text) => {
        const r = await refusedCleanly(
          ['campaign', 'run', '--csv', '-', '--template', 'no-such-template', '--no-progress'],
          text,
          [1],
        );
        // Read as a list, or refused for its line: never anything else.
        expect(r.stderr).toMatch(
          /^\[relaykit\] (recipients CSV line \d+: |campaign run: the simulator has no template "no-such-template")/u,
        );
      }),
      { numRuns: runs, seed },
    );
  }, 600_000);

  it('arbitrary argument arrays', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.array(argToken, { maxLength: 12 }),
          fc.array(argToken, { maxLength: 12 }).map((a) => ['run', ...a]),
        ),
        async (args) => {
          // No list on stdin: a case that gets as far as reading it is refused there.
          await refusedCleanly(['campaign', ...args], '', [0, 1, 64]);
        },
      ),
      { numRuns: runs, seed },
    );
  }, 600_000);
});
