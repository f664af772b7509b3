import { domainOf } from './address.ts';
import { createPrng } from './prng.ts';
import type { RecipientBehaviour } from './types.ts';

/** An SMTP answer as the receiving MTA gave it. */
export interface SmtpReply {
  readonly code: number;
  readonly enhanced: string;
  readonly text: string;
}

export const smtpLine = (s: SmtpReply): string => `${s.code} ${s.enhanced} ${s.text}`;

export const SMTP = {
  ok: { code: 250, enhanced: '2.0.0', text: 'OK' },
  unknownUser: {
    code: 550,
    enhanced: '5.1.1',
    text: 'The email account that you tried to reach does not exist.',
  },
  mailboxFull: {
    code: 452,
    enhanced: '4.2.2',
    text: 'The email account that you tried to reach is over quota.',
  },
  rateLimited: {
    code: 421,
    enhanced: '4.7.28',
    text: 'Our system has detected an unusual rate of unsolicited mail. Try again later.',
  },
  blocked: { code: 550, enhanced: '5.7.1', text: 'Message rejected due to local policy.' },
  suppressed: {
    code: 550,
    enhanced: '5.1.1',
    text: 'Recipient address is on the suppression list.',
  },
} as const satisfies Record<string, SmtpReply>;

/** One step of what happens to one recipient after acceptance, at `atMs` after acceptance. */
export type OutcomeStep =
  | { readonly kind: 'sent'; readonly atMs: number }
  | { readonly kind: 'delivered'; readonly atMs: number; readonly smtp: SmtpReply }
  | {
      readonly kind: 'deferred';
      readonly atMs: number;
      readonly attempt: number;
      readonly smtp: SmtpReply;
      readonly cause: 'mailbox-full' | 'rate-limited';
    }
  | {
      readonly kind: 'bounced';
      readonly atMs: number;
      readonly bounceClass: 'hard' | 'soft' | 'block';
      readonly smtp: SmtpReply;
    }
  | { readonly kind: 'complained'; readonly atMs: number }
  | { readonly kind: 'suppressed'; readonly atMs: number; readonly smtp: SmtpReply };

/** Probabilities (0..1) of each behaviour for addresses nobody scripted; drawn per address from the seed. */
export interface BehaviourMix {
  readonly hardBounce?: number;
  readonly softBounce?: number;
  readonly defer?: number;
  readonly block?: number;
  readonly complaint?: number;
}

export type NormalBehaviour = Exclude<RecipientBehaviour, string>;

export interface RecipientBook {
  /** Script an exact address, `@domain` or a bare domain. */
  set(target: string, behaviour: RecipientBehaviour): void;
  remove(target: string): void;
  clear(): void;
  resolve(address: string): NormalBehaviour;
}

/** The documented test mailboxes: SES mailbox simulator and Resend's resend.dev addresses. */
const TEST_ADDRESSES: Readonly<Record<string, NormalBehaviour>> = {
  'success@simulator.amazonses.com': { kind: 'deliver' },
  'bounce@simulator.amazonses.com': { kind: 'hard-bounce' },
  // The out-of-office reply goes to the sender; for the relay the message is simply delivered.
  'ooto@simulator.amazonses.com': { kind: 'deliver' },
  'complaint@simulator.amazonses.com': { kind: 'complaint' },
  'suppressionlist@simulator.amazonses.com': { kind: 'suppressed' },
  'delivered@resend.dev': { kind: 'deliver' },
  'bounced@resend.dev': { kind: 'hard-bounce' },
  'complained@resend.dev': { kind: 'complaint' },
};

export function normalise(b: RecipientBehaviour): NormalBehaviour {
  return typeof b === 'string' ? ({ kind: b } as NormalBehaviour) : b;
}

/** Both simulators accept labels (success+anything@…); strip them before the lookup. */
function withoutLabel(address: string): string {
  const at = address.lastIndexOf('@');
  const plus = address.indexOf('+');
  return plus !== -1 && plus < at ? address.slice(0, plus) + address.slice(at) : address;
}

