import { ERRORS, errorCodeDef, type VariableDefinitions } from '@apollo/federation-internals';
import {
  type DeferNode,
  type DeferredNode,
  evaluateCondition,
  type FetchNode,
  type PlanNode,
  type QueryPlanSelectionNode,
  type ResponsePath,
} from '@apollo/query-planner';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { currentRequestContext } from '@shop/platform/request-context';
import { traceStep } from '@shop/platform/telemetry';
import { GraphQLError, type GraphQLFormattedError, OperationTypeNode } from 'graphql';
import type { GatewayContext } from '../context';
import type { SubgraphCall, SubgraphService } from '../fetcher/subgraph-service';
import { applyRewrites, type CompiledRewrite, compileRewrites } from './data-rewrites';
import { deepMerge, getOwn, hasOwn, isResultObject, type ResultObject } from './result-data';
import type { TypeConditions } from './type-conditions';

/** What executing one plan needs of the supergraph version it was made for. */
export interface ExecutionSupergraph {
  subgraphs: ReadonlyMap<string, SubgraphService>;
  types: TypeConditions;
}

interface Execution {
  supergraph: ExecutionSupergraph;
  requestContext: GatewayGraphQLRequestContext;
  /** On whose behalf every subgraph request of this execution goes. */
  call: SubgraphCall;
  variableDefinitions: VariableDefinitions;
  /** Aliases the plan gave client fields → the client's names, for the paths of errors. */
  renames: ReadonlyMap<string, string>;
  /** Errors in the order the stock executor records them: an Error that is no GraphQLError stays as thrown. */
  errors: (GraphQLError | Error)[];
  /** Where deferred blocks' parts go when the answer is delivered in parts; null: they run inline, the answer is whole. */
  parts: PartsSink | null;
  /** The deferred block this execution fills (its errors are its part's); null for the answer's first part. */
  block: DeferredNode | null;
}

/** What receives the parts of an answer delivered in parts (see deferred-parts.ts). */
export interface PartsSink {
  /** `count` more blocks will run: their parts are still to come. */
  expect(count: number): void;
  /** A block's fetches are done: its part (`subselection` of what is fetched) can go, with these errors. Once per block. */
  deliver(block: DeferredNode, subselection: string | undefined, errors: (GraphQLError | Error)[]): void;
}

/** Where in the answer a plan node works: the path to it and the objects there (a list when the path crosses lists). */
interface Cursor {
  path: ResponsePath;
  data: ResultObject | ResultObject[];
  fullResult: ResultObject;
}

// Per fetch node, once: its rewrites compiled.
const compiledFetches = new WeakMap<FetchNode, { input: CompiledRewrite[]; output: CompiledRewrite[] }>();

function compiledFetch(fetch: FetchNode) {
  let compiled = compiledFetches.get(fetch);
  if (!compiled) {
    compiled = { input: compileRewrites(fetch.inputRewrites), output: compileRewrites(fetch.outputRewrites) };
    compiledFetches.set(fetch, compiled);
  }
  return compiled;
}

/**
 * Runs a plan's node into `data` (the stock gateway's executeQueryPlan, node by node): fetches
 * in sequence or in parallel, each merging its subgraph's answer in place. Errors are collected,
 * never thrown: a failed fetch leaves its fields missing.
 */
export async function executePlanNode(
  supergraph: ExecutionSupergraph,
  node: PlanNode,
  data: ResultObject,
  requestContext: GatewayGraphQLRequestContext,
  variableDefinitions: VariableDefinitions,
  renames: ReadonlyMap<string, string>,
  parts: PartsSink | null = null,
): Promise<(GraphQLError | Error)[]> {
  const execution: Execution = {
    supergraph,
    requestContext,
    call: subgraphCallOf(requestContext),
    variableDefinitions,
    renames,
    errors: [],
    parts,
    block: null,
  };
  await executeNode(execution, node, { path: [], data, fullResult: data });
  return execution.errors;
}

