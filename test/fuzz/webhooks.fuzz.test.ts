import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  createRelay,
  memoryDedupe,
  memorySuppressionStore,
  type Provider,
  type Relay,
} from '@relaykit/core';
import { rawWebhookOf } from '@relaykit/core/testing';
import { webhookStatuses } from '@relaykit/core/adapter';
import { mailgun, signMailgun } from '@relaykit/mailgun';
import { postmark } from '@relaykit/postmark';
import { resend, signSvix } from '@relaykit/resend';
import { ses } from '@relaykit/ses';
import {
  startSimulator,
  startWebhookReceiver,
  type ReceivedWebhook,
  type Simulator,
  type WebhookReceiver,
} from '@relaykit/simulator';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Fuzzes the webhook entries (`relay.webhooks.handle` and `handleRaw`) of every provider with real adapters:
 * authentic deliveries (re-signed) with mutated payloads, stale signatures over mutated bytes,
 * garbage, wrong content types, multipart, huge and deeply nested bodies, header mutations, other
 * methods and aborted streams. Invariants: nothing throws; the status is a documented one and
 * never a 5xx (the memory stores cannot fail); a request not answered 200 records nothing.
 * FUZZ_RUNS sets the cases per provider (2,000 by default; `pnpm fuzz` runs 100,000).
 */
const runs = Number(
  process.env['FUZZ_RUNS'] ?? (process.env['npm_lifecycle_event'] === 'fuzz' ? 100_000 : 2_000),
);
const seed = Number(process.env['FUZZ_SEED'] ?? 17);
const maxBytes = 64 * 1024;
const documented = new Set<number>([
  webhookStatuses.ok,
  webhookStatuses.badRequest,
  webhookStatuses.unauthorized,
  webhookStatuses.methodNotAllowed,
  webhookStatuses.tooLarge,
]);

const mailgunKey = 'fuzz-mailgun-signing-key';
const resendSecret = `whsec_${Buffer.from('fuzz-resend-signing-secret-32byt').toString('base64')}`;
const resendKey = Buffer.from(resendSecret.slice('whsec_'.length), 'base64');
const postmarkHeader = { name: 'x-fuzz-secret', value: 'fuzz-postmark-secret' };

type Name = 'ses' | 'postmark' | 'mailgun' | 'resend';
let sim: Simulator;
let receiver: WebhookReceiver;
const seeds: Record<Name, ReceivedWebhook[]> = { ses: [], postmark: [], mailgun: [], resend: [] };

function adapters(options: { skipSesVerification?: boolean } = {}): Record<Name, Provider> {
  return {
    ses: ses({
      ...sim.ses.options,
      configurationSetName: 'relaykit-events',
      webhook: {
        // relaykit cannot sign as SNS does: to reach the SES parser with mutated notifications,
        // the fuzz treats every SES body as authentic in the 'authentic' cases.
        ...(options.skipSesVerification ? { dangerouslySkipVerification: true } : {}),
        topicArns: [sim.ses.topicArn],
        fetchCertificate: async (url) => {
          if (url !== sim.ses.signingCertUrl) throw new Error(`unexpected certificate URL ${url}`);
          return sim.ses.certificatePem;
        },
      },
    }),
    postmark: postmark({
      serverToken: sim.postmark.serverToken,
      baseUrl: sim.url,
      webhook: { secretHeader: postmarkHeader },
    }),
    mailgun: mailgun({
      apiKey: sim.mailgun.apiKey,
      domain: sim.mailgun.domain,
      baseUrl: sim.mailgun.url,
      webhook: { signingKey: mailgunKey },
    }),
    resend: resend({
      apiKey: sim.resend.apiKey,
      baseUrl: sim.resend.baseUrl,
      webhook: { secret: resendSecret },
    }),
  };
}

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  sim = await startSimulator({
    seed: 'webhook-fuzz',
    webhooks: {
      url: receiver.url,
      secrets: {
        mailgun: mailgunKey,
        resend: resendSecret,
        postmark: { header: postmarkHeader },
      },
      sentEvents: true,
    },
    recipients: {
      scripts: {
        'gone@example.test': 'hard-bounce',
        'full@example.test': { kind: 'soft-bounce', failures: 1 },
        'angry@example.test': 'complaint',
        'blocked@example.test': 'block',
        'listed@example.test': 'suppressed',
      },
    },
  });
  for (const [name, provider] of Object.entries(adapters()) as Array<[Name, Provider]>) {
    sim.setWebhookUrl(name, `${receiver.url}/${name}`);
    const relay = createRelay({ providers: [provider], throttle: false, guard: false });
    for (const to of [
      'ada@example.test',
      'gone@example.test',
      'full@example.test',
      'angry@example.test',
      'blocked@example.test',
      'listed@example.test',
    ]) {
      await relay.send({ from: 'shop@mail.example.test', to, subject: 'Hi', text: 'Hello' });
    }
    await sim.idle();
    await relay.close();
  }
  for (const hook of receiver.received) {
    const name = hook.path.split('/').at(-1) as Name;
    seeds[name].push(hook);
  }
}, 60_000);

