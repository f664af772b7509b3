/**
 * relay.campaign through the real adapters and their SDKs against the simulator, with every
 * outcome the canary judges (delivered, bounced, complained) coming back as the provider's own
 * signed webhook into relay.webhooks.
 */
import {
  createHealthGuard,
  createRelay,
  drawCohort,
  serveWebhooks,
  type CampaignHandle,
  type CampaignOptions,
  type CampaignProgress,
  type Relay,
  type RelayOptions,
  type WebhookServer,
} from '@relaykit/core';
import { startSimulator, type ProviderName, type Simulator } from '@relaykit/simulator';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { targets } from '../conformance/targets.ts';

const adapters: readonly ProviderName[] = ['ses', 'postmark', 'mailgun', 'resend'];
const from = 'Shop <orders@mail.shop.test>';
const fromDomain = 'mail.shop.test';

let sim: Simulator;
let relay: Relay | undefined;
let hooks: WebhookServer | undefined;

beforeAll(async () => {
  // One simulator for every adapter: each target's webhook secrets together.
  const secrets = Object.assign(
    {},
    ...adapters.map((p) => targets[p].simulator?.webhooks?.secrets),
  );
  sim = await startSimulator({ seed: 'campaign-e2e', webhooks: { secrets } });
});
afterAll(async () => {
  await sim?.stop();
});
beforeEach(() => sim.reset());
afterEach(async () => {
  await relay?.close();
  await hooks?.close();
  relay = undefined;
  hooks = undefined;
});

/** A relay on these adapters (in failover order), its webhooks served and the simulator posting to them. */
async function start(names: readonly ProviderName[], extra: Partial<RelayOptions> = {}) {
  const providers = names.map((name) => targets[name].make(sim));
  relay = createRelay({
    providers,
    retry: { minDelayMs: 1, maxDelayMs: 5 },
    throttle: false,
    queue: { pollMs: 10, concurrency: 16, backoffMs: [100], jitter: 0 },
    ...extra,
  });
  hooks = await serveWebhooks(relay);
  for (const name of names) sim.setWebhookUrl(name, `${hooks.url}/${name}`);
  return relay;
}

/** `n` readers spread over Gmail, Outlook and a small domain: 50%, 25%, 25%. */
const readers = (n: number) =>
  Array.from({ length: n }, (_, i) => {
    const domain = i % 2 === 0 ? 'gmail.com' : i % 4 === 1 ? 'outlook.com' : 'example.org';
    return `reader${i}@${domain}`;
  });
const at = (n: number, domain: string) => Array.from({ length: n }, (_, i) => `old${i}@${domain}`);

const id = 'spring-sale';
const cohortSize = 20;
/** The canary cohort core draws from this list (stratified by domain, seeded by the campaign id). */
const cohortOf = (list: readonly string[]) =>
  drawCohort(list, cohortSize, id).map((i) => list[i] as string);

const campaign = (recipients: readonly string[], extra: Partial<CampaignOptions> = {}) =>
  ({
    id,
    recipients,
    template: { from, subject: 'Spring sale', text: 'Hello' },
    canary: { size: cohortSize, timeoutMs: 5_000, settleMs: 100 },
    ...extra,
  }) as CampaignOptions;

/** How many times the simulator received each address (all providers). */
const received = () => {
  const counts = new Map<string, number>();
  for (const m of sim.messages) for (const to of m.to) counts.set(to, (counts.get(to) ?? 0) + 1);
  return counts;
};
const receivedEachOnce = (list: readonly string[]) => {
  const counts = received();
  expect([...counts.keys()].sort()).toEqual([...list].sort());
  expect([...counts.values()].every((c) => c === 1)).toBe(true);
};