function subgraphCallOf(requestContext: GatewayGraphQLRequestContext): SubgraphCall {
  const { requestId, caller } = requestContext.context as GatewayContext;
  return {
    requestId,
    caller,
    clientAddress: currentRequestContext()?.clientAddress ?? null,
    operationName: requestContext.operationName ?? null,
    cachePolicy: requestContext.overallCachePolicy ?? null,
  };
}

async function executeNode(execution: Execution, node: PlanNode, cursor: Cursor | undefined): Promise<void> {
  if (!cursor) return;
  switch (node.kind) {
    case 'Sequence':
      for (const child of node.nodes) await executeNode(execution, child, cursor);
      return;
    case 'Parallel':
      await Promise.all(node.nodes.map((child) => executeNode(execution, child, cursor)));
      return;
    case 'Flatten':
      return executeNode(execution, node.node, moveIntoCursor(cursor, node.path));
    case 'Fetch':
      try {
        await executeFetch(execution, node, cursor);
      } catch (error) {
        execution.errors.push(error instanceof Error ? error : new Error(String(error)));
      }
      return;
    case 'Condition': {
      const condition = evaluateCondition(
        node,
        execution.variableDefinitions,
        execution.requestContext.request.variables,
      );
      const branch = condition ? node.ifClause : node.elseClause;
      if (branch) await executeNode(execution, branch, cursor);
      return;
    }
    case 'Defer':
      return executeDefer(execution, node, cursor);
  }
}

/**
 * `primary` first, then each deferred block. For a whole answer they run inline. In parts, each
 * runs on its own and its part goes when its fetches are done; a Defer inside a deferred block
 * delivers that block's part when its own primary is done, before its nested blocks start (a
 * nested part never arrives before the part it is in).
 */
async function executeDefer(execution: Execution, node: DeferNode, cursor: Cursor): Promise<void> {
  if (node.primary.node) await executeNode(execution, node.primary.node, cursor);
  // Deferred blocks' paths start at the answer's root.
  const root: Cursor = { path: [], data: cursor.fullResult, fullResult: cursor.fullResult };
  const { parts, block } = execution;
  if (!parts) {
    await Promise.all(
      node.deferred.map((deferred) =>
        deferred.node ? executeNode(execution, deferred.node, root) : undefined,
      ),
    );
    return;
  }
  parts.expect(node.deferred.length);
  if (block) parts.deliver(block, node.primary.subselection, execution.errors);
  for (const deferred of node.deferred) void runDeferred(execution, parts, deferred, root);
}

async function runDeferred(
  parent: Execution,
  parts: PartsSink,
  deferred: DeferredNode,
  root: Cursor,
): Promise<void> {
  const execution: Execution = { ...parent, errors: [], block: deferred };
  try {
    if (deferred.node) await executeNode(execution, deferred.node, root);
  } catch (error) {
    execution.errors.push(error instanceof Error ? error : new Error(String(error)));
  }
  parts.deliver(deferred, deferred.subselection, execution.errors);
}

/** The client's variables that `fetch` uses. */
export function fetchVariables(
  fetch: FetchNode,
  provided: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const variables: Record<string, unknown> = Object.create(null);
  if (fetch.variableUsages && provided)
    for (const name of fetch.variableUsages)
      if (hasOwn(provided, name) && provided[name] !== undefined) variables[name] = provided[name];
  return variables;
}

/**
 * Merges an answer to a root fetch that arrived by other means than the data source (a
 * subscription's event) into `data`, as `fetchInto` merges its own; returns the subgraph's errors
 * with the client's paths.
 */
export function receiveRootAnswer(
  supergraph: ExecutionSupergraph,
  fetch: FetchNode,
  answer: { data?: ResultObject | null; errors?: readonly GraphQLFormattedError[] },
  data: ResultObject,
  renames: ReadonlyMap<string, string>,
): GraphQLError[] {
  const received = answer.data;
  if (received) {
    applyRewrites(supergraph.types, compiledFetch(fetch).output, received);
    deepMerge(data, received);
  }
  const pathOf = errorPathMapper(fetch, { path: [], data, fullResult: data }, renames);
  return (answer.errors ?? []).map((error) => downstreamError(error, fetch.serviceName, pathOf));
}

