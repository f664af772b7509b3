#!/usr/bin/env node
import { runSimulatorCli } from './cli.ts';

runSimulatorCli(process.argv.slice(2)).then(
  (sim) => {
    if (!sim) return;
    const shutdown = (): void => void sim.stop().then(() => process.exit(0));
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
