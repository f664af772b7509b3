import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { kill } from './spawn.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Every way the examples mount the webhook entry, each in its own process: a request that threw
 * inside a stream callback would end that process, which is what these tests look for.
 */
const mounts = [
  {
    name: 'node:http + nodeWebhookListener',
    file: 'test/reliability/fixtures/webhook-mount.ts',
    env: { MOUNT: 'node' },
    path: '/webhooks/postmark',
  },
  {
    name: 'serveWebhooks',
    file: 'test/reliability/fixtures/webhook-mount.ts',
    env: { MOUNT: 'serve' },
    path: '/webhooks/postmark',
  },
  {
    name: 'Next.js route handler',
    file: 'test/reliability/fixtures/webhook-mount.ts',
    env: { MOUNT: 'next' },
    path: '/api/webhooks/postmark',
  },
  {
    name: 'Express',
    file: 'examples/webhooks-express/server.ts',
    env: { POSTMARK_SERVER_TOKEN: 'unused', POSTMARK_WEBHOOK_SECRET: 'mount-secret' },
    path: '/webhooks/postmark',
  },
  {
    name: 'Fastify',
    file: 'examples/webhooks-fastify/server.ts',
    env: {
      MAILGUN_API_KEY: 'key-unused',
      MAILGUN_DOMAIN: 'mg.example.test',
      MAILGUN_WEBHOOK_SIGNING_KEY: 'mount-key',
    },
    path: '/webhooks/mailgun',
  },
  {
    name: 'Hono',
    file: 'examples/webhooks-hono/server.ts',
    env: {
      RESEND_API_KEY: 're_unused',
      RESEND_WEBHOOK_SECRET: `whsec_${Buffer.from('mount-secret').toString('base64')}`,
    },
    path: '/webhooks/resend',
  },
];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const children: ChildProcess[] = [];
afterAll(() => Promise.all(children.map((c) => kill(c))));

async function start(file: string, env: Record<string, string>) {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', file], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${file} exited with ${child.exitCode}:\n${output}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() - started > 30_000)
      throw new Error(`${file} did not listen within 30 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, port, output: () => output };
}

/** Sends raw bytes; resolves with the status line's code, or 0 when the server closed without one. */
function send(port: number, bytes: Buffer, abort: boolean): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Number(/^HTTP\/1\.[01] (\d{3})/u.exec(out)?.[1] ?? 0));
    };
    const timer = setTimeout(done, 3_000);
    socket.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      if (/^HTTP\/1\.[01] \d{3}/u.test(out)) done();
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.write(bytes, () => {
      if (abort) setTimeout(() => socket.resetAndDestroy(), 20);
    });
  });
}

const request = (head: string, body: string | Buffer = '') =>
  Buffer.concat([
    Buffer.from(`${head}\r\n\r\n`, 'latin1'),
    Buffer.isBuffer(body) ? body : Buffer.from(body),
  ]);

function hostileCases(path: string) {
  const post = (headers: string, body: string | Buffer) =>
    request(
      `POST ${path} HTTP/1.1\r\n${headers}\r\ncontent-length: ${Buffer.byteLength(body)}`,
      body,
    );
  const deep = '['.repeat(1_000_000);
  return [
    { name: 'Host: a b', bytes: post('Host: a b', '{}') },
    { name: 'Host: [', bytes: post('Host: [', '{}') },
    { name: 'Host: <x>', bytes: post('Host: <x>', '{}') },
    { name: 'TRACE', bytes: request(`TRACE ${path} HTTP/1.1\r\nHost: x`) },
    { name: 'TRACK', bytes: request(`TRACK ${path} HTTP/1.1\r\nHost: x`) },
    { name: 'CONNECT', bytes: request('CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1') },
    {
      name: 'absolute-form target with a bad host',
      bytes: request(`POST http://[${path} HTTP/1.1\r\nHost: x\r\ncontent-length: 2`, '{}'),
    },
    {
      name: 'a target starting with //',
      bytes: request(`POST //a b${path} HTTP/1.1\r\nHost: x\r\ncontent-length: 2`, '{}'),
    },
    {
      name: 'a body aborted halfway',
      bytes: request(
        `POST ${path} HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100000`,
        '{"RecordType":"Bou',
      ),
      abort: true,
    },
    {
      name: 'a declared 50 MB body',
      bytes: request(`POST ${path} HTTP/1.1\r\nHost: x\r\ncontent-length: 50000000`, '['),
    },
    {
      name: 'a 2 MB body',
      bytes: post('Host: x\r\ncontent-type: application/json', `"${'a'.repeat(2_000_000)}"`),
    },
    {
      name: '1 MB of [[[[',
      bytes: post('Host: x\r\ncontent-type: application/json', deep.slice(0, 1_000_000 - 100)),
    },
    {
      name: 'invalid UTF-8',
      bytes: post(
        'Host: x\r\ncontent-type: application/json',
        Buffer.from([0x7b, 0xff, 0xfe, 0xc3, 0x7d]),
      ),
    },
    {
      name: 'multipart garbage',
      bytes: post(
        'Host: x\r\ncontent-type: multipart/form-data; boundary=zz',
        '--zz\r\nContent-Disposition: form-data; name="a"\r\n\r\n\u0000\r\n--',
      ),
    },
    {
      name: 'bad chunk size',
      bytes: request(
        `POST ${path} HTTP/1.1\r\nHost: x\r\ntransfer-encoding: chunked`,
        'zz\r\nabc\r\n0\r\n\r\n',
      ),
    },
    {
      name: 'conflicting content-length',
      bytes: request(
        `POST ${path} HTTP/1.1\r\nHost: x\r\ncontent-length: 2\r\ncontent-length: 5`,
        '{}',
      ),
    },
    { name: 'obs-text header value', bytes: post('Host: x\r\nx-hook-secret: \u00ff\u00fe', '{}') },
    {
      name: 'not HTTP at all',
      bytes: Buffer.from([0x00, 0x01, 0x16, 0x03, 0x01, 0x0d, 0x0a, 0x0d, 0x0a]),
    },
  ];
}

describe.each(mounts)('$name', (mount) => {
  it('answers every hostile request without dying, and keeps answering webhooks', async () => {
    const server = await start(mount.file, mount.env);
    const url = `http://127.0.0.1:${server.port}${mount.path}`;
    const answers: Record<string, number> = {};
    for (const hostile of hostileCases(mount.path)) {
      answers[hostile.name] = await send(server.port, hostile.bytes, hostile.abort ?? false);
      await new Promise((r) => setTimeout(r, 20));
      expect(
        server.child.exitCode,
        `${hostile.name} ended the process:\n${server.output()}`,
      ).toBeNull();
      // Still serving: an unsigned delivery is refused as it should be.
      const alive = await fetch(url, {
        method: 'POST',
        body: '{}',
        signal: AbortSignal.timeout(5_000),
      });
      expect(alive.status, `after ${hostile.name}`).toBe(401);
    }
    // Nothing was answered as if relaykit had failed to store something.
    for (const [name, status] of Object.entries(answers)) {
      expect(status >= 500 ? `${name}: ${status}` : 'ok').toBe('ok');
    }
    expect(server.output()).not.toMatch(/Uncaught|TypeError|ERR_INVALID_URL/u);
  }, 60_000);
});
