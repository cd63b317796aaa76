export {
  defineSubgraph,
  findSubgraphFiles,
  type SubgraphContext,
  type SubgraphFiles,
  type SubgraphParts,
} from './define-subgraph';
export { runService, type StartedService } from './run-service';
export { runSubgraph, type SubgraphConfig, subgraphEnv } from './run-subgraph';
export { runSubgraphCommand, SUBGRAPH_COMMANDS, type SubgraphSeeder } from './subgraph-command';
export {
  type BackgroundWork,
  type RequestScope,
  type RunningSubgraph,
  StartupError,
  type SubgraphDefinition,
  type SubgraphOptions,
  startSubgraph,
} from './subgraph-service';
export { SUBSCRIPTION_PROOF_REQUEST, type SubscriptionServer } from './subscription-server';