function moveIntoCursor(cursor: Cursor, path: ResponsePath): Cursor | undefined {
  const data = flattenAtPath(cursor.data, path, 0);
  return data ? { path: cursor.path.concat(path), data, fullResult: cursor.fullResult } : undefined;
}

function flattenAtPath(
  value: unknown,
  path: ResponsePath,
  at: number,
): ResultObject | ResultObject[] | undefined | null {
  if (at === path.length) return value as ResultObject | ResultObject[];
  if (value === undefined || value === null) return value;
  const step = path[at];
  if (step === '@') {
    if (!Array.isArray(value)) throw new Error('Expected an array in the result at "@"');
    return value.flatMap((element) => flattenAtPath(element, path, at + 1) ?? []) as ResultObject[];
  }
  if (typeof step !== 'string') throw new Error(`Unexpected ${typeof step} found in path`);
  if (Array.isArray(value)) throw new Error(`Unexpected array in result for path element ${step}`);
  return flattenAtPath(getOwn(value as ResultObject, step), path, at + 1);
}

// One span per fetch, named as the stock gateway names it, so traces read the same after the engine change.
function executeFetch(execution: Execution, fetch: FetchNode, cursor: Cursor): Promise<void> {
  return traceStep('gateway.fetch', { service: fetch.serviceName }, () =>
    fetchInto(execution, fetch, cursor),
  );
}

async function fetchInto(execution: Execution, fetch: FetchNode, cursor: Cursor): Promise<void> {
  const subgraph = execution.supergraph.subgraphs.get(fetch.serviceName);
  if (!subgraph) throw new Error(`Couldn't find service with name "${fetch.serviceName}"`);
  const entities = Array.isArray(cursor.data)
    ? cursor.data.filter((entity) => entity !== null && entity !== undefined)
    : [cursor.data];
  if (entities.length < 1) return;

  const variables = fetchVariables(fetch, execution.requestContext.request.variables);

  const { types } = execution.supergraph;
  const rewrites = compiledFetch(fetch);
  if (!fetch.requires) {
    const received = await sendOperation(execution, subgraph, fetch, cursor, variables);
    if (received) applyRewrites(types, rewrites.output, received);
    for (const entity of entities) deepMerge(entity, received);
    return;
  }

  const representations: ResultObject[] = [];
  const representationToEntity: number[] = [];
  entities.forEach((entity, index) => {
    const representation = selectRequires(types, entity, fetch.requires ?? []);
    if (representation?.__typename) {
      applyRewrites(types, rewrites.input, representation);
      representations.push(representation);
      representationToEntity.push(index);
    }
  });
  if (representations.length < 1) return;
  if ('representations' in variables) throw new Error('Variables cannot contain key "representations"');

  const received = await sendOperation(execution, subgraph, fetch, cursor, {
    ...variables,
    representations,
  });
  if (!received) return;
  const receivedEntities = received._entities;
  if (!Array.isArray(receivedEntities))
    throw new Error('Expected "data._entities" in response to be an array');
  if (receivedEntities.length !== representations.length)
    throw new Error(`Expected "data._entities" to contain ${representations.length} elements`);
  for (let i = 0; i < receivedEntities.length; i++) {
    const receivedEntity = receivedEntities[i];
    const entity = entities[representationToEntity[i] ?? -1];
    if (!entity) continue;
    if (isResultObject(receivedEntity) && !receivedEntity.__typename)
      receivedEntity.__typename = entity.__typename;
    applyRewrites(types, rewrites.output, receivedEntity);
    deepMerge(entity, receivedEntity);
  }
}

/** An entity's representation: the fields the fetch requires, or null when one is missing (it is then not sent). */
function selectRequires(
  types: TypeConditions,
  source: ResultObject | null,
  selections: readonly QueryPlanSelectionNode[],
): ResultObject | null {
  if (source === null) return null;
  const result: ResultObject = Object.create(null);
  for (const selection of selections) {
    if (selection.kind === 'Field') {
      const responseName = selection.alias ?? selection.name;
      const value = getOwn(source, responseName);
      if (value === undefined) return null;
      const sub = selection.selections;
      if (Array.isArray(value))
        result[responseName] = value.map((element) =>
          sub ? selectRequires(types, element as ResultObject | null, sub) : element,
        );
      else if (sub) result[responseName] = selectRequires(types, value as ResultObject | null, sub);
      else result[responseName] = value;
    } else {
      if (!selection.typeCondition) continue;
      if (types.isObjectOfType(source, selection.typeCondition))
        deepMerge(result, selectRequires(types, source, selection.selections));
    }
  }
  return result;
}