afterAll(async () => {
  await sim?.stop();
  await receiver?.stop();
});

/** A relay receiving one provider's webhooks, with every effect counted. */
function target(provider: Provider) {
  const store = memorySuppressionStore();
  const relay: Relay = createRelay({
    providers: [provider],
    throttle: false,
    guard: false,
    suppression: { store },
    dedupe: memoryDedupe({ maxKeys: 20_000 }),
    maxWebhookBytes: maxBytes,
    // SubscribeURLs point at SNS: nothing leaves the machine.
    fetch: async () => new Response('<ConfirmSubscriptionResponse/>', { status: 200 }),
  });
  const effects = { events: 0, suppressions: 0 };
  relay.on('event', () => (effects.events += 1));
  relay.on('suppression', () => (effects.suppressions += 1));
  return { relay, store, effects };
}

/** The headers and body a provider would send for `body`, signed now (where relaykit can sign). */
function signed(
  name: Name,
  body: string,
  base: ReceivedWebhook,
): { headers: Headers; body: string; signed: boolean } {
  const headers = new Headers();
  for (const [k, v] of Object.entries(base.headers))
    if (typeof v === 'string' && k !== 'content-length' && k !== 'host') headers.set(k, v);
  if (name === 'postmark') headers.set(postmarkHeader.name, postmarkHeader.value);
  if (name === 'resend') {
    const id = `msg_${randomUUID()}`;
    const ts = String(Math.floor(Date.now() / 1000));
    headers.set('svix-id', id);
    headers.set('svix-timestamp', ts);
    headers.set('svix-signature', signSvix(resendKey, id, ts, body));
  }
  if (name === 'mailgun') {
    try {
      const parsed = JSON.parse(body) as unknown;
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        const token = randomUUID().replace(/-/gu, '');
        const timestamp = String(Math.floor(Date.now() / 1000));
        const signature = {
          timestamp,
          token,
          signature: signMailgun(mailgunKey, timestamp, token),
        };
        return { headers, body: JSON.stringify({ ...parsed, signature }), signed: true };
      }
    } catch {
      // Not JSON: stays unsigned, and must be refused.
    }
  }
  return { headers, body, signed: name === 'postmark' || name === 'resend' };
}

const seedOf = (name: Name, i: number) => {
  const list = seeds[name];
  return list[i % list.length] as ReceivedWebhook;
};

/** Replaces the value at a random path of a JSON document. */
function mutateJson(doc: unknown, path: number[], value: unknown): unknown {
  if (path.length === 0 || typeof doc !== 'object' || doc === null) return value;
  const keys = Object.keys(doc);
  if (keys.length === 0) return value;
  const key = keys[(path[0] as number) % keys.length] as string;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(doc) ? [...doc] : { ...doc };
  (copy as Record<string, unknown>)[key] = mutateJson(
    (doc as Record<string, unknown>)[key],
    path.slice(1),
    value,
  );
  return copy;
}

const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom('\u0000', '\r\nX-Forged: 1', '\u0085', '\u000b\u000c', '=HYPERLINK("x")', ''),
  fc.constantFrom('gone@example.test', 'not an address', '@', 'a@b', 'x'.repeat(5000)),
);
const jsonValue = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  hostileString,
  fc.constantFrom(null, [], {}, -1, 1e308, 'NaN', true),
);

