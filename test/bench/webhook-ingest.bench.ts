/**
 * Webhook intake cost per provider, with the real adapters: verify + parse alone (the adapter's
 * share), and the whole `relay.webhooks.handle` (bounds, verify, parse, dedupe, state, suppression
 * policy, alerts) over unique signed bounce deliveries captured from the simulator and re-signed.
 * The ratio of the two, printed at the end, is what relaykit's intake adds to the adapter's work;
 * it holds on a loaded host where absolute times do not. Also: what refusing a 1 MB body of
 * `[[[[…` costs before any signature check (the target is under 5 ms).
 *
 *   pnpm vitest bench --run test/bench/webhook-ingest.bench.ts
 */
import { randomUUID } from 'node:crypto';
import { createRelay, type Provider, type WebhookContext } from '@relaykit/core';
import { mailgun, signMailgun } from '@relaykit/mailgun';
import { postmark } from '@relaykit/postmark';
import { resend, signSvix } from '@relaykit/resend';
import { startSimulator, startWebhookReceiver, type ReceivedWebhook } from '@relaykit/simulator';
import { afterAll, bench, describe } from 'vitest';

const N = 500;
const mailgunKey = 'bench-mailgun-signing-key';
const resendSecret = `whsec_${Buffer.from('bench-resend-signing-secret-32by').toString('base64')}`;
const resendKey = Buffer.from(resendSecret.slice('whsec_'.length), 'base64');
const header = { name: 'x-bench-secret', value: 'bench-postmark-secret' };

type Name = 'postmark' | 'mailgun' | 'resend';
const receiver = await startWebhookReceiver();
const sim = await startSimulator({
  seed: 'webhook-bench',
  webhooks: {
    url: receiver.url,
    secrets: { mailgun: mailgunKey, resend: resendSecret, postmark: { header } },
  },
  recipients: { scripts: { 'gone@example.test': 'hard-bounce' } },
});
const providers = (): Record<Name, Provider> => ({
  postmark: postmark({
    serverToken: sim.postmark.serverToken,
    baseUrl: sim.url,
    webhook: { secretHeader: header },
  }),
  mailgun: mailgun({
    apiKey: sim.mailgun.apiKey,
    domain: sim.mailgun.domain,
    baseUrl: sim.mailgun.url,
    webhook: { signingKey: mailgunKey },
  }),
  resend: resend({
    apiKey: sim.resend.apiKey,
    baseUrl: sim.resend.baseUrl,
    webhook: { secret: resendSecret },
  }),
});
const seeds = new Map<Name, ReceivedWebhook>();
for (const [name, provider] of Object.entries(providers()) as Array<[Name, Provider]>) {
  sim.setWebhookUrl(name, `${receiver.url}/${name}`);
  const relay = createRelay({ providers: [provider], throttle: false, guard: false });
  await relay.send({
    from: 'shop@mail.example.test',
    to: 'gone@example.test',
    subject: 'Hi',
    text: 'Hi',
  });
  await sim.idle();
  await relay.close();
}
for (const hook of receiver.received) seeds.set(hook.path.split('/').at(-1) as Name, hook);
await sim.stop();
await receiver.stop();

/** N distinct deliveries of the captured bounce, each signed as the provider would sign it. */
function deliveries(name: Name): Array<{ headers: Headers; body: string }> {
  const seed = seeds.get(name);
  if (!seed) throw new Error(`no ${name} webhook was captured`);
  return Array.from({ length: N }, (_, i) => {
    const headers = new Headers({ 'content-type': 'application/json' });
    const doc = JSON.parse(seed.body) as Record<string, unknown>;
    const email = `gone${i}@example.test`;
    let body: string;
    if (name === 'postmark') {
      body = JSON.stringify({ ...doc, ID: 9_000_000 + i, Email: email });
      headers.set(header.name, header.value);
    } else if (name === 'mailgun') {
      const data = doc['event-data'] as Record<string, unknown>;
      const token = randomUUID().replace(/-/gu, '');
      const timestamp = String(Math.floor(Date.now() / 1000));
      body = JSON.stringify({
        signature: { timestamp, token, signature: signMailgun(mailgunKey, timestamp, token) },
        'event-data': { ...data, id: `bench-${i}`, recipient: email },
      });
    } else {
      const data = doc['data'] as Record<string, unknown>;
      body = JSON.stringify({ ...doc, data: { ...data, to: [email] } });
      const id = `msg_bench_${i}_${randomUUID()}`;
      const ts = String(Math.floor(Date.now() / 1000));
      headers.set('svix-id', id);
      headers.set('svix-timestamp', ts);
      headers.set('svix-signature', signSvix(resendKey, id, ts, body));
    }
    return { headers, body };
  });
}

