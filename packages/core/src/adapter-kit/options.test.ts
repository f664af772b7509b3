import { describe, expect, it } from 'vitest';
import { objectWith, sdkClientOption } from './options.ts';

describe('objectWith and sdkClientOption', () => {
  it('accept an object with the method at its path, and nothing else', () => {
    const sends = objectWith('send', 'must send');
    expect(sends.safeParse({ send: () => 1 }).success).toBe(true);
    expect(sends.safeParse(undefined).success).toBe(true);
    for (const bad of [{}, { send: 1 }, () => 1, 'send', null])
      expect(sends.safeParse(bad).success).toBe(false);
    const nested = objectWith('emails.send', 'must send');
    expect(nested.safeParse({ emails: { send: () => 1 } }).success).toBe(true);
    expect(nested.safeParse({ emails: null }).success).toBe(false);
    expect(nested.safeParse({ send: () => 1 }).success).toBe(false);
  });

  it('sdkClientOption says what a client must be', () => {
    const result = sdkClientOption('emails.send', 'a Resend instance').safeParse({});
    expect(result.error?.issues[0]?.message).toBe('client must be a Resend instance');
  });
});