type Case =
  | { kind: 'authentic'; i: number; path: number[]; value: unknown; remove: boolean }
  | { kind: 'bytes'; i: number; at: number; cut: number; insert: string; resign: boolean }
  | { kind: 'garbage'; body: string | Uint8Array; type: string | undefined }
  | { kind: 'deep'; depth: number; open: string }
  | { kind: 'huge'; extra: number }
  | { kind: 'headers'; i: number; drop: number; value: string }
  | { kind: 'method'; method: string; i: number }
  | { kind: 'aborted'; i: number; at: number };

const contentTypes = fc.constantFrom(
  undefined,
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=zz',
  'application/xml',
);
const caseArb: fc.Arbitrary<Case> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('authentic' as const),
      i: fc.nat(),
      path: fc.array(fc.nat(), { maxLength: 5 }),
      value: jsonValue,
      remove: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('bytes' as const),
      i: fc.nat(),
      at: fc.nat(),
      cut: fc.nat({ max: 40 }),
      insert: fc.string({ unit: 'binary', maxLength: 20 }),
      resign: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('garbage' as const),
      body: fc.oneof(
        fc.string({ unit: 'binary', maxLength: 500 }),
        fc.uint8Array({ maxLength: 500 }),
        fc.constant(
          '--zz\r\nContent-Disposition: form-data; name="event-data"\r\n\r\n{}\r\n--zz--',
        ),
        fc.constant('signature[token]=a&signature[timestamp]=1&event-data=%7B%7D'),
      ),
      type: contentTypes,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('deep' as const),
      depth: fc.integer({ min: 60, max: 30_000 }),
      open: fc.constantFrom('[', '{"a":', '[{"b":'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('huge' as const),
      extra: fc.integer({ min: 1, max: 10_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('headers' as const),
      i: fc.nat(),
      drop: fc.nat(),
      value: fc.string({ maxLength: 100 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('method' as const),
      i: fc.nat(),
      method: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('aborted' as const), i: fc.nat(), at: fc.nat() }),
  },
);

const url = (name: Name) => `http://localhost/webhooks/${name}`;

/** The request a case describes, and whether a provider could have sent it (signed now). */
function build(name: Name, c: Case): { request: Request; authentic: boolean } {
  switch (c.kind) {
    case 'authentic': {
      const base = seedOf(name, c.i);
      let doc: unknown = JSON.parse(base.body);
      doc =
        c.remove && c.path.length > 0
          ? mutateJson(doc, c.path, undefined)
          : mutateJson(doc, c.path, c.value);
      const body = JSON.stringify(doc) ?? 'null';
      const s = signed(name, body, base);
      return {
        request: new Request(url(name), { method: 'POST', headers: s.headers, body: s.body }),
        authentic: s.signed,
      };
    }
    case 'bytes': {
      const base = seedOf(name, c.i);
      const at = c.at % (base.body.length + 1);
      const body = base.body.slice(0, at) + c.insert + base.body.slice(at + c.cut);
      const s = c.resign ? signed(name, body, base) : signed('ses', body, base);
      return {
        request: new Request(url(name), { method: 'POST', headers: s.headers, body: s.body }),
        authentic: false,
      };
    }
    case 'garbage': {
      const headers = new Headers();
      if (c.type) headers.set('content-type', c.type);
      return {
        request: new Request(url(name), {
          method: 'POST',
          headers,
          body: typeof c.body === 'string' ? c.body : new Uint8Array(c.body),
        }),
        authentic: false,
      };
    }
    case 'deep': {
      const body = c.open.repeat(c.depth);
      return { request: new Request(url(name), { method: 'POST', body }), authentic: false };
    }
    case 'huge': {
      const base = seedOf(name, 0);
      const s = signed(name, base.body, base);
      return {
        request: new Request(url(name), {
          method: 'POST',
          headers: s.headers,
          body: s.body + ' '.repeat(maxBytes + c.extra),
        }),
        authentic: false,
      };
    }
    case 'headers': {
      const base = seedOf(name, c.i);
      const s = signed(name, base.body, base);
      const names = [...s.headers.keys()];
      const victim = names[c.drop % Math.max(1, names.length)];
      if (victim !== undefined) {
        // eslint-disable-next-line no-control-regex
        const value = c.value.replace(/[\u0000-\u001f\u007f]/gu, '');
        if (value === '') s.headers.delete(victim);
        else s.headers.set(victim, value);
      }
      return {
        request: new Request(url(name), { method: 'POST', headers: s.headers, body: s.body }),
        authentic: false,
      };
    }
    case 'method': {
      const base = seedOf(name, c.i);
      const s = signed(name, base.body, base);
      const init: RequestInit = { method: c.method, headers: s.headers };
      if (c.method !== 'GET' && c.method !== 'HEAD') init.body = s.body;
      return { request: new Request(url(name), init), authentic: false };
    }
    case 'aborted': {
      const base = seedOf(name, c.i);
      const s = signed(name, base.body, base);
      const bytes = Buffer.from(s.body);
      const cut = c.at % (bytes.length + 1);
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes.subarray(0, cut));
          controller.error(new Error('ECONNRESET: the client went away'));
        },
      });
      return {
        request: new Request(url(name), {
          method: 'POST',
          headers: s.headers,
          body: stream,
          duplex: 'half',
        } as RequestInit),
        authentic: false,
      };
    }
  }
}

