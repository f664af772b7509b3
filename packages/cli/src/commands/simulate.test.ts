import { describe, expect, it } from 'vitest';
import { run, start } from './harness.ts';

describe('relaykit simulate', () => {
  it('prints endpoints and env, answers provider API calls, and stops on the signal', async () => {
    const sim = start(['simulate', '--port', '0', '--webhook-url', 'http://127.0.0.1:9/webhooks']);
    const [, url] = await sim.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/u);
    expect(sim.stdout()).toContain(`export POSTMARK_BASE_URL=${url}`);
    expect(sim.stdout()).toContain('webhooks go to http://127.0.0.1:9/webhooks/<provider>');
    for (const name of [
      'AWS_REGION',
      'SES_ENDPOINT',
      'MAILGUN_API_KEY',
      'MAILGUN_DOMAIN',
      'MAILGUN_URL',
      'RESEND_API_KEY',
      'RESEND_BASE_URL',
      'RESEND_WEBHOOK_SECRET',
    ]) {
      expect(sim.stdout()).toMatch(new RegExp(`^  export ${name}=`, 'mu'));
    }
    const token = /export POSTMARK_SERVER_TOKEN=(\S+)/u.exec(sim.stdout())?.[1] ?? '';
    const answer = await fetch(`${url}/email`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'x-postmark-server-token': token,
      },
      body: JSON.stringify({
        From: 'a@shop.test',
        To: 'b@example.org',
        Subject: 'hi',
        TextBody: 'hi',
      }),
    });
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { ErrorCode: number }).ErrorCode).toBe(0);

    sim.stop();
    expect(await sim.done).toBe(0);
    await expect(fetch(`${url}/email`, { method: 'POST' })).rejects.toThrow();
  });

  it('prints one JSON object with --json', async () => {
    const sim = start(['simulate', '--port', '0', '--seed', 'cli', '--json']);
    await sim.waitFor(/\}\n$/u);
    const info = JSON.parse(sim.stdout()) as {
      url: string;
      seed: string;
      webhookUrl: null;
      env: Record<string, string>;
    };
    expect(info).toMatchObject({ seed: 'cli', webhookUrl: null });
    expect(info.env['RESEND_BASE_URL']).toBe(info.url);
    sim.stop();
    expect(await sim.done).toBe(0);
  });

  it('refuses a bad port, latency or webhook URL with exit 64', async () => {
    expect((await run(['simulate', '--port', '70000'])).stderr).toMatch(
      /--port must be a port number/u,
    );
    expect((await run(['simulate', '--latency', 'fast'])).code).toBe(64);
    expect((await run(['simulate', '--webhook-url', 'not a url'])).code).toBe(64);
  });
});
