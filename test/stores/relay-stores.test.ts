import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRelay, type DeliveryEvent, type StoreSet } from '@relaykit/core';
import { testingProvider } from '@relaykit/core/testing';
import { redisStores } from '@relaykit/redis';
import { sqliteStores } from '@relaykit/sqlite';
import { afterAll, describe, expect, it } from 'vitest';

/** createRelay({ stores }) takes what sqliteStores() and redisStores() return, strikes included. */
const backends: Array<[string, () => { stores: StoreSet; cleanup: () => Promise<void> }]> = [
  [
    'sqlite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'relaykit-relay-stores-'));
      const stores = sqliteStores(join(dir, 'relaykit.db'));
      return {
        stores,
        cleanup: async () => {
          stores.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  ],
  [
    'redis',
    () => {
      const stores = redisStores(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', {
        prefix: `relaykit-relay-stores-${process.pid}-${Date.now()}:`,
      });
      return { stores, cleanup: () => stores.close() };
    },
  ],
];

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

const softBounce = (recipient: string, id: string): DeliveryEvent => ({
  id,
  type: 'bounced',
  provider: 'testing',
  messageId: `m-${id}`,
  recipient,
  at: new Date(),
  from: 'orders@mail.shop.test',
  tags: [],
  metadata: {},
  raw: null,
  bounce: { class: 'soft', category: 'mailbox-full', smtpStatus: 452, enhancedStatus: '4.2.2' },
});

describe.each(backends)('createRelay({ stores: %sStores() })', (_name, open) => {
  it('uses every store of the set: ledger, state, dedupe, suppression, strikes and outbox', async () => {
    const { stores, cleanup } = open();
    cleanups.push(cleanup);
    const relay = createRelay({ providers: [testingProvider()], stores, throttle: false });

    expect(relay.stores.ledger).toBe(stores.ledger);
    expect(relay.stores.state).toBe(stores.state);
    expect(relay.stores.dedupe).toBe(stores.dedupe);
    expect(relay.stores.suppression).toBe(stores.suppression);
    expect(relay.outbox).toBe(stores.outbox);

    // One final soft bounce is one strike, counted in the set's strike store.
    const address = `full-${Date.now()}@x.test`;
    await relay.ingest([softBounce(address, `soft-${address}`)]);
    const strikes = await stores.strikes?.strike(address, new Date(), 7 * 86_400_000, 'probe');
    expect(strikes).toBe(2);

    // Five suppress the address in the set's suppression store.
    for (let i = 1; i < 5; i++) await relay.ingest([softBounce(address, `soft-${i}-${address}`)]);
    const hits = await stores.suppression?.check([address]);
    expect([...(hits?.keys() ?? [])]).toEqual([address]);
    await relay.close();
  });

  it("keeps campaign progress in the set's campaign store", async () => {
    const { stores, cleanup } = open();
    cleanups.push(cleanup);
    const relay = createRelay({ providers: [testingProvider()], stores, throttle: false });
    const id = `stores-${Date.now()}`;
    const report = await relay.campaign({
      id,
      canary: false,
      recipients: ['a@x.test', 'b@x.test'],
      template: { from: 'news@mail.shop.test', subject: 'Hi', text: 'Hello' },
    }).done;
    expect(report).toMatchObject({ status: 'completed', sent: 2 });
    expect(await stores.campaigns?.get(id)).toMatchObject({ phase: 'completed', released: 2 });
    await relay.close();
  });
});

describe('createRelay({ stores })', () => {
  it('lets an option given on its own win over the same store of the set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relaykit-relay-stores-'));
    const a = sqliteStores(join(dir, 'a.db'));
    const b = sqliteStores(join(dir, 'b.db'));
    cleanups.push(async () => {
      a.close();
      b.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const relay = createRelay({
      providers: [testingProvider()],
      stores: a,
      ledger: b.ledger,
      suppression: { store: b.suppression },
      throttle: false,
    });
    expect(relay.stores.ledger).toBe(b.ledger);
    expect(relay.stores.suppression).toBe(b.suppression);
    expect(relay.stores.state).toBe(a.state);
    await relay.close();
  });
});
