import type { SimEvent, SimMessage } from './types.ts';

export type EventWait =
  | number
  | ((event: SimEvent) => boolean)
  | { readonly count: number; readonly where?: (event: SimEvent) => boolean };

export interface Recorder {
  readonly messages: SimMessage[];
  readonly events: SimEvent[];
  addMessage(message: SimMessage): void;
  addEvent(event: SimEvent): void;
  /** Call after an event's state changed, to wake waiters. */
  touch(): void;
  /**
   * Resolves with the settled events (answered, given up or unsent) once `n` of them (matching the
   * predicate, if any) exist; rejects after `timeoutMs`.
   */
  waitForEvents(wait: EventWait, timeoutMs?: number): Promise<SimEvent[]>;
  waitForMessages(n: number, timeoutMs?: number): Promise<SimMessage[]>;
  clear(): void;
}

const settled = (e: SimEvent): boolean => e.state !== 'pending';

interface Waiter {
  check(): boolean;
}

export function createRecorder(): Recorder {
  const messages: SimMessage[] = [];
  const events: SimEvent[] = [];
  const waiters = new Set<Waiter>();
  const wake = (): void => {
    for (const w of waiters) if (w.check()) waiters.delete(w);
  };
  const waitFor = <T>(
    probe: () => T | undefined,
    timeoutMs: number,
    what: () => string,
  ): Promise<T> =>
    new Promise((resolve, reject) => {
      const first = probe();
      if (first !== undefined) {
        resolve(first);
        return;
      }
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(
          new Error(`[relaykit] [simulator] timed out after ${timeoutMs} ms waiting for ${what()}`),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        check() {
          const value = probe();
          if (value === undefined) return false;
          clearTimeout(timer);
          resolve(value);
          return true;
        },
      };
      waiters.add(waiter);
    });
  return {
    messages,
    events,
    addMessage(message) {
      messages.push(message);
      if (waiters.size > 0) wake();
    },
    addEvent(event) {
      events.push(event);
      if (waiters.size > 0) wake();
    },
    touch() {
      if (waiters.size > 0) wake();
    },
    waitForEvents(wait, timeoutMs = 5_000) {
      const count = typeof wait === 'number' ? wait : typeof wait === 'function' ? 1 : wait.count;
      const where =
        typeof wait === 'number' ? undefined : typeof wait === 'function' ? wait : wait.where;
      const pick = (): SimEvent[] => events.filter((e) => settled(e) && (where ? where(e) : true));
      return waitFor(
        () => {
          const hits = pick();
          return hits.length >= count ? hits : undefined;
        },
        timeoutMs,
        () =>
          `${count} settled webhook event(s); have ${pick().length} of ${events.length} recorded`,
      );
    },
    waitForMessages(n, timeoutMs = 5_000) {
      return waitFor(
        () => (messages.length >= n ? messages.slice() : undefined),
        timeoutMs,
        () => `${n} accepted message(s); have ${messages.length}`,
      );
    },
    clear() {
      messages.length = 0;
      events.length = 0;
    },
  };
}
