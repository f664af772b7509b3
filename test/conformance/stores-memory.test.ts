import * as core from '@relaykit/core';
import { describeStores } from './stores.suite.ts';

describeStores('memory', () => ({
  suppression: core.memorySuppressionStore(),
  strikes: core.memoryStrikeStore(),
  ledger: core.memoryLedger(),
  state: core.memoryStateStore(),
  dedupe: core.memoryDedupe(),
  outbox: core.memoryOutbox(),
  rate: core.memoryRateStore(),
  campaigns: core.memoryCampaignStore(),
}));
