import * as core from '@relaykit/core';
import { describeStores } from './stores.suite.ts';

// Suppression and strike stores join once core exports them.
const optional = core as unknown as Record<string, (() => unknown) | undefined>;

describeStores('memory', () => ({
  ledger: core.memoryLedger(),
  state: core.memoryStateStore(),
  dedupe: core.memoryDedupe(),
  outbox: core.memoryOutbox(),
  ...(optional['memorySuppressionStore'] ? { suppression: optional['memorySuppressionStore']() as core.SuppressionStore } : {}),
  ...(optional['memoryStrikeStore'] ? { strikes: optional['memoryStrikeStore']() as core.StrikeStore } : {}),
}));
