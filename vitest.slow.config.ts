import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

/**
 * `npm run test:slow`: the tests that run in real time for tens of seconds (10,000 sends per
 * adapter, a 20-second shared rate window, workers killed mid-campaign or mid-webhook). `npm test` leaves them out.
 * Spread rather than mergeConfig, which would add to the base's include and exclude lists.
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['packages/*/src/**/*.slow.test.ts', 'test/**/*.slow.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
  },
});
