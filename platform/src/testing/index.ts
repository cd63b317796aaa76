export { createTestDatabase, type TestDatabase } from './test-database';
export { type GraphQLResult, startTestSubgraph, type TestSubgraph } from './test-subgraph';
