import type { Relay } from '@relaykit/core';
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
      // The body as read and Node's headers: no web Request to build and read back.
      const answer = await relay.webhooks.handleRaw({
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: request.body as Buffer,
      });
      return reply.code(answer.status).headers(answer.headers).send(answer.body);
    });
  });
  return app;
}
