import { createRelay, type DeliveryEvent } from '@relaykit/core';
import { testingProvider } from '@relaykit/core/testing';

export interface DemoOptions {
  recipients?: number;
  out?: (line: string) => void;
}

export interface DemoSummary {
  sent: number;
  suppressed: number;
  rejected: number;
  failovers: number;
  events: Record<string, number>;
}

/**
 * A small campaign through the real pipeline on embedded defaults: two testing providers (the
 * first with an outage), scripted bounces, deferrals and complaints. No account, no network.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const total = options.recipients ?? 500;
  const primary = testingProvider({ name: 'primary' });
  const backup = testingProvider({ name: 'backup' });
  primary.script({ outcome: { type: 'fail', kind: 'provider-unavailable', status: 503, message: 'scripted outage' }, times: 3 });
  const relay = createRelay({
    providers: [primary, backup],
    streams: { transactional: { domains: ['mail.demo.relaykit.dev'] } },
    retry: { minDelayMs: 1, maxDelayMs: 10 },
    routing: { cooldownMs: 200 },
  });
  const events: Record<string, number> = {};
  relay.on('event', (e: DeliveryEvent) => {
    events[e.type] = (events[e.type] ?? 0) + 1;
  });
  let failovers = 0;
  relay.on('failover', () => (failovers += 1));

  const domains = ['gmail.com', 'outlook.com', 'yahoo.com', 'icloud.com', 'acme-corp.example'];
  const messages = Array.from({ length: total }, (_, i) => {
    const to = `user${i}@${domains[i % domains.length]}`;
    for (const provider of [primary, backup]) {
      if (i % 50 === 7) provider.script({ recipient: to, outcome: { type: 'bounce', smtp: '550 5.1.1 user unknown' } });
      if (i % 40 === 3) provider.script({ recipient: to, outcome: { type: 'defer', smtp: '421 4.7.28 rate limited', times: 2 } });
      if (i % 97 === 5) provider.script({ recipient: to, outcome: { type: 'complain' } });
    }
    return { from: 'Demo <hello@mail.demo.relaykit.dev>', to, subject: `Your receipt #${i}`, text: 'Thanks for your order.' };
  });

  out(`[relaykit demo] sending ${total} messages through two providers (the first starts with an outage)…`);
  const results = await relay.sendBatch(messages, { concurrency: 32 });
  await Promise.all([primary.settled(), backup.settled()]);
  let sent = 0;
  let suppressed = 0;
  let rejected = 0;
  for (const r of results) {
    if (!r.ok) continue;
    for (const rec of r.report.recipients) {
      if (rec.status === 'sent') sent += 1;
      else if (rec.status === 'suppressed') suppressed += 1;
      else rejected += 1;
    }
  }
  out(`[relaykit demo] sent ${sent}, suppressed ${suppressed}, rejected ${rejected}, failovers ${failovers}`);
  out(`[relaykit demo] events: ${Object.entries(events).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  await relay.close();
  return { sent, suppressed, rejected, failovers, events };
}
