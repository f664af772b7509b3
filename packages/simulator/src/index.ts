export { startSimulator, type Simulator } from './simulator.ts';
export type { SimulatorOptions, WebhookOptions } from './options.ts';
export type {
  FailureRule,
  FaultKind,
  ProviderName,
  RecipientBehaviour,
  SimEvent,
  SimMessage,
  OutcomeKind,
} from './types.ts';
export type { RuleEngine, RuleHandle } from './rules.ts';
export type { RecipientBook, BehaviourMix } from './behaviour.ts';
export type { EventWait } from './recorder.ts';
export type { SesAccount } from './ses/routes.ts';
export { runSimulatorCli } from './cli.ts';
export { startWebhookReceiver, type WebhookReceiver, type ReceivedWebhook } from './receiver.ts';
export { startTransportFaults, type TransportFaults } from './transport-faults.ts';
export type { SimTemplate, TemplateStore } from './templates.ts';
