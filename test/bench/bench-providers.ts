/**
 * What the benches that compare relaykit with the direct SDK call share: the simulator started in
 * a process of its own (test/bench/simulator-process.ts --info), what it says about itself, and
 * each provider's adapter pointed at it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Provider } from '@relaykit/core';
import { mailgun } from '@relaykit/mailgun';
import { postmark } from '@relaykit/postmark';
import { resend } from '@relaykit/resend';
import { ses } from '@relaykit/ses';

export type Name = 'ses' | 'postmark' | 'mailgun' | 'resend';

/** The simulator's addresses and credentials, as each SDK takes them. */
export interface Info {
  url: string;
  ses: {
    region: string;
    endpoint: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  postmark: {
    serverToken: string;
    clientOptions: { useHttps: boolean; requestHost: string; timeout: number };
  };
  mailgun: {
    domain: string;
    clientOptions: { username: string; key: string; url: string; timeout: number };
  };
  resend: { baseUrl: string; apiKey: string };
}

export function startSimulator(): Promise<{ info: Info; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const args = [
      '--import',
      'tsx',
      '--conditions=source',
      'test/bench/simulator-process.ts',
      '--info',
    ];
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    child.once('error', reject);
    child.stdout?.once('data', (d: Buffer) =>
      resolve({ info: JSON.parse(String(d)) as Info, child }),
    );
  });
}

/** The provider's adapter, pointed at the simulator, send-only. */
export function adapter(name: Name, info: Info): Provider {
  switch (name) {
    case 'ses':
      // The simulator's info names the SDK's option (endpoint); the adapter calls it baseUrl.
      return ses({
        region: info.ses.region,
        baseUrl: info.ses.endpoint,
        credentials: info.ses.credentials,
        webhook: false,
      });
    case 'postmark':
      return postmark({ serverToken: info.postmark.serverToken, baseUrl: info.url });
    case 'mailgun':
      return mailgun({
        apiKey: info.mailgun.clientOptions.key,
        domain: info.mailgun.domain,
        baseUrl: info.url,
        webhook: false,
      });
    case 'resend':
      return resend({ apiKey: info.resend.apiKey, baseUrl: info.resend.baseUrl, webhook: false });
  }
}