/** Resolves with the first progress matching `check` (now or on a later change). */
const when = (handle: CampaignHandle, check: (p: CampaignProgress) => boolean, timeoutMs = 5000) =>
  new Promise<CampaignProgress>((resolve, reject) => {
    if (check(handle.progress)) return resolve(handle.progress);
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out; progress is ${JSON.stringify(handle.progress)}`));
    }, timeoutMs);
    const off = handle.on((p) => {
      if (!check(p)) return;
      clearTimeout(timer);
      off();
      resolve(p);
    });
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(adapters)('relay.campaign on %s through the simulator', (name) => {
  it('a clean list passes the canary and completes, each recipient sent once', async () => {
    const relay = await start([name]);
    const list = readers(60);
    const phases: string[] = [];
    const handle = relay.campaign(campaign(list));
    handle.on((p) => {
      if (phases.at(-1) !== p.phase) phases.push(p.phase);
    });
    const report = await handle.done;
    expect(report).toMatchObject({
      status: 'completed',
      total: 60,
      released: 60,
      sent: 60,
      pending: 0,
      failed: 0,
    });
    expect(report.canary).toMatchObject({
      size: 20,
      attempted: 20,
      delivered: 20,
      hardBounced: 0,
      complained: 0,
      verdict: 'passed',
    });
    expect(phases).toEqual(['canary', 'holding', 'releasing', 'completed']);
    receivedEachOnce(list);
    expect(new Set(sim.messages.map((m) => m.provider))).toEqual(new Set([name]));
  });
});

describe.each(adapters)(
  'relay.campaign on %s, with addresses the provider holds as suppressed',
  (name) => {
    it('stops at the canary on them as on hard bounces, whether refused at send or reported by webhook', async () => {
      const relay = await start([name]);
      // Postmark refuses such a recipient at send (406); SES, Mailgun and Resend accept the message
      // and report the drop by webhook.
      const inactive = at(15, 'inactive.example.net');
      for (const address of inactive) sim.recipients.set(address, 'suppressed');
      const list = [...readers(45), ...inactive];
      const report = await relay.campaign(campaign(list)).done;
      expect(report).toMatchObject({ status: 'stopped', released: 20 });
      expect(report.canary?.breaches).toEqual([
        expect.objectContaining({
          threshold: 'hard-bounce',
          count: 5,
          of: 20,
          domains: [{ domain: 'inactive.example.net', profile: 'other', count: 5 }],
          providers: [name],
        }),
      ]);
    });
  },
);

describe('relay.campaign stops at the canary', () => {
  it('on hard bounces: names the threshold, the domain and the provider, and sends nothing more', async () => {
    const relay = await start(['postmark']);
    // A quarter of the list on a dead domain: the stratified cohort of 20 takes 5 of them.
    const stale = at(25, 'stale.example.net');
    for (const address of stale) sim.recipients.set(address, 'hard-bounce');
    const list = [...readers(75), ...stale];
    const report = await relay.campaign(campaign(list)).done;
    expect(report).toMatchObject({ status: 'stopped', released: 20, sent: 20 });
    expect(report.canary).toMatchObject({ verdict: 'breached', hardBounced: 5, delivered: 15 });
    expect(report.canary?.breaches).toEqual([
      expect.objectContaining({
        threshold: 'hard-bounce',
        rate: 0.25,
        count: 5,
        of: 20,
        domains: [{ domain: 'stale.example.net', profile: 'other', count: 5 }],
        providers: ['postmark'],
      }),
    ]);
    expect(report.reason).toMatch(
      /^canary hard-bounce rate 25\.0% \(5 of 20\) is over 5\.0%, on stale\.example\.net \(other\) 5 via postmark;/u,
    );
    // Only the canary cohort ever reached the provider, each once.
    await sleep(100);
    receivedEachOnce(cohortOf(list));
  });

  it('on complaints that come after delivery: names the threshold, the domain and the provider', async () => {
    const relay = await start(['ses']);
    // One Gmail reader in six complains; the simulator posts the complaint after the delivery.
    const angry = at(10, 'gmail.com');
    for (const address of angry) sim.recipients.set(address, 'complaint');
    const list = [...readers(90), ...angry];
    const cohort = cohortOf(list);
    const complaining = cohort.filter((a) => angry.includes(a)).length;
    expect(complaining).toBeGreaterThan(0);
    const report = await relay.campaign(
      campaign(list, { canary: { size: cohortSize, timeoutMs: 5_000, settleMs: 300 } }),
    ).done;
    expect(report).toMatchObject({ status: 'stopped', released: 20, sent: 20 });
    expect(report.canary).toMatchObject({ complained: complaining, hardBounced: 0 });
    expect(report.canary?.breaches).toEqual([
      expect.objectContaining({
        threshold: 'complaint',
        count: complaining,
        of: 20,
        domains: [{ domain: 'gmail.com', profile: 'google', count: complaining }],
        profiles: ['google'],
        providers: ['ses'],
      }),
    ]);
    expect(report.reason).toMatch(
      new RegExp(
        `^canary complaint rate [\\d.]+% \\(${complaining} of 20\\) is over 0\\.30%, on gmail\\.com \\(google\\) ${complaining} via ses;`,
        'u',
      ),
    );
    await sleep(100);
    receivedEachOnce(cohort);
  });

  it('when no outcome comes back (webhooks not reaching the relay): says so once the wait is over', async () => {
    const relay = await start(['mailgun']);
    sim.setWebhookUrl('mailgun', undefined);
    const list = readers(60);
    const report = await relay.campaign(
      campaign(list, { canary: { size: cohortSize, timeoutMs: 1000, settleMs: 0 } }),
    ).done;
    expect(report).toMatchObject({ status: 'stopped', released: 20, sent: 20, delivered: 0 });
    expect(report.canary?.breaches).toEqual([
      expect.objectContaining({ threshold: 'outcomes', count: 0, of: 20, providers: ['mailgun'] }),
    ]);
    expect(report.reason).toMatch(
      /^only 0 of 20 canary messages reported an outcome within 1 s; check that the providers' webhooks reach relay\.webhooks/u,
    );
    receivedEachOnce(cohortOf(list));
  });
});

describe('relay.campaign through a provider outage', () => {
  const list = readers(80);
  /** Makes `provider` fail this way once the release is under way, past the canary. */
  const outageMidway = (
    handle: CampaignHandle,
    provider: ProviderName,
    fault: 'unavailable' | 'stall' = 'unavailable',
  ) =>
    when(handle, (p) => p.phase === 'releasing' && p.released >= 30 && p.sent >= 25).then((p) => ({
      rule: sim.fail({ provider, fault }),
      released: p.released,
    }));

  it('fails over to the second provider and completes without a pause', async () => {
    const relay = await start(['mailgun', 'resend']);
    const handle = relay.campaign(campaign(list, { pace: { window: 10 } }));
    const outage = await outageMidway(handle, 'mailgun');
    const report = await handle.done;
    expect(report).toMatchObject({ status: 'completed', sent: 80, failed: 0 });
    expect(report.pauses).toEqual([]);
    expect(outage.rule.hits()).toBeGreaterThan(0);
    receivedEachOnce(list);
    // Mailgun carried what went before the outage; Resend took the rest.
    const by = (provider: ProviderName) => sim.messages.filter((m) => m.provider === provider);
    expect(by('mailgun').length).toBeGreaterThanOrEqual(25);
    expect(by('resend').length).toBeGreaterThan(0);
  });

  describe.each([
    // Paced so that the rest of the list takes longer to release than the outage to be seen.
    ['503 Service Unavailable', 'unavailable', 'resend', { perSecond: 50 }],
    // Stalled sends fill the window until they time out.
    ['a stalled connection', 'stall', 'postmark', { window: 10 }],
  ] as const)("with one provider and onOutage 'pause' (%s)", (_, fault, name, pace) => {
    it('pauses the release with the reason, and completes once the outage is over', async () => {
      // A stalled request ends at the adapter's timeout; the outbox then tries it again.
      const relay = await start(
        [name],
        fault === 'stall'
          ? {
              providers: [targets[name].make(sim, { timeoutMs: 1000 })],
              retry: { minDelayMs: 1, maxDelayMs: 5, attempts: 1 },
            }
          : {},
      );
      const handle = relay.campaign(campaign(list, { onOutage: 'pause', pace }));
      const outage = await outageMidway(handle, name, fault);
      const paused = await when(handle, (p) => p.paused !== undefined);
      expect(paused.paused).toMatch(/^provider outage \(.+\); the release resumes once/u);
      const held = handle.progress.released;
      expect(held).toBeLessThan(80);
      await sleep(300);
      expect(handle.progress).toMatchObject({ released: held, paused: paused.paused });
      expect(handle.progress.sent).toBeLessThan(80);
      outage.rule.remove();
      const report = await handle.done;
      expect(report).toMatchObject({ status: 'completed', sent: 80, failed: 0 });
      // One outage, one pause: sends that were in flight when it ended and failed later do not
      // pause the campaign again.
      expect(report.pauses).toEqual([{ at: expect.any(String), reason: paused.paused }]);
      receivedEachOnce(list);
    });
  });

  it("with one provider and onOutage 'continue': keeps releasing into the outbox, which sends once it is over", async () => {
    const relay = await start(['postmark']);
    const handle = relay.campaign(
      campaign(list, { onOutage: 'continue', pace: { perSecond: 50 } }),
    );
    const outage = await outageMidway(handle, 'postmark');
    expect(outage.released).toBeLessThan(80);
    // The rest of the list reaches the outbox while the provider is down, with no pause.
    await when(handle, (p) => p.released === 80);
    expect(handle.progress.paused).toBeUndefined();
    expect(handle.progress.sent).toBeLessThan(80);
    expect(outage.rule.hits()).toBeGreaterThan(0);
    outage.rule.remove();
    const report = await handle.done;
    expect(report).toMatchObject({ status: 'completed', sent: 80, failed: 0, pauses: [] });
    receivedEachOnce(list);
  });
});

describe('relay.campaign checks at send time', () => {
  it('skips an address suppressed after the campaign started and before its release', async () => {
    const relay = await start(['mailgun']);
    const list = readers(100);
    const cohort = cohortOf(list);
    const later = list.find((a) => !cohort.includes(a)) as string;
    const handle = relay.campaign(
      campaign(list, { canary: { size: cohortSize, timeoutMs: 5_000, settleMs: 200 } }),
    );
    const holding = await when(handle, (p) => p.phase === 'holding');
    await relay.suppressions.add(later, { by: 'support', detail: 'asked by phone' });
    expect(handle.progress).toMatchObject({ phase: 'holding', released: holding.released });
    const report = await handle.done;
    expect(report).toMatchObject({ status: 'completed', sent: 99, suppressed: 1, failed: 0 });
    receivedEachOnce(list.filter((a) => a !== later));
  });

  it('pauses while the health guard pauses the sending domain, and goes on once it is resumed', async () => {
    // Hard bounces past 10% of at least 5 sends pause the From domain.
    const guard = createHealthGuard({ minVolume: 5, bounceRate: { warn: 0.1, pause: 0.1 } });
    const relay = await start(['ses'], { guard });
    // The first window is all stale: the guard pauses on their bounces, and nothing bounces after.
    const stale = at(5, 'stale.example.net');
    for (const address of stale) sim.recipients.set(address, 'hard-bounce');
    const list = [...stale, ...readers(45)];
    const handle = relay.campaign(
      campaign(list, { canary: false, pace: { window: 5, perSecond: 100 } }),
    );
    const paused = await when(handle, (p) => p.paused !== undefined);
    expect(paused.paused).toMatch(
      /^sending from mail\.shop\.test is paused by the health guard: bounce rate [\d.]+% over \d+ sends through ses/u,
    );
    const held = handle.progress.released;
    expect(held).toBeLessThan(50);
    // Every bounce in before the resume (the guard counts afresh from it), and the release held.
    await when(handle, (p) => p.bounced === 5);
    await sleep(300);
    expect(handle.progress).toMatchObject({ released: held, paused: paused.paused });
    guard.resume(fromDomain);
    const report = await handle.done;
    expect(report).toMatchObject({ status: 'completed', released: 50, bounced: 5 });
    expect(report.pauses).toEqual([{ at: expect.any(String), reason: paused.paused }]);
    // What the guard held back in the outbox went after the resume: everything sent, each once.
    expect(report).toMatchObject({ sent: 50, failed: 0 });
    receivedEachOnce(list);
  });
});
