import { toWebRequest, type Relay } from '@relaykit/core';
import Fastify, { type FastifyInstance } from 'fastify';

export function createApp(relay: Relay): FastifyInstance {
  const app = Fastify();
  // An encapsulated plugin, so only the webhook routes lose Fastify's JSON parsing: signatures are
  // checked over the exact bytes received, so the body stays a Buffer.
  void app.register(async (hooks) => {
    hooks.removeAllContentTypeParsers();
    hooks.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) =>
      done(null, body),
    );
    hooks.post('/webhooks/:provider', async (request, reply) => {
      const response = await relay.webhooks.handle(
        toWebRequest(request.raw, request.body as Buffer),
      );
      return reply
        .code(response.status)
        .headers(Object.fromEntries(response.headers))
        .send(await response.text());
    });
  });
  return app;
}
