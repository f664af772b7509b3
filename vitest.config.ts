import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    // Tests that take tens of seconds in real time run with `npm run test:slow` (vitest.slow.config.ts).
    exclude: ['**/node_modules/**', '**/dist/**', '**/*.slow.test.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    // The SDK's notice about future Node versions is noise in every test that builds a client.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 20_000,
    hookTimeout: 30_000,
    benchmark: { include: ['test/bench/**/*.bench.ts'] },
  },
});
