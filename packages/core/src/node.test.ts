import { describe, expect, it } from 'vitest';
import { createRelay } from './relay.ts';
import { serveWebhooks } from './node.ts';
import { testingProvider } from './testing/index.ts';

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
});
