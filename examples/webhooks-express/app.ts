import { nodeWebhookListener, type Relay } from '@relaykit/core';
import express, { type Express } from 'express';

export function createApp(relay: Relay): Express {
  const app = express();
  // Before any body parser: signatures are checked over the exact bytes received, so the relay
  // reads the body itself (after express.raw() works too; after express.json() it answers 500).
  // The provider is the last path segment (/webhooks/postmark).
  app.post('/webhooks/:provider', nodeWebhookListener(relay));

  app.use(express.json());
  app.post('/orders', async (req, res) => {
    const { email } = req.body as { email: string };
    const report = await relay.send({
      from: 'Shop <orders@mail.shop.test>',
      to: email,
      subject: 'Your order',
      text: 'Thanks for your order.',
    });
    res.status(202).json({ messageId: report.messageId, status: report.status });
  });
  return app;
}
