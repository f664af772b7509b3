import { domainOf, parseAddress } from '../address.ts';
import { RelayError } from '../errors.ts';
import type { MessageInput } from '../message.ts';
import type { SendGuard } from '../ports.ts';
import type { Relay } from '../relay.ts';
import type { CampaignPhase, CampaignRecord, CampaignStore, Ledger, Outbox } from '../stores.ts';
import { hasOutcome, judgeCanary, wasAttempted, type CanaryOutcome } from './canary.ts';
import { cohortSize, drawCohort } from './cohort.ts';
import { parseCampaignOptions } from './options.ts';
import { planCampaign } from './plan.ts';
import { DEFAULT_CANARY_THRESHOLDS } from './thresholds.ts';
import { createTracker } from './tracker.ts';
import type {
  CampaignHandle,
  CampaignOptions,
  CampaignProgress,
  CampaignReport,
  CanaryReport,
} from './types.ts';

/** What a campaign needs of the relay it runs on. */
export interface CampaignDeps {
  enqueueMany(messages: readonly MessageInput[]): Promise<string[]>;
  on: Relay['on'];
  status: Relay['status'];
  outbox: Outbox;
  ledger: Ledger;
  guard: SendGuard | undefined;
  store: CampaignStore;
  startWorkers(): void;
  /** The mailbox-provider profile of a recipient domain (google, microsoft, ..., other). */
  profileOf(domain: string): Promise<string> | string;
  now(): number;
}

const minute = 60_000;
const outageKinds = new Set(['provider-unavailable', 'transient']);

const configError = (message: string) =>
  new RelayError({ kind: 'config', provider: 'campaign', message: `campaign(): ${message}` });

/**
 * Runs a campaign on the relay: draws the canary cohort (stratified by domain), releases it
 * through the outbox, holds until its outcomes are in, judges them against the thresholds, then
 * releases the rest at the pace given, pausing for the health guard and provider outages. Every
 * step is recorded in the campaign store first, so running it again with the same id resumes it.
 */
