export { runService, type StartedService } from './run-service';
export { runSubgraph, subgraphEnv } from './run-subgraph';
export {
  type RequestScope,
  type RunningSubgraph,
  StartupError,
  type SubgraphDefinition,
  type SubgraphOptions,
  startSubgraph,
} from './subgraph-service';
