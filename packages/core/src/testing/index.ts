export {
  testingProvider,
  type Outcome,
  type RecordedCall,
  type ScriptRule,
  type TestingProvider,
  type TestingProviderOptions,
} from './provider.ts';
export {
  assertSoundWebhookResult,
  hostileAddresses,
  rawWebhookOf,
  fullTestMessage,
  relayErrorOf,
  testEvent,
  testMessage,
  unlessInvalid,
  webhookContext,
  webhookRequest,
  type TestWebhookContextOptions,
} from './helpers.ts';
