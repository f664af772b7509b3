import { afterEach, describe, expect, it } from 'vitest';
import { createHealthGuard } from '../health.ts';
import { memoryCampaignStore } from '../memory/campaigns.ts';
import { memoryLedger } from '../memory/ledger.ts';
import { memoryOutbox } from '../memory/outbox.ts';
import { createRelay, type Relay, type RelayOptions } from '../relay.ts';
import { createThrottle } from '../throttle/throttle.ts';
import { testingProvider, type TestingProvider } from '../testing/provider.ts';
import type { CampaignOptions, CampaignProgress } from './types.ts';

let relay: Relay | undefined;
afterEach(async () => {
  await relay?.close();
  relay = undefined;
});

function setup(options: Partial<RelayOptions> = {}): { relay: Relay; provider: TestingProvider } {
  const provider = testingProvider({ latencyMs: 2 });
  relay = createRelay({
    providers: [provider],
    throttle: false,
    queue: { pollMs: 5, backoffMs: [20] },
    ...options,
  });
  return { relay, provider };
}

const addresses = (n: number, domain = 'list.test') =>
  Array.from({ length: n }, (_, i) => `reader${i}@${domain}`);

const campaign = (recipients: string[], extra: Partial<CampaignOptions> = {}): CampaignOptions =>
  ({
    id: 'spring',
    recipients,
    template: { from: 'News <news@news.test>', subject: 'Spring', text: 'Hello' },
    canary: { size: 10, settleMs: 0, timeoutMs: 5_000 },
    ...extra,
  }) as CampaignOptions;

