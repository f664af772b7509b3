// Runs the simulator (or, with --bare, a bare node:http server) in a process of its own for the
// throughput and campaign benches, and prints its base URL (with --info, its credentials) on stdout.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSimulator } from '../../packages/simulator/src/index.ts';

if (process.argv.includes('--bare')) {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"0"}'),
    );
  });
  server.listen(0, '127.0.0.1', () =>
    console.log(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
  );
} else {
  // Account limits high enough not to bind: the benches measure relaykit, not a quota.
  const sim = await startSimulator({ seed: 'bench', ses: { maxSendRate: 1_000_000 } });
  // The stored template the templated campaign (BENCH_TEMPLATES=1) names on every provider.
  sim.templates.set('campaign', { subject: 'Spring news for {{name}}', text: 'Hello {{name}}' });
  // --info: what a client in another process needs to reach each provider's API, as one JSON line.
  console.log(
    process.argv.includes('--info')
      ? JSON.stringify({
          url: sim.url,
          ses: sim.ses.clientConfig,
          postmark: {
            serverToken: sim.postmark.serverToken,
            clientOptions: sim.postmark.clientOptions,
          },
          mailgun: { domain: sim.mailgun.domain, clientOptions: sim.mailgun.clientOptions },
          resend: sim.resend,
        })
      : sim.url,
  );
}
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
