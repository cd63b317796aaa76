export { type EventsConfig, eventBusOptions, eventsEnv } from './config';
export { createDeliveryHandler, DEAD_LETTER_REASONS, type DeadLetterReason, readEnvelope } from './consumer';
export { EVENT_CONTRACTS, type EventName, type EventSchema, eventNamed, eventOf } from './contracts';
export { type ReplayOptions, type ReplayResult, replayDeadLetters } from './dead-letter-replay';
export {
  defineEvent,
  describeEvent,
  type EventDefinition,
  type EventEnvelope,
  eventEnvelopeSchema,
  type PayloadOf,
} from './envelope';
export { type EventHandler, handleEvent } from './handlers';
export { OUTBOX_CHANNEL, publishEvent } from './publish';
export { type OutboxRelay, startOutboxRelay } from './relay';
export {
  type ParsedReplayCommand,
  parseReplayCommand,
  REPLAY_USAGE,
  type ReplayCommand,
  replayExitCode,
} from './replay-command';
export { defaultRetryPolicy, type RetryPolicy } from './retry-policy';
export {
  connectEventTransport,
  type EventBus,
  type EventBusOptions,
  type RunningEvents,
  type ServiceEvents,
  startServiceEvents,
} from './runtime';
export { currentTracePropagation, type TracePropagation, useTracePropagation } from './trace-context';
export type {
  Delivery,
  DeliveryOutcome,
  EventSubscription,
  EventTransport,
  PublishResult,
  RunningConsumer,
} from './transport';
export { type BackgroundLoop, runUntilStopped, WakeUp } from './wake-up';
export { decodePayload, encodePayload } from './wire';