const until = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('relay.campaign', () => {
  it('sends the canary, passes it, releases the rest, each recipient once', async () => {
    const { relay, provider } = setup();
    const phases: string[] = [];
    const handle = relay.campaign(campaign(addresses(100)));
    handle.on((p) => {
      if (phases.at(-1) !== p.phase) phases.push(p.phase);
    });
    const report = await handle.done;
    expect(report).toMatchObject({ status: 'completed', total: 100, sent: 100, pending: 0 });
    expect(report.canary).toMatchObject({
      size: 10,
      attempted: 10,
      delivered: 10,
      verdict: 'passed',
    });
    expect(phases).toEqual(['canary', 'holding', 'releasing', 'completed']);
    const sent = provider.sent.map((m) => m.to[0]?.address);
    expect(new Set(sent).size).toBe(100);
    expect(sent).toHaveLength(100);
  });

  it('stops at the canary on hard bounces, naming the threshold, domains and provider', async () => {
    const { relay, provider } = setup();
    provider.script({
      recipient: '@stale.test',
      outcome: { type: 'bounce', smtp: '550 5.1.1 user unknown' },
    });
    const list = [...addresses(60), ...addresses(40, 'stale.test')];
    const report = await relay.campaign(campaign(list)).done;
    expect(report.status).toBe('stopped');
    expect(report.released).toBe(10);
    expect(provider.sent).toHaveLength(10);
    const breach = report.canary?.breaches[0];
    expect(breach).toMatchObject({
      threshold: 'hard-bounce',
      count: 4,
      of: 10,
      domains: [{ domain: 'stale.test', profile: 'other', count: 4 }],
      providers: ['testing'],
    });
    expect(report.reason).toMatch(/^canary hard-bounce rate 40\.0% \(4 of 10\) is over 5\.0%/u);
  });

  it('stops at the canary when its messages fail permanently at send, naming the error and provider', async () => {
    const { relay, provider } = setup();
    provider.script({
      outcome: { type: 'fail', kind: 'template', status: 422, message: 'no template welcome-v2' },
    });
    const report = await relay.campaign(campaign(addresses(50))).done;
    expect(report).toMatchObject({ status: 'stopped', released: 10, failed: 10 });
    expect(report.canary).toMatchObject({ attempted: 10, failed: 10, verdict: 'breached' });
    expect(report.canary?.breaches[0]).toMatchObject({
      threshold: 'send-failure',
      count: 10,
      of: 10,
      providers: ['testing'],
    });
    expect(report.reason).toMatch(
      /^canary send-failure rate 100\.0% \(10 of 10\) .*template: .*no template welcome-v2/u,
    );
  });

  it('shows the stored report in progress when a finished campaign is run again', async () => {
    const { relay } = setup();
    const first = await relay.campaign(campaign(addresses(30))).done;
    const again = relay.campaign(campaign(addresses(30)));
    expect(await again.done).toEqual(first);
    expect(again.progress).toMatchObject({
      phase: 'completed',
      released: 30,
      sent: 30,
      pending: 0,
      canary: { verdict: 'passed' },
    });
  });

  it('names only mailbox-provider profiles in a breach, never a domain', async () => {
    const { relay, provider } = setup({ throttle: createThrottle() });
    provider.script({
      recipient: '@stale.test',
      outcome: { type: 'bounce', smtp: '550 5.1.1 user unknown' },
    });
    const list = [...addresses(60), ...addresses(40, 'stale.test')];
    const report = await relay.campaign(campaign(list)).done;
    expect(report.canary?.breaches[0]).toMatchObject({
      domains: [{ domain: 'stale.test', profile: 'other', count: 4 }],
      profiles: ['other'],
    });
  });

  it('pauses and resumes the release, and cancel ends it with the rest unsent', async () => {
    const { relay, provider } = setup();
    const handle = relay.campaign(
      campaign(addresses(200), { canary: false, pace: { perSecond: 400, window: 10 } }),
    );
    await until(() => handle.progress.released >= 20, '20 released');
    handle.pause('checking the template');
    const atPause = handle.progress.released;
    await new Promise((r) => setTimeout(r, 150));
    expect(handle.progress).toMatchObject({ paused: 'checking the template', released: atPause });
    handle.resume();
    await until(() => handle.progress.released >= atPause + 20, 'the release to go on');
    handle.cancel('wrong audience');
    const report = await handle.done;
    expect(report).toMatchObject({ status: 'cancelled', reason: 'wrong audience' });
    expect(report.released).toBeLessThan(200);
    expect(report.pauses).toEqual([{ at: expect.any(String), reason: 'checking the template' }]);
    await relay.stop();
    // Nothing past what was released ever reached the provider.
    expect(provider.sent.length).toBeLessThanOrEqual(report.released);
  });

  it('pauses while the health guard pauses the sending domain, and goes on once it is resumed', async () => {
    const seen: CampaignProgress[] = [];
    const guard = createHealthGuard({ minVolume: 5, bounceRate: { warn: 0.3, pause: 0.3 } });
    const { relay, provider } = setup({ guard });
    provider.script({
      recipient: '@stale.test',
      outcome: { type: 'bounce', smtp: '550 5.1.1 user unknown' },
    });
    // Five bounces in the first window pause the domain; the sixth, after the resume, stays under the rate.
    const list = [...addresses(6, 'stale.test'), ...addresses(44)];
    const handle = relay.campaign(campaign(list, { canary: false, pace: { window: 5 } }));
    handle.on((p) => seen.push(p));
    await until(() => handle.progress.paused !== undefined, 'the health pause');
    expect(handle.progress.paused).toMatch(/news\.test/u);
    const held = handle.progress.released;
    await new Promise((r) => setTimeout(r, 100));
    expect(handle.progress.released).toBe(held);
    guard.resume('news.test');
    const report = await handle.done;
    expect(report.status).toBe('completed');
    expect(report.sent + report.failed).toBe(50);
    expect(seen.some((p) => p.paused === undefined && p.released > held)).toBe(true);
  });

  it('resumes a campaign whose sent messages the outbox has dropped, sending none again', async () => {
    // Stores shared by both runs, as a persistent backend's are. The outbox keeps 10 finished
    // messages (the Redis one drops sent jobs after keepSentMs); the ledger keeps every send.
    const stores = {
      campaigns: memoryCampaignStore(),
      outbox: memoryOutbox({ maxFinished: 10 }),
      ledger: memoryLedger(),
    };
    const first = setup({ stores });
    await first.relay.campaign(campaign(addresses(30), { canary: false })).done;
    expect(first.provider.sent).toHaveLength(30);
    await first.relay.close();
    // The process died after the last send, before the campaign stored its end.
    const record = await stores.campaigns.get('spring');
    if (!record) throw new Error('no campaign record');
    const { report: _, ...unfinished } = record;
    await stores.campaigns.save({ ...unfinished, phase: 'releasing' });

    const second = setup({ stores });
    const report = await Promise.race([
      second.relay.campaign(campaign(addresses(30), { canary: false })).done,
      new Promise((r) => setTimeout(() => r('still waiting after 3 s'), 3_000)),
    ]);
    expect(report).toMatchObject({ status: 'completed', released: 30, sent: 30, pending: 0 });
    expect(second.provider.sent).toHaveLength(0);
  });

  it('pauses once for an outage: a send in flight when it ended and failing later does not pause again', async () => {
    const { relay, provider } = setup({ retry: { attempts: 1 } });
    // reader1 meets the outage; reader3's request was already hanging and times out after it is over.
    provider.script({
      recipient: 'reader3@list.test',
      times: 1,
      outcome: { type: 'timeout', afterMs: 200 },
    });
    provider.script({
      recipient: 'reader1@list.test',
      times: 1,
      outcome: { type: 'fail', kind: 'provider-unavailable' },
    });
    const handle = relay.campaign(campaign(addresses(30), { canary: false, pace: { window: 10 } }));
    const report = await handle.done;
    expect(report).toMatchObject({ status: 'completed', sent: 30 });
    expect(report.pauses).toEqual([
      { at: expect.any(String), reason: expect.stringMatching(/^provider outage \(/u) },
    ]);
  });

  it('refuses a resume with another list under the same id', async () => {
    const { relay } = setup();
    await relay.campaign(campaign(addresses(30), { canary: false })).done;
    await expect(relay.campaign(campaign(addresses(31), { canary: false })).done).rejects.toThrow(
      /^\[relaykit\] \[campaign\] campaign\(\): a campaign 'spring' was started with another recipient list/u,
    );
  });

  it('refuses a campaign store given without an outbox: a resume could not tell what was sent', async () => {
    const relay = createRelay({
      providers: [testingProvider()],
      throttle: false,
      campaigns: memoryCampaignStore(),
    });
    expect(() => relay.campaign(campaign(addresses(3)))).toThrow(
      /^\[relaykit\] \[campaign\] campaign\(\): the campaign store given to createRelay .* give the outbox of the same backend/u,
    );
    await relay.close();
  });

  it('refuses bad options with the option named', () => {
    const { relay } = setup();
    expect(() => relay.campaign(campaign(addresses(3), { id: 'has space' }))).toThrow(/id:/u);
    expect(() => relay.campaign(campaign(addresses(3), { canary: { fraction: 2 } }))).toThrow(
      /canary\.fraction/u,
    );
    expect(() => relay.campaign(campaign(['not an address']))).toThrow(/recipients\[0\]/u);
  });
});
