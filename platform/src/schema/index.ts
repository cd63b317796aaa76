export { type ChangeLevel, diffSchemas, type SchemaChange, toSchemaChange } from './changes';
export { type Composition, composeSupergraph, type SubgraphSource } from './compose';
export { coordinateIsUnder, type OperationUsage, operationUsage } from './operation-usage';
