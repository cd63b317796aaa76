export { testEventBus, testLogLevel, testNatsUrl, testRedisUrl } from './env';
export { connectEventSource, deliverDirectly, type EventSource, eventually } from './events';
export {
  ACCEPT_DEFER,
  assembleParts,
  type DeferredAnswer,
  postForParts,
  type ReceivedPart,
} from './multipart';
export { subscribeToSubgraph, type TestSubscription } from './subgraph-subscriptions';
export { createTestDatabase, type TestDatabase } from './test-database';
export { createTestEventBus, deleteNatsStreams, type TestEventBus } from './test-event-bus';
export {
  type GraphQLResult,
  type HttpGraphQLResult,
  startTestReplica,
  startTestSubgraph,
  type TestSubgraph,
} from './test-subgraph';
