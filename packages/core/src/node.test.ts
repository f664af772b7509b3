import { connect } from 'node:net';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeliveryEvent } from './events.ts';
import { createRelay } from './relay.ts';
import { nodeWebhookListener, serveWebhooks, toWebRequest, type WebhookServer } from './node.ts';
import { testingProvider } from './testing/index.ts';
import { secretHeaderProvider } from './webhook-test-provider.ts';

/** Writes `text` on a raw socket and resolves with what the server answered before it closed (or 1 s passed). */
function rawRequest(
  port: number,
  text: string,
  options: { abortAfterWrite?: boolean } = {},
): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(out);
    };
    const timer = setTimeout(done, 1000);
    socket.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      if (/\r\n\r\n/u.test(out) && !/content-length: [1-9]/iu.test(out)) done();
      else if (/\r\n\r\n[\s\S]+/u.test(out)) done();
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.write(text, () => {
      if (options.abortAfterWrite) setTimeout(() => socket.resetAndDestroy(), 20);
    });
  });
}

const status = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/u.exec(response)?.[1] ?? 0);

let servers: WebhookServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function served() {
  const relay = createRelay({ providers: [secretHeaderProvider()] });
  const events: DeliveryEvent[] = [];
  relay.on('event', (e) => events.push(e));
  const server = await serveWebhooks(relay);
  servers.push(server);
  const port = Number(new URL(server.url).port);
  const alive = async (id: string) => {
    const response = await fetch(`${server.url}/hooks`, {
      method: 'POST',
      headers: { 'x-secret': 'hook-secret' },
      body: JSON.stringify([{ id, recipient: 'a@example.test' }]),
    });
    return response.status;
  };
  return { relay, server, port, events, alive };
}

