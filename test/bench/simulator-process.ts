// Runs the simulator (or, with --bare, a bare node:http server) in a process of its own for the
// throughput bench, and prints its base URL on stdout.
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
  const sim = await startSimulator({ seed: 'bench' });
  console.log(sim.url);
}
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
