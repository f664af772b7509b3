export {
  testingProvider,
  type Outcome,
  type RecordedCall,
  type ScriptRule,
  type TestingProvider,
  type TestingProviderOptions,
} from './provider.ts';
