import { randomBytes } from 'node:crypto';
import { createRelay, RelayError, type QueuedMessage } from '@relaykit/core';
import { testingProvider } from '@relaykit/core/testing';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { migrate, postgresStores, type PostgresStores } from './index.ts';

/** DATABASE_URL or 127.0.0.1:5432: a missing PostgreSQL fails these tests, never skips them. */
const url = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const admin = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5000 });
const schemas: string[] = [];
const opened: PostgresStores[] = [];

const schemaName = (label: string) => {
  const name = `relaykit_test_${label}_${randomBytes(5).toString('hex')}`;
  schemas.push(name);
  return name;
};
const open = (options: Parameters<typeof postgresStores>[0]) => {
  const stores = postgresStores(options);
  opened.push(stores);
  return stores;
};
const queued = (id: string): QueuedMessage => ({
  id,
  message: { id, subject: `s-${id}` },
  enqueuedAt: new Date(),
  dueAt: new Date(Date.now() - 1),
  expiresAt: new Date(Date.now() + 86_400_000),
  attempts: 0,
});

beforeAll(async () => {
  try {
    await admin.query('SELECT 1');
  } catch (error) {
    throw new Error(`These tests need PostgreSQL at ${url} (set DATABASE_URL): ${String(error)}`);
  }
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
  for (const schema of schemas.splice(0))
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
});
afterAll(() => admin.end());

describe('migrations', () => {
  it('creates the schema once, however many processes start at the same moment', async () => {
    const schema = schemaName('migrate');
    const many = Array.from({ length: 6 }, () => open({ connectionString: url, schema, max: 2 }));
    await Promise.all(many.map((s) => s.ready()));
    const { rows } = await admin.query(`SELECT version FROM "${schema}".schema_migrations`);
    // Each migration applied exactly once, in order.
    expect(rows.map((r: { version: number }) => r.version)).toEqual([1, 2, 3]);
    // A second start finds the schema current and changes nothing.
    await open({ connectionString: url, schema }).ready();
    expect((await admin.query(`SELECT version FROM "${schema}".schema_migrations`)).rowCount).toBe(
      3,
    );
  });

  it('puts the table prefix on every table, so two deployments share one schema', async () => {
    const schema = schemaName('prefix');
    const a = open({ connectionString: url, schema, tablePrefix: 'a_' });
    const b = open({ connectionString: url, schema, tablePrefix: 'b_' });
    await a.outbox.enqueue([queued('only-in-a')]);
    await b.ready();
    expect(await a.outbox.get('only-in-a')).toBeDefined();
    expect(await b.outbox.get('only-in-a')).toBeUndefined();
    const { rows } = await admin.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`,
      [schema],
    );
    const names = rows.map((r: { table_name: string }) => r.table_name);
    expect(names).toContain('a_outbox');
    expect(names).toContain('b_schema_migrations');
    expect(names.every((n: string) => n.startsWith('a_') || n.startsWith('b_'))).toBe(true);
  });

  it('leaves the schema alone with migrate: false until migrate() runs', async () => {
    const schema = schemaName('manual');
    const stores = open({ connectionString: url, schema, migrate: false });
    await expect(stores.outbox.counts()).rejects.toThrow(/does not exist/);
    await migrate({ connectionString: url, schema });
    expect(await stores.outbox.counts()).toMatchObject({ queued: 0 });
  });

  it('refuses a schema or prefix that is not a plain identifier, saying what fits', () => {
    expect(() => postgresStores({ connectionString: url, schema: 'x"; DROP TABLE y; --' })).toThrow(
      /not a plain identifier/,
    );
    expect(() => postgresStores({ connectionString: url, tablePrefix: 'a-b' })).toThrow(
      /tablePrefix/,
    );
    expect(() => postgresStores({ connectionString: 'mysql://u:secret@h/db' })).toThrow(
      /not a PostgreSQL URL/,
    );
  });
});

describe('an unreachable PostgreSQL', () => {
  it('fails a call within the store timeout, naming the address and never the password', async () => {
    // A port nothing listens on (the listener closed before the call).
    const server = (await import('node:net')).createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise((r) => server.close(r));
    const stores = open({
      connectionString: `postgres://app:s3cret-pw@127.0.0.1:${port}/shop`,
      storeTimeoutMs: 500,
    });
    const started = Date.now();
    const error = await stores.suppression.check(['a@x.test']).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(RelayError);
    expect((error as RelayError).message).toContain(`127.0.0.1:${port}/shop`);
    expect((error as RelayError).message).not.toContain('s3cret-pw');
  });
});