describe('serveWebhooks', () => {
  it('answers a webhook POST through the relay, and refuses a taken port with a config error', async () => {
    const relay = createRelay({ providers: [testingProvider()] });
    const server = await serveWebhooks(relay);
    const response = await fetch(`${server.url}/nobody`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
    const port = Number(new URL(server.url).port);
    await expect(serveWebhooks(relay, { port })).rejects.toMatchObject({ kind: 'config' });
    await server.close();
  });

  it.each(['a b', '[', '<x>', 'exa mple.test:99999', '%%'])(
    'answers a request with Host "%s" and keeps serving',
    async (host) => {
      const { port, alive, events } = await served();
      const body = JSON.stringify([{ id: `h-${host}`, recipient: 'b@example.test' }]);
      const answer = await rawRequest(
        port,
        `POST /webhooks/hooks HTTP/1.1\r\nHost: ${host}\r\nx-secret: hook-secret\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
      );
      // The Host header plays no part in a webhook: the request is answered on its merits.
      expect([200, 400]).toContain(status(answer));
      expect(await alive('after-host')).toBe(200);
      expect(events.map((e) => e.id)).toContain('after-host');
    },
  );

  it.each(['TRACE', 'TRACK', 'CONNECT', 'GET', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'])(
    'answers %s with 405 and keeps serving',
    async (method) => {
      const { port, alive } = await served();
      const target = method === 'CONNECT' ? '127.0.0.1:1' : '/webhooks/hooks';
      const answer = await rawRequest(
        port,
        `${method} ${target} HTTP/1.1\r\nHost: x\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`,
      );
      // Node's parser refuses a method it does not know (TRACK) with 400 before any listener.
      if (method !== 'CONNECT') expect(status(answer)).toBe(method === 'TRACK' ? 400 : 405);
      expect(await alive(`after-${method}`)).toBe(200);
    },
  );

  it.each(['//a b/hooks', '//[/hooks', 'http://[/hooks', '*'])(
    'answers a request for "%s" without throwing',
    async (target) => {
      const { port, alive } = await served();
      const answer = await rawRequest(
        port,
        `POST ${target} HTTP/1.1\r\nHost: x\r\nx-secret: hook-secret\r\ncontent-length: 2\r\nconnection: close\r\n\r\n[]`,
      );
      expect([200, 400, 404]).toContain(status(answer));
      expect(await alive(`after-${target}`)).toBe(200);
    },
  );

  it('serves a handler with only `handle` (a wrapper of its own) as it serves the relay', async () => {
    // The relay's listener hands Node's body over as read (handleRaw); a handler without it gets
    // a web Request. Both answer each request alike, status, headers and body.
    const relay = createRelay({ providers: [secretHeaderProvider()] });
    const events: DeliveryEvent[] = [];
    relay.on('event', (e) => events.push(e));
    const direct = await serveWebhooks(relay);
    const wrapped = await serveWebhooks({ webhooks: { handle: (r) => relay.webhooks.handle(r) } });
    servers.push(direct, wrapped);
    const cases: Array<[string, RequestInit]> = [
      [
        '/hooks',
        {
          method: 'POST',
          headers: { 'x-secret': 'hook-secret' },
          body: '[{"id":"w1","recipient":"a@example.test"}]',
        },
      ],
      ['/hooks', { method: 'POST', headers: { 'x-secret': 'wrong' }, body: '[]' }],
      ['/nobody', { method: 'POST', body: '[]' }],
      ['/hooks', { method: 'POST', headers: { 'x-secret': 'hook-secret' }, body: '['.repeat(100) }],
    ];
    for (const [path, init] of cases) {
      const answers = [];
      for (const server of [direct, wrapped]) {
        const response = await fetch(`${server.url}${path}`, init);
        answers.push([
          response.status,
          response.headers.get('content-type'),
          await response.text(),
        ]);
      }
      expect(answers[0]).toEqual(answers[1]);
    }
    expect(events.map((e) => e.id)).toEqual(['w1']);
  });

  it('survives a client that aborts mid-body, many times over, and records nothing from it', async () => {
    const { port, alive, events } = await served();
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    process.on('uncaughtException', onError);
    try {
      for (let i = 0; i < 20; i += 1) {
        await rawRequest(
          port,
          `POST /webhooks/hooks HTTP/1.1\r\nHost: x\r\nx-secret: hook-secret\r\ncontent-length: 100000\r\n\r\n[{"id":"cut-${i}"`,
          { abortAfterWrite: true },
        );
      }
      expect(await alive('after-abort')).toBe(200);
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(errors).toEqual([]);
    expect(events.map((e) => e.id)).toEqual(['after-abort']);
  });

  it('refuses a body over the limit with 413 before reading it, and keeps serving', async () => {
    const { port, alive } = await served();
    const answer = await rawRequest(
      port,
      `POST /webhooks/hooks HTTP/1.1\r\nHost: x\r\nx-secret: hook-secret\r\ncontent-length: 5000000\r\n\r\n[`,
    );
    expect(status(answer)).toBe(413);
    expect(await alive('after-413')).toBe(200);
  });
});

describe('nodeWebhookListener behind a body parser', () => {
  async function listen(
    before: (req: IncomingMessage & { body?: unknown }, done: () => void) => void,
  ) {
    const relay = createRelay({ providers: [secretHeaderProvider()] });
    const events: DeliveryEvent[] = [];
    relay.on('event', (e) => events.push(e));
    const listener = nodeWebhookListener(relay);
    const server = createServer((req: IncomingMessage, res: ServerResponse) =>
      before(req, () => listener(req, res)),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/hooks`;
    servers.push({
      url,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    });
    return { url, events };
  }
  const readAll = (req: IncomingMessage) =>
    new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
    });

  it('answers 500 with what to change when a JSON parser already read the body, and warns once', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const { url, events } = await listen((req, done) => {
        void readAll(req).then((b) => {
          req.body = JSON.parse(b.toString()) as unknown;
          done();
        });
      });
      const post = () =>
        fetch(url, {
          method: 'POST',
          headers: { 'x-secret': 'hook-secret', 'content-type': 'application/json' },
          body: JSON.stringify([{ id: 'j1', recipient: 'a@example.test' }]),
          signal: AbortSignal.timeout(3000),
        });
      const first = await post();
      expect(first.status).toBe(500);
      expect(await first.text()).toMatch(/raw/u);
      expect((await post()).status).toBe(500);
      await new Promise((r) => setTimeout(r, 20));
      expect(events).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => /raw body/u.test(w.message))).toHaveLength(1);
  });

  it('takes the Buffer a raw body parser left on req.body', async () => {
    const { url, events } = await listen((req, done) => {
      void readAll(req).then((b) => {
        req.body = b;
        done();
      });
    });
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'x-secret': 'hook-secret' },
      body: JSON.stringify([{ id: 'r1', recipient: 'a@example.test' }]),
      signal: AbortSignal.timeout(3000),
    });
    expect(response.status).toBe(200);
    expect(events.map((e) => e.id)).toEqual(['r1']);
  });
});

describe('toWebRequest', () => {
  it('builds the URL from the path alone, so the Host header cannot break it', () => {
    const req = {
      method: 'POST',
      url: '/webhooks/ses?x=1',
      headers: { host: 'a b', 'x-secret': 's' },
    } as unknown as IncomingMessage;
    const request = toWebRequest(req, Buffer.from('{}'));
    expect(new URL(request.url).pathname).toBe('/webhooks/ses');
    expect(request.headers.get('x-secret')).toBe('s');
  });
});