export function runCampaign(deps: CampaignDeps, input: CampaignOptions): CampaignHandle {
  const options = parseCampaignOptions(input);
  const plan = planCampaign(options);
  const { id } = options;
  const size = plan.recipients.length;
  const meta = new Map(
    plan.recipients.map((r, index) => [r.messageId, { index, domain: r.domain }]),
  );
  const tracker = createTracker(meta);
  const canaryOptions = options.canary === false ? undefined : (options.canary ?? {});
  const window = options.pace?.window ?? 200;
  const perSecond = options.pace?.perSecond;
  const fromDomains = new Set<string>();
  const listeners = new Set<(p: CampaignProgress) => void>();
  const pauses: CampaignReport['pauses'] = [];
  let phase: CampaignPhase = 'canary';
  let released = 0;
  let paused: { source: 'caller' | 'health' | 'outage'; reason: string } | undefined;
  let cancelled: string | undefined;
  let canary: CanaryReport | undefined;
  let wake: () => void = () => undefined;
  let order: readonly number[] = [];
  /** Messages in flight when a retried message ended an outage pause (see the 'send' listener). */
  let inFlightAtRecovery = new Set<string>();

  /** The report a previous run stored: the campaign had ended, and progress shows that end. */
  let ended: CampaignReport | undefined;
  const progress = (): CampaignProgress => {
    if (ended) {
      const { status, reason: _, pauses: _p, startedAt: _s, finishedAt: _f, ...rest } = ended;
      return { ...rest, id, phase: status };
    }
    return {
      id,
      phase,
      ...tracker.counts(size, released),
      ...(paused ? { paused: paused.reason } : {}),
      ...(canary ? { canary } : {}),
    };
  };
  const changed = () => {
    const w = wake;
    wake = () => undefined;
    w();
    if (listeners.size === 0) return;
    const p = progress();
    for (const l of listeners) l(p);
  };
  const pause = (source: 'caller' | 'health' | 'outage', reason: string) => {
    if (paused || cancelled) return;
    paused = { source, reason };
    pauses.push({ at: new Date(deps.now()).toISOString(), reason });
    changed();
  };
  const resume = () => {
    if (!paused) return;
    paused = undefined;
    changed();
  };
  /** Waits until `ready()` or `until` (epoch ms); wakes on every change and every 250 ms. */
  const waitFor = async (ready: () => boolean, until = Infinity) => {
    while (!ready() && deps.now() < until) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, Math.min(250, until - deps.now())));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };

  const blocked = async (): Promise<string | undefined> => {
    for (const domain of fromDomains) {
      const reason = await deps.guard?.blocked(domain);
      if (reason !== undefined)
        return `sending from ${domain} is paused by the health guard: ${reason}`;
    }
    return undefined;
  };

  /** A retried message went through: the outage is over. */
  const recovered = () => {
    inFlightAtRecovery = new Set(
      order
        .slice(0, released)
        .map((i) => plan.recipients[i]?.messageId as string)
        .filter((m) => tracker.statusOf(m) === undefined),
    );
    resume();
  };

  const offs = [
    deps.on('send', (e) => {
      const settled = tracker.onSend(e);
      if (settled) {
        if (settled === 'sent' && paused?.source === 'outage') recovered();
        changed();
        return;
      }
      if (!e.error || !tracker.has(e.messageId) || !e.error.retryable) return;
      if (!outageKinds.has(e.error.kind)) return;
      // A send already in flight when the outage ended (a stalled request that times out later)
      // reports a failure that began before the recovery: not a new outage. Its retry counts.
      const stale = inFlightAtRecovery.delete(e.messageId);
      void blocked().then((health) => {
        if (health) pause('health', health);
        else if (options.onOutage !== 'continue' && !stale)
          pause(
            'outage',
            `provider outage (${e.error?.message ?? 'no provider took the message'}); the release resumes once a retried message goes through, or call resume()`,
          );
      });
    }),
    deps.on('queue', (e) => {
      if (tracker.onQueue(e)) changed();
    }),
    deps.on('event', (e) => {
      if (tracker.onEvent(e)) changed();
    }),
    deps.on('alert', (a) => {
      const domain = typeof a['domain'] === 'string' ? a['domain'] : undefined;
      if (domain === undefined || !fromDomains.has(domain)) return;
      if (a.type === 'health-paused') pause('health', a.message);
      if (a.type === 'health-resumed' && paused?.source === 'health') resume();
    }),
  ];

  let record: CampaignRecord;
  let saving = Promise.resolve();
  const save = (patch: Partial<CampaignRecord> = {}) => {
    record = { ...record, ...patch, released, phase, updatedAt: new Date(deps.now()) };
    const snapshot = record;
    saving = saving.then(() => deps.store.save(snapshot));
    return saving;
  };
  const canaryState = () => ({
    outcomes: Object.fromEntries(tracker.canary) as Record<string, CanaryOutcome>,
    ...(canary ? { report: canary } : {}),
  });

  const messageOf = (index: number): MessageInput => {
    const message = (plan.recipients[index] as (typeof plan.recipients)[number]).message();
    const from = message.from;
    try {
      fromDomains.add(domainOf(parseAddress(from).address));
    } catch {
      // The relay refuses the message itself, with the field named.
    }
    return message;
  };

  /** Hands the release order up to `end` to the outbox, within the window, pace and pauses. */
  async function release(order: readonly number[], end: number) {
    let nextAt = deps.now();
    while (released < end && cancelled === undefined) {
      // A guard given to createRelay need not report its resumes as alerts: ask it again.
      if (paused?.source === 'health') {
        if ((await blocked()) === undefined) resume();
        else await waitFor(() => cancelled !== undefined || !paused, deps.now() + 250);
        continue;
      }
      await waitFor(
        () =>
          cancelled !== undefined ||
          paused?.source === 'health' ||
          (!paused && released - tracker.settled() < window),
      );
      if (cancelled || paused) continue;
      const health = await blocked();
      if (health) {
        pause('health', health);
        continue;
      }
      if (perSecond !== undefined && nextAt > deps.now()) {
        await waitFor(() => cancelled !== undefined || paused !== undefined, nextAt);
        continue;
      }
      let n = Math.min(end - released, window - (released - tracker.settled()), 100);
      if (perSecond !== undefined) n = Math.max(1, Math.min(n, Math.ceil(perSecond / 4)));
      const messages = order.slice(released, released + n).map(messageOf);
      await deps.enqueueMany(messages);
      released += n;
      if (perSecond !== undefined) nextAt = Math.max(nextAt, deps.now()) + (n * 1000) / perSecond;
      await save();
      changed();
    }
  }

  /**
   * Rebuilds what a previous run knew: each released message's answer from the outbox and ledger.
   * A released message the outbox no longer holds was finished and dropped (the Redis outbox
   * keeps sent jobs for keepSentMs; dead and expired ones it keeps): the ledger tells a send from
   * a message suppressed at send time. It is never enqueued again.
   */
  async function recover(order: readonly number[], cohortIds: ReadonlySet<string>) {
    const ids = order.slice(0, released).map((i) => plan.recipients[i]?.messageId as string);
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const messageId = ids[next++] as string;
        const queued = await deps.outbox.get(messageId);
        if (queued === undefined || queued.status === 'sent') {
          const sends = await deps.ledger.byMessageId(messageId);
          tracker.settle(messageId, sends.length > 0 ? 'sent' : 'suppressed', sends[0]?.provider);
        } else if (queued.status === 'dead' || queued.status === 'expired')
          tracker.settle(messageId, 'failed');
        if (cohortIds.has(messageId))
          for (const state of await deps.status(messageId)) tracker.foldState(state);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
  }

  async function hold(cohortIds: readonly string[]): Promise<CanaryReport> {
    const timeoutMs = canaryOptions?.timeoutMs ?? 10 * minute;
    const minOutcomes = canaryOptions?.minOutcomes ?? 0.9;
    const deadline = deps.now() + timeoutMs;
    const enough = () => {
      if (!cohortIds.every((m) => tracker.statusOf(m) !== undefined)) return false;
      const attempted = [...tracker.canary.values()].filter(wasAttempted);
      return attempted.filter(hasOutcome).length >= Math.ceil(minOutcomes * attempted.length);
    };
    while (!enough() && deps.now() < deadline && !cancelled) {
      await waitFor(
        () => enough() || cancelled !== undefined,
        Math.min(deadline, deps.now() + 1000),
      );
      await save({ canary: canaryState() });
    }
    const timedOut = !enough();
    if (!timedOut && !cancelled)
      await waitFor(
        () => cancelled !== undefined,
        deps.now() + (canaryOptions?.settleMs ?? minute),
      );
    const outcomes = [...tracker.canary.values()];
    const profiles = new Map<string, string>();
    for (const domain of new Set(outcomes.map((o) => o.domain)))
      profiles.set(domain, await deps.profileOf(domain));
    return judgeCanary(outcomes, {
      thresholds: { ...DEFAULT_CANARY_THRESHOLDS, ...canaryOptions?.thresholds },
      minOutcomes,
      timedOut,
      timeoutMs,
      profileOf: (d) => profiles.get(d) ?? 'other',
    });
  }

  const startedAt = new Date(deps.now());
  const finish = async (status: CampaignReport['status'], reason?: string) => {
    const report: CampaignReport = {
      id,
      status,
      ...(reason === undefined ? {} : { reason }),
      ...tracker.counts(size, released),
      ...(canary ? { canary } : {}),
      pauses,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date(deps.now()).toISOString(),
    };
    await save({
      report: report as unknown as Record<string, unknown>,
      ...(reason === undefined ? {} : { reason }),
    });
    return report;
  };

  async function main(): Promise<CampaignReport> {
    const stored = await deps.store.get(id);
    if (stored && stored.fingerprint !== plan.fingerprint)
      throw configError(
        `a campaign '${id}' was started with another recipient list (${stored.size} recipients); resume it with the same list, or give this one a new id`,
      );
    if (stored?.report) {
      ended = stored.report as unknown as CampaignReport;
      changed();
      return ended;
    }
    const addresses = plan.recipients.map((r) => r.address);
    if (stored) record = stored;
    else {
      const cohort = canaryOptions
        ? drawCohort(addresses, cohortSize(size, canaryOptions), id)
        : [];
      const at = new Date(deps.now());
      record = await deps.store.create({
        id,
        fingerprint: plan.fingerprint,
        size,
        phase: cohort.length > 0 ? 'canary' : 'releasing',
        cohort,
        released: 0,
        createdAt: at,
        updatedAt: at,
      });
    }
    phase = record.phase;
    released = record.released;
    const inCohort = new Set(record.cohort);
    order = [...record.cohort, ...addresses.keys()].filter(
      (i, at) => at < record.cohort.length || !inCohort.has(i),
    );
    const cohortIds = record.cohort.map((i) => plan.recipients[i]?.messageId as string);
    const known = (record.canary?.['outcomes'] ?? {}) as Record<string, CanaryOutcome>;
    tracker.watchCanary(cohortIds, known);
    if (record.canary?.['report']) canary = record.canary['report'] as CanaryReport;
    // The From domains the health guard may pause, known before anything is released.
    if (size > 0) messageOf(0);
    if (released > 0) await recover(order, new Set(cohortIds));
    if (options.startWorkers !== false) deps.startWorkers();
    changed();

    if (phase === 'canary') {
      await release(order, record.cohort.length);
      if (cancelled) return stop('cancelled', cancelled);
      phase = 'holding';
      await save({ canary: canaryState() });
      changed();
    }
    if (phase === 'holding') {
      canary = await hold(cohortIds);
      if (cancelled) return stop('cancelled', cancelled);
      const breach = canary.breaches[0];
      phase = breach ? 'stopped' : 'releasing';
      await save({ canary: canaryState() });
      changed();
      if (breach) return finish('stopped', breach.message);
    }
    await release(order, size);
    if (cancelled) return stop('cancelled', cancelled);
    await waitFor(() => cancelled !== undefined || tracker.settled() >= released);
    if (cancelled) return stop('cancelled', cancelled);
    phase = 'completed';
    changed();
    return finish('completed');
  }

  const stop = (status: 'cancelled', reason: string) => {
    phase = status;
    changed();
    return finish(status, reason);
  };

  const done = main().finally(() => {
    for (const off of offs) off();
  });
  // A caller that never awaits `done` still sees the failure through it; no unhandled rejection here.
  done.catch(() => undefined);

  return {
    id,
    get progress() {
      return progress();
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    pause: (reason) => pause('caller', reason ?? 'paused by the caller'),
    resume,
    cancel(reason) {
      cancelled ??= reason ?? 'cancelled by the caller';
      changed();
    },
    done,
  };
}
