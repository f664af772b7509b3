import { createRelay } from '@relaykit/core';
import { testingProvider } from '@relaykit/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { demo } from '../commands/demo.ts';
import { startConsoleTelemetry } from './otel.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('demo --otel console', () => {
  it("prints the relay's spans and metrics to the console, the send span parenting its attempt", async () => {
    const printed: unknown[] = [];
    vi.spyOn(console, 'dir').mockImplementation((item: unknown) => {
      printed.push(item);
    });
    const stop = await startConsoleTelemetry();
    const relay = createRelay({ providers: [testingProvider({ name: 'console' })] });
    await relay.send({
      from: 'Shop <orders@mail.shop.test>',
      to: 'a@example.test',
      subject: 'Hi',
      text: 'Hello',
    });
    await stop();
    const spans = printed as Array<{
      name?: string;
      id?: string;
      parentSpanContext?: { spanId: string };
    }>;
    const send = spans.find((s) => s.name === 'relaykit.send');
    const attempt = spans.find((s) => s.name === 'relaykit.attempt');
    expect(send).toBeDefined();
    expect(attempt?.parentSpanContext?.spanId).toBe(send?.id);
    const metrics = JSON.stringify(printed);
    expect(metrics).toContain('relaykit.sends');
    expect(metrics).toContain('relaykit.send.duration');
  });

  it('refuses an exporter other than console', async () => {
    const io = { stdout: process.stdout, stderr: process.stderr } as unknown as Parameters<
      typeof demo.run
    >[1];
    await expect(demo.run(['--otel', 'jaeger'], io)).rejects.toThrow(/--otel takes 'console'/);
  });
});
