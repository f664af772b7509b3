import { afterAll, describe, expect, it } from 'vitest';
import { runSimulatorCli, type Simulator } from './index.ts';

let sim: Simulator | undefined;
afterAll(() => sim?.stop());

describe('runSimulatorCli', () => {
  it('starts a simulator from argv and prints endpoints and credentials as JSON', async () => {
    const lines: string[] = [];
    sim = await runSimulatorCli(
      [
        '--port',
        '0',
        '--seed',
        'cli',
        '--resend-webhook-url',
        'http://127.0.0.1:9/hooks',
        '--sns-signature-version',
        '2',
      ],
      (l) => lines.push(l),
    );
    expect(sim).toBeDefined();
    const printed = JSON.parse(lines[0] ?? '{}') as {
      url: string;
      postmark: { serverToken: string };
      resend: { baseUrl: string };
    };
    expect(printed.url).toBe(sim?.url);
    expect(printed.resend.baseUrl).toBe(sim?.url);
    expect(printed.postmark.serverToken).toBe(sim?.postmark.serverToken);
    expect(lines[1]).toMatch(/^\[relaykit\] \[simulator\] listening on http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${sim?.url}/emails`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${sim?.resend.apiKey}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        from: 'a@example.com',
        to: ['b@example.org'],
        subject: 'x',
        text: 'y',
      }),
    });
    expect(res.status).toBe(200);
  });

  it('prints usage for --help and rejects bad options', async () => {
    const lines: string[] = [];
    expect(await runSimulatorCli(['--help'], (l) => lines.push(l))).toBeUndefined();
    expect(lines[0]).toContain('relaykit simulate');
    await expect(runSimulatorCli(['--sns-signature-version', '3'], () => {})).rejects.toThrow(
      '[relaykit] [simulator]',
    );
  });
});