describe('outbox shared by many workers (FOR UPDATE SKIP LOCKED)', () => {
  it('two pools claiming at once never hand out one message twice', async () => {
    const schema = schemaName('claim');
    const a = open({ connectionString: url, schema, max: 8 });
    const b = open({ connectionString: url, schema, max: 8 });
    const total = 3_000;
    const ids = Array.from({ length: total }, (_, i) => `m${i}`);
    for (let i = 0; i < total; i += 500) await a.outbox.enqueue(ids.slice(i, i + 500).map(queued));
    const seen = new Map<string, number>();
    const by = { a: 0, b: 0 };
    const started = Date.now();
    const consumers = (['a', 'b'] as const).map((name) =>
      (name === 'a' ? a : b).outbox.consume(
        async (m) => {
          seen.set(m.id, (seen.get(m.id) ?? 0) + 1);
          by[name] += 1;
          await new Promise((r) => setTimeout(r, 1));
          return { type: 'done', status: 'sent' };
        },
        { concurrency: 16, pollMs: 10, leaseMs: 60_000 },
      ),
    );
    while ((await a.outbox.counts()).sent < total && Date.now() - started < 60_000)
      await new Promise((r) => setTimeout(r, 20));
    const elapsed = Date.now() - started;
    await Promise.all(consumers.map((c) => c.stop()));
    console.log(
      `${total} messages claimed and settled by two pools in ${elapsed} ms (${Math.round((total / elapsed) * 1000)}/s), ${by.a} + ${by.b}`,
    );
    expect(await a.outbox.counts()).toMatchObject({ sent: total, queued: 0, inFlight: 0 });
    expect(seen.size).toBe(total);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(by.a).toBeGreaterThan(total * 0.1);
    expect(by.b).toBeGreaterThan(total * 0.1);
  });
});

describe('transactional enqueue', () => {
  const input = (to: string) => ({
    from: 'shop@example.com',
    to,
    subject: 'Your order',
    text: 'Thanks',
  });

  async function withOrders(schema: string) {
    await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await admin.query(`CREATE TABLE "${schema}".orders (id text PRIMARY KEY)`);
  }

  it('queues the email when the application transaction commits', async () => {
    const schema = schemaName('txcommit');
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    try {
      await withOrders(schema);
      const stores = open({ pool, schema });
      const relay = createRelay({ providers: [testingProvider({ events: false })], stores });
      const client = await pool.connect();
      let id: string;
      try {
        await client.query('BEGIN');
        await client.query(`INSERT INTO "${schema}".orders (id) VALUES ('o-1')`);
        id = await relay.enqueue(input('ada@example.org'), { tx: client });
        // Not visible outside the transaction until it commits.
        expect(await stores.outbox.get(id)).toBeUndefined();
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      expect((await stores.outbox.get(id))?.status).toBe('queued');
      await relay.close();
    } finally {
      await pool.end();
    }
  });

  it('queues nothing when the application transaction rolls back', async () => {
    const schema = schemaName('txrollback');
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    try {
      await withOrders(schema);
      const stores = open({ pool, schema });
      const relay = createRelay({ providers: [testingProvider({ events: false })], stores });
      const client = await pool.connect();
      let ids: string[];
      try {
        await client.query('BEGIN');
        await client.query(`INSERT INTO "${schema}".orders (id) VALUES ('o-2')`);
        ids = await relay.enqueueMany([input('ada@example.org'), input('alan@example.org')], {
          tx: client,
        });
        await client.query('ROLLBACK');
      } finally {
        client.release();
      }
      for (const id of ids) expect(await stores.outbox.get(id)).toBeUndefined();
      expect(await stores.outbox.counts()).toMatchObject({ queued: 0 });
      expect((await admin.query(`SELECT * FROM "${schema}".orders`)).rowCount).toBe(0);
      await relay.close();
    } finally {
      await pool.end();
    }
  });

  it('refuses tx on an outbox that cannot join the transaction, enqueuing nothing', async () => {
    const relay = createRelay({ providers: [testingProvider({ events: false })] });
    await expect(relay.enqueue(input('ada@example.org'), { tx: {} })).rejects.toMatchObject({
      kind: 'config',
    });
    expect(await relay.outbox.counts()).toMatchObject({ queued: 0 });
    await relay.close();
  });
});