async function sendOperation(
  execution: Execution,
  subgraph: SubgraphService,
  fetch: FetchNode,
  cursor: Cursor,
  variables: Record<string, unknown>,
): Promise<ResultObject | null | undefined> {
  const request = {
    query: fetch.operation,
    operationName: fetch.operationName,
    variables,
    idempotent: fetch.operationKind === OperationTypeNode.QUERY,
  };
  const response = await subgraph.send(request, execution.call);
  if (response.errors) {
    const pathOf = errorPathMapper(fetch, cursor, execution.renames);
    for (const error of response.errors)
      execution.errors.push(downstreamError(error, fetch.serviceName, pathOf));
  }
  return response.data as ResultObject | null | undefined;
}

type ErrorPath = GraphQLFormattedError['path'];

/**
 * Maps a subgraph error's path onto the client's: `_entities`,i,… becomes the path of the i-th
 * entity at the fetch's place in the answer (worked out only when an error needs it).
 */
function errorPathMapper(
  fetch: FetchNode,
  cursor: Cursor,
  renames: ReadonlyMap<string, string>,
): (path: ErrorPath) => ErrorPath {
  const mapped = clientPath(fetch, cursor);
  if (renames.size === 0) return mapped;
  return (path) =>
    mapped(path)?.map((step) => (typeof step === 'string' ? (renames.get(step) ?? step) : step));
}

function clientPath(fetch: FetchNode, cursor: Cursor): (path: ErrorPath) => ErrorPath {
  let hydrated: ResponsePath[] | undefined;
  return (path) => {
    const index = path?.[1];
    if (fetch.requires && typeof index === 'number') {
      if (!hydrated) {
        hydrated = [];
        hydratePaths([], cursor.path, 0, cursor.fullResult, hydrated);
      }
      return [...(hydrated[index] ?? []), ...(path?.slice(2) ?? [])];
    }
    return path ? [...cursor.path, ...path] : undefined;
  };
}

function hydratePaths(
  parent: ResponsePath,
  path: ResponsePath,
  at: number,
  data: unknown,
  result: ResponsePath[],
): void {
  if (data === null || data === undefined) return;
  const head = path[at];
  if (head === undefined) {
    result.push(parent.slice());
  } else if (head === '@') {
    if (!Array.isArray(data)) throw new Error('expected array when encountering `@`');
    data.forEach((value, index) => {
      parent.push(index);
      hydratePaths(parent, path, at + 1, value, result);
      parent.pop();
    });
  } else if (typeof head === 'string') {
    if (Array.isArray(data)) {
      data.forEach((value, index) => {
        parent.push(index);
        hydratePaths(parent, path, at, value, result);
        parent.pop();
      });
    } else if (hasOwn(data as object, head)) {
      parent.push(head);
      hydratePaths(parent, path, at + 1, (data as ResultObject)[head], result);
      parent.pop();
    }
  } else {
    throw new Error(`unknown path part "${head}"`);
  }
}

/** A subgraph's error as the client gets it (the stock gateway's `downstreamServiceError`). */
function downstreamError(
  original: GraphQLFormattedError,
  serviceName: string,
  pathOf: (path: ErrorPath) => ErrorPath,
): GraphQLError {
  const message = original.message || `Error while fetching subquery from service "${serviceName}"`;
  const { extensions } = original;
  const path = pathOf(original.path);
  const options = {
    originalError: original as Error,
    ...(path ? { path } : {}),
    extensions: { ...extensions, serviceName },
  };
  const codeDef = errorCodeDef(original);
  if (!codeDef && extensions?.code) return new GraphQLError(message, options);
  return (codeDef ?? ERRORS.DOWNSTREAM_SERVICE_ERROR).err(message, options);
}
