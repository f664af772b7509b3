import { randomBytes } from 'node:crypto';
import type { Relay } from '@relaykit/core';

export interface ResetTokens {
  save(email: string, token: string, expiresAt: Date): Promise<void>;
}

/** The app's password-reset flow: a token, a link, one mail. It knows the relay, not the provider. */
export function passwordResets(options: {
  relay: Relay;
  tokens: ResetTokens;
  baseUrl: string;
  now?: () => Date;
}) {
  const now = options.now ?? (() => new Date());
  return {
    /** Resolves true when the mail went out; false when the address cannot receive it. */
    async request(email: string): Promise<boolean> {
      const token = randomBytes(24).toString('base64url');
      await options.tokens.save(email, token, new Date(now().getTime() + 60 * 60 * 1000));
      const link = `${options.baseUrl}/reset?token=${token}`;
      const report = await options.relay.send({
        from: 'Shop <security@mail.shop.test>',
        to: email,
        subject: 'Reset your password',
        text: `Someone asked to reset the password of this account. If it was you, open ${link} within an hour.`,
        tags: ['password-reset'],
        // The same request retried by the user's double click sends one mail, not two.
        idempotencyKey: `reset:${token}`,
      });
      return report.status === 'sent';
    },
  };
}