const measured: Record<string, number> = {};
const time = async (key: string, run: () => Promise<void>) => {
  const started = performance.now();
  await run();
  measured[key] = (measured[key] ?? 0) + (performance.now() - started);
};
const rounds: Record<string, number> = {};

for (const name of ['postmark', 'mailgun', 'resend'] as const) {
  describe(`${name} webhook intake, ${N} bounce deliveries per iteration`, () => {
    bench(`${name}: verify + parse (adapter alone)`, async () => {
      const provider = providers()[name];
      const seen = new Set<string>();
      const context: WebhookContext = {
        now: Date.now,
        remember: async (key) => (seen.has(key) ? false : (seen.add(key), true)),
        fetch,
      };
      const batch = deliveries(name);
      rounds[`${name}:adapter`] = (rounds[`${name}:adapter`] ?? 0) + 1;
      await time(`${name}:adapter`, async () => {
        for (const d of batch) {
          const request = { method: 'POST', url: `http://localhost/webhooks/${name}`, ...d };
          await provider.webhook?.verify(request, context);
          await provider.webhook?.parse(request, context);
        }
      });
    });
    bench(`${name}: relay.webhooks.handle`, async () => {
      const relay = createRelay({ providers: [providers()[name]], throttle: false, guard: false });
      const batch = deliveries(name);
      rounds[`${name}:handle`] = (rounds[`${name}:handle`] ?? 0) + 1;
      await time(`${name}:handle`, async () => {
        for (const d of batch) {
          const response = await relay.webhooks.handle(
            new Request(`http://localhost/webhooks/${name}`, { method: 'POST', ...d }),
          );
          if (response.status !== 200) throw new Error(`${name} answered ${response.status}`);
        }
      });
    });
  });
}

const deep = '['.repeat(1024 * 1024 - 1);
describe('refusing 1 MB of [[[[ before verification', () => {
  for (const name of ['postmark', 'mailgun', 'resend'] as const) {
    const relay = createRelay({ providers: [providers()[name]], throttle: false, guard: false });
    bench(`${name}: 1 MB nested body`, async () => {
      rounds[`${name}:deep`] = (rounds[`${name}:deep`] ?? 0) + 1;
      await time(`${name}:deep`, async () => {
        const response = await relay.webhooks.handle(
          new Request(`http://localhost/webhooks/${name}`, { method: 'POST', body: deep }),
        );
        if (response.status < 400) throw new Error(`${name} took a 1 MB nested body`);
      });
    });
  }
});

afterAll(() => {
  for (const name of ['postmark', 'mailgun', 'resend'] as const) {
    const adapter = (measured[`${name}:adapter`] ?? 0) / (rounds[`${name}:adapter`] ?? 1);
    const handle = (measured[`${name}:handle`] ?? 0) / (rounds[`${name}:handle`] ?? 1);
    const deepMs = (measured[`${name}:deep`] ?? 0) / (rounds[`${name}:deep`] ?? 1);
    console.log(
      `${name}: verify+parse ${Math.round((N / adapter) * 1000)} deliveries/s, handle ${Math.round((N / handle) * 1000)}/s ` +
        `(intake costs ${(handle / adapter).toFixed(2)}x the adapter alone); 1 MB [[[[ refused in ${deepMs.toFixed(2)} ms`,
    );
  }
});