function heapUsed(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

describe.each(['ses', 'postmark', 'mailgun', 'resend'] as const)(
  '%s webhook intake under fuzzing',
  (name) => {
    it(
      `holds its invariants over ${runs} seeded cases`,
      async () => {
        expect(seeds[name].length).toBeGreaterThan(2);
        const { relay, store, effects } = target(adapters()[name]);
        const sesAuthentic =
          name === 'ses' ? target(adapters({ skipSesVerification: true }).ses) : undefined;
        const statuses = new Map<number, number>();
        const heapBefore = runs >= 10_000 ? heapUsed() : 0;
        await fc.assert(
          fc.asyncProperty(caseArb, fc.boolean(), async (c, viaRaw) => {
            const { request, authentic } = build(name, c);
            const t =
              c.kind === 'authentic' && sesAuthentic ? sesAuthentic : { relay, store, effects };
            const before = {
              ...t.effects,
              listed: (await t.store.list({ limit: 1000 })).entries.length,
            };
            // Half the cases go to handleRaw as a Node server holds them (a broken stream is the
            // server's to answer before there is a body to hand over).
            const response =
              viaRaw && c.kind !== 'aborted'
                ? await t.relay.webhooks.handleRaw(await rawWebhookOf(request))
                : await t.relay.webhooks.handle(request);
            if (response instanceof Response) await response.arrayBuffer();
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
            expect(documented.has(response.status), `status ${response.status} for ${c.kind}`).toBe(
              true,
            );
            if (response.status !== 200) {
              expect(t.effects).toEqual({
                events: before.events,
                suppressions: before.suppressions,
              });
              expect((await t.store.list({ limit: 1000 })).entries.length).toBe(before.listed);
            }
            // An authentic delivery is acknowledged, understood or not (a mutated SNS envelope
            // may still name a topic or certificate host that is refused).
            if (c.kind === 'authentic' && t === sesAuthentic)
              expect([200, 401]).toContain(response.status);
            else if (c.kind === 'authentic' && authentic) expect(response.status).toBe(200);
            if (c.kind === 'deep' && c.depth > 64)
              expect(response.status).toBe(c.depth * c.open.length > maxBytes ? 413 : 400);
            if (c.kind === 'huge') expect(response.status).toBe(413);
            if (c.kind === 'method') expect(response.status).toBe(405);
            if (c.kind === 'aborted') expect(response.status).toBe(400);
          }),
          { numRuns: runs, seed, endOnFailure: true },
        );
        if (runs >= 10_000) {
          const growth = heapUsed() - heapBefore;
          console.log(`${name}: heap grew ${(growth / 1e6).toFixed(1)} MB over ${runs} cases`);
          expect(growth).toBeLessThan(64 * 1024 * 1024);
        }
        console.log(
          `${name}: ${runs} cases, statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
        );
      },
      Math.max(120_000, runs * 10),
    );
  },
);