export function createRecipientBook(
  seed: string,
  fallback: RecipientBehaviour,
  mix: BehaviourMix = {},
): RecipientBook {
  const scripts = new Map<string, NormalBehaviour>();
  const key = (target: string): string => {
    const t = target.trim().toLowerCase();
    return t.includes('@') && !t.startsWith('@') ? t : `@${t.replace(/^@/, '')}`;
  };
  const mixed = Object.values(mix).some((p) => typeof p === 'number' && p > 0);
  const fromMix = (address: string): NormalBehaviour | undefined => {
    if (!mixed) return undefined;
    // A PRNG per address keeps the draw independent of request order and concurrency.
    const roll = createPrng(`${seed}|${address}`).next();
    let edge = 0;
    const table: [number | undefined, NormalBehaviour][] = [
      [mix.hardBounce, { kind: 'hard-bounce' }],
      [mix.softBounce, { kind: 'soft-bounce' }],
      [mix.defer, { kind: 'defer' }],
      [mix.block, { kind: 'block' }],
      [mix.complaint, { kind: 'complaint' }],
    ];
    for (const [p, b] of table) {
      edge += p ?? 0;
      if (roll < edge) return b;
    }
    return undefined;
  };
  return {
    set: (target, behaviour) => void scripts.set(key(target), normalise(behaviour)),
    remove: (target) => void scripts.delete(key(target)),
    clear: () => scripts.clear(),
    resolve(address) {
      const a = address.toLowerCase();
      return (
        scripts.get(a) ??
        scripts.get(`@${domainOf(a)}`) ??
        TEST_ADDRESSES[withoutLabel(a)] ??
        fromMix(a) ??
        normalise(fallback)
      );
    },
  };
}

export interface PlanTiming {
  /** Delay of the first outcome after acceptance. */
  readonly firstMs: number;
  /** Simulated time between the provider's delivery attempts (deferrals). */
  readonly retryMs: number;
}

/** The outcome steps the behaviour produces for one recipient. */
export function plan(b: NormalBehaviour, timing: PlanTiming): OutcomeStep[] {
  const t0 = timing.firstMs;
  switch (b.kind) {
    case 'deliver':
      return [{ kind: 'delivered', atMs: t0 + (b.delayMs ?? 0), smtp: SMTP.ok }];
    case 'hard-bounce':
      return [{ kind: 'bounced', atMs: t0, bounceClass: 'hard', smtp: SMTP.unknownUser }];
    case 'block':
      return [{ kind: 'bounced', atMs: t0, bounceClass: 'block', smtp: SMTP.blocked }];
    case 'complaint':
      return [
        { kind: 'delivered', atMs: t0, smtp: SMTP.ok },
        { kind: 'complained', atMs: t0 + timing.retryMs },
      ];
    case 'suppressed':
      return [{ kind: 'suppressed', atMs: t0, smtp: SMTP.suppressed }];
    case 'soft-bounce':
    case 'defer': {
      const failures = b.failures ?? 2;
      const cause = b.kind === 'defer' ? 'rate-limited' : 'mailbox-full';
      const smtp = b.kind === 'defer' ? SMTP.rateLimited : SMTP.mailboxFull;
      const steps: OutcomeStep[] = [];
      for (let i = 0; i < failures; i++) {
        steps.push({
          kind: 'deferred',
          atMs: t0 + i * timing.retryMs,
          attempt: i + 1,
          smtp,
          cause,
        });
      }
      const atMs = t0 + failures * timing.retryMs;
      steps.push(
        b.then === 'bounced'
          ? { kind: 'bounced', atMs, bounceClass: 'soft', smtp }
          : { kind: 'delivered', atMs, smtp: SMTP.ok },
      );
      return steps;
    }
  }
}
