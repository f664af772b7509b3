/** The demo stopped: says at which stage and why, after everything it started was cleaned up. */
export class DemoError extends Error {
  override readonly name = 'DemoError';
  constructor(
    /** What the demo was doing, e.g. `starting the simulator`. */
    readonly stage: string,
    cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      `[relaykit] [demo] failed while ${stage}: ${why}; what it had started is stopped and its temporary files removed. Run again with RELAYKIT_DEBUG=1 for the stack trace.`,
      { cause },
    );
  }
}
