import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../stores.ts';
import { memoryLedger } from './ledger.ts';

const entry = (i: number, part = 0): LedgerEntry => ({
  messageId: `m${i}`,
  provider: part === 0 ? 'ses' : 'postmark',
  providerMessageId: `p${i}-${part}`,
  recipients: [`r${i}@x.test`],
  from: 'a@shop.test',
  sentAt: new Date(0),
});

describe('memoryLedger', () => {
  it('answers both ways, for every part of a message', async () => {
    const ledger = memoryLedger();
    await ledger.record(entry(1));
    await ledger.record(entry(1, 1));
    expect((await ledger.byMessageId('m1')).map((e) => e.providerMessageId)).toEqual([
      'p1-0',
      'p1-1',
    ]);
    expect((await ledger.byProviderMessageId('postmark', 'p1-1'))?.messageId).toBe('m1');
    expect(await ledger.byProviderMessageId('ses', 'p1-1')).toBeUndefined();
    expect(await ledger.byMessageId('m2')).toEqual([]);
  });

  it('keeps at least the newest maxMessages, and not many more', async () => {
    const ledger = memoryLedger({ maxMessages: 100 });
    for (let i = 0; i < 1100; i += 1) {
      await ledger.record(entry(i));
      if (i < 1000) continue;
      // Whatever the moment in a generation's life, the newest 100 are there.
      expect(await ledger.byMessageId(`m${i - 99}`)).toHaveLength(1);
      expect((await ledger.byProviderMessageId('ses', `p${i - 99}-0`))?.messageId).toBe(
        `m${i - 99}`,
      );
    }
    let kept = 0;
    for (let i = 0; i < 1100; i += 1) if ((await ledger.byMessageId(`m${i}`)).length > 0) kept += 1;
    // Generations of 13: eight sealed ones and the current one at most.
    expect(kept).toBeLessThanOrEqual(100 + 2 * 13);
    expect(await ledger.byProviderMessageId('ses', 'p0-0')).toBeUndefined();
  });

  it('finds a message whose parts straddle two generations', async () => {
    const ledger = memoryLedger({ maxMessages: 2 });
    await ledger.record(entry(1));
    await ledger.record(entry(2));
    await ledger.record(entry(3));
    await ledger.record(entry(2, 1));
    expect((await ledger.byMessageId('m2')).map((e) => e.provider)).toEqual(['ses', 'postmark']);
  });
});
