import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DemoError } from './errors.ts';
import { runDemo } from './run.ts';

const servers = () =>
  process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap' || r === 'TCPSocketWrap')
    .length;
const scratch = mkdtempSync(join(tmpdir(), 'relaykit-demo-fail-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('runDemo on a failure', () => {
  it('stops the simulator, removes its temporary folder and names the stage', async () => {
    const before = servers();
    let made: string | undefined;
    const failure = runDemo({
      recipients: 40,
      out: { write: () => undefined },
      onStage(stage, { dir }) {
        made = dir;
        if (stage === 'sending the campaign') throw new Error('the network went away');
      },
    });
    await expect(failure).rejects.toThrow(DemoError);
    await expect(failure).rejects.toThrow(
      /^\[relaykit\] \[demo\] failed while sending the campaign: the network went away; what it had started is stopped and its temporary files removed/u,
    );
    expect(made).toBeDefined();
    expect(existsSync(made as string)).toBe(false);
    // Sockets close asynchronously: give them a turn.
    await new Promise((r) => setTimeout(r, 100));
    expect(servers()).toBeLessThanOrEqual(before);
  }, 60_000);

  it('says which stage failed when the state cannot be opened, and keeps a folder it was given', async () => {
    const dir = join(scratch, 'given');
    // A directory where the database file should be: SQLite cannot open it.
    mkdirSync(join(dir, 'relaykit.db'), { recursive: true });
    const before = servers();
    const error = await runDemo({ recipients: 10, dir, out: { write: () => undefined } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DemoError);
    expect((error as DemoError).stage).toBe('opening the SQLite state');
    expect(existsSync(dir)).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(servers()).toBeLessThanOrEqual(before);
  }, 60_000);
});
