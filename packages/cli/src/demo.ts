export {
  runDemo,
  type DemoOptions,
  type DemoResult,
  type DemoResult as DemoSummary,
} from './demo/run.ts';
