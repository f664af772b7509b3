import { runDemo } from './demo.ts';

export { runDemo, type DemoOptions, type DemoSummary } from './demo.ts';

const usage = `relaykit <command>

Commands:
  demo    run a campaign through the relay on embedded defaults (no account, no network)
`;

/** Runs the CLI with these arguments; resolves to the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const [command] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    process.stdout.write(usage);
    return command === undefined ? 1 : 0;
  }
  if (command === 'demo') {
    await runDemo();
    return 0;
  }
  process.stderr.write(`[relaykit] unknown command '${command}'\n\n${usage}`);
  return 1;
}
