import { describe, expect, it } from 'vitest';
import { run } from './harness.ts';

const names = ['demo', 'campaign', 'simulate', 'send', 'events', 'suppression', 'doctor'];

describe('relaykit', () => {
  it('lists every command with --help and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const name of names) expect(r.stdout).toMatch(new RegExp(`^  ${name} `, 'mu'));
  });

  it('prints the usage on stderr and exits 64 without a command', async () => {
    const r = await run([]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('Commands:');
  });

  it.each(names)('answers %s --help and help %s with the same text', async (name) => {
    const a = await run([name, '--help']);
    const b = await run(['help', name]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).toMatch(new RegExp(`^relaykit ${name}`, 'u'));
  });

  it('refuses an unknown command with one line and exit 64', async () => {
    const r = await run(['sned']);
    expect(r.code).toBe(64);
    expect(r.stderr).toBe(
      "[relaykit] unknown command 'sned'; run 'relaykit --help' for the list\n",
    );
    expect((await run(['help', 'sned'])).code).toBe(64);
  });

  it('refuses an unknown flag with one line naming the command and exit 64', async () => {
    const r = await run(['doctor', 'example.com', '--provider', 'ses', '--colour']);
    expect(r.code).toBe(64);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^\[relaykit\] doctor: Unknown option '--colour'.*see 'relaykit doctor --help'/u,
    );
  });

  it('says which variable is missing, without a stack trace unless RELAYKIT_DEBUG=1', async () => {
    const args = [
      'send',
      '--provider',
      'postmark',
      '--from',
      'a@example.com',
      '--to',
      'b@example.org',
      '--subject',
      's',
      '--text',
      't',
    ];
    const r = await run(args);
    expect(r.code).toBe(64);
    expect(r.stderr).toBe(
      "[relaykit] postmark needs POSTMARK_SERVER_TOKEN in the environment (the server API token); see 'relaykit send --help'\n",
    );
    const debug = await run(args, { env: { RELAYKIT_DEBUG: '1' } });
    expect(debug.stderr).toMatch(/\n\s+at /u);
  });

  it('reports a failing command in one line with exit 1', async () => {
    const r = await run([
      'suppression',
      'import',
      '/nonexistent/relaykit.csv',
      '--store',
      'sqlite::memory:',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('[relaykit] suppression failed: ENOENT');
  });
});

describe('relaykit demo flags', () => {
  it('refuses a bad campaign size before starting anything', async () => {
    const r = await run(['demo', '--recipients', 'many']);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/--recipients must be a whole number/u);
  });
});
