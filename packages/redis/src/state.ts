import type { Redis } from 'ioredis';
import { RelayError, type MessageStateStore } from '@relaykit/core';
import {
  applyEvent,
  initialState,
  reviveRecipientState,
  serializeRecipientState,
} from '@relaykit/core/adapter';
import type { Keys } from './keys.ts';
import { script } from './script.ts';
import { casScript } from './scripts/state.ts';

const revive = reviveRecipientState;

const cas = script(casScript);
const maxTries = 50;

/**
 * Message state: one hash per message, a field per recipient holding its folded state. The fold
 * runs here with core's state machine (one source of truth for the rules), then a compare-and-set
 * script writes it only if nobody else did in between; on a conflict it reads and folds again.
 * No WATCH: that is per connection, and this client is shared by concurrent calls.
 */
export function redisStateStore(
  redis: Redis,
  keys: Keys,
  options: { ttlMs: number },
): MessageStateStore {
  return {
    async apply(event) {
      const messageId =
        event.messageId ?? `provider:${event.provider}:${event.providerMessageId ?? 'unknown'}`;
      const key = keys.state(messageId);
      const field = event.recipient.toLowerCase();
      for (let attempt = 0; attempt < maxTries; attempt += 1) {
        const before = (await redis.hget(key, field)) ?? '';
        const state = before === '' ? initialState(messageId, event.recipient) : revive(before);
        const next = applyEvent(state, event);
        if (next === state && before !== '') return state;
        const written = await cas.run(
          redis,
          [key],
          [field, before, serializeRecipientState(next), options.ttlMs],
        );
        if (written === 1) return next;
      }
      throw new RelayError({
        kind: 'transient',
        provider: 'redis',
        message: `state of ${messageId} kept changing under ${maxTries} concurrent writes; the event can be applied again safely`,
      });
    },
    async get(messageId) {
      const all = await redis.hgetall(keys.state(messageId));
      return Object.keys(all)
        .sort()
        .map((field) => revive(all[field] as string));
    },
  };
}
