export { createTestDatabase, type TestDatabase } from './test-database';
export {
  type GraphQLResult,
  type HttpGraphQLResult,
  startTestSubgraph,
  type TestSubgraph,
} from './test-subgraph';
