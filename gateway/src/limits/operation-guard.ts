import { type DocumentNode, GraphQLError, type GraphQLSchema, Kind, parse } from 'graphql';
import type { CostModel } from './cost-model';
import { FragmentCycleError, measureOperation, type OperationMeasure } from './measure-operation';

export interface OperationLimits {
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxTokens: number;
  maxDirectives: number;
  maxCost: number;
  maxRepeatedField: number;
}

/** What a client sent: the parts of a GraphQL request the guard looks at. */
export interface GuardedRequest {
  query: string;
  variables: Readonly<Record<string, unknown>>;
}

/** Why an operation was refused before anything else looked at it. */
export class OperationRejected extends GraphQLError {
  constructor(code: string, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
  }
}

const MAX_REMEMBERED_DOCUMENTS = 500;
const MAX_REMEMBERED_VERDICTS = 5000;
const MAX_REMEMBERED_LENGTH = 10_000;

type Limit = { measure: keyof OperationMeasure; limit: keyof OperationLimits; code: string; what: string };

const LIMITS: readonly Limit[] = [
  { measure: 'depth', limit: 'maxDepth', code: 'MAX_DEPTH_LIMIT', what: 'levels of nesting' },
  { measure: 'aliases', limit: 'maxAliases', code: 'MAX_ALIASES_LIMIT', what: 'aliases' },
  { measure: 'rootFields', limit: 'maxRootFields', code: 'MAX_ROOT_FIELDS_LIMIT', what: 'root fields' },
  { measure: 'directives', limit: 'maxDirectives', code: 'MAX_DIRECTIVES_LIMIT', what: 'directives' },
  // Validation compares every pair of fields sharing a response key: a key repeated hundreds of
  // times in one selection set costs seconds of CPU while staying cheap by every other measure.
  {
    measure: 'repeatedKeys',
    limit: 'maxRepeatedField',
    code: 'MAX_REPEATED_FIELD_LIMIT',
    what: 'selections of one field in one selection set',
  },
];

/**
 * Checks an operation against the limits before it is validated, planned or sent anywhere:
 * the parse stops at `maxTokens`, fragments are measured expanded (depth, aliases, root fields,
 * directives) and demand control estimates the cost. Each operation of the document is checked,
 * the one that will run and any other (they are all validated). Returns the rejection, or null
 * when the operation may go on (a syntax error is left to Apollo Server to report).
 */
export function createOperationGuard(
  schema: GraphQLSchema,
  model: CostModel,
  limits: OperationLimits,
): (request: GuardedRequest) => OperationRejected | null {
  // Clients send the same few texts again and again, often with the same variables: each text
  // is parsed once, and each text with its variables judged once (bounded memories; a verdict
  // depends on nothing else for one supergraph).
  const parsed = new Map<string, DocumentNode>();
  const verdicts = new Map<string, OperationRejected | null>();
  const remembered = (request: GuardedRequest): OperationRejected | null => {
    if (request.query.length > MAX_REMEMBERED_LENGTH) return judge(request);
    const variables = JSON.stringify(request.variables);
    if (variables.length > MAX_REMEMBERED_LENGTH) return judge(request);
    const key = `${variables}\n${request.query}`;
    const known = verdicts.get(key);
    if (known !== undefined) return known;
    const verdict = judge(request);
    if (verdicts.size >= MAX_REMEMBERED_VERDICTS) verdicts.clear();
    verdicts.set(key, verdict);
    return verdict;
  };
  const judge = ({ query, variables }: GuardedRequest): OperationRejected | null => {
    let document = parsed.get(query);
    if (!document)
      try {
        document = parse(query, { maxTokens: limits.maxTokens, noLocation: true });
        if (query.length <= MAX_REMEMBERED_LENGTH) {
          if (parsed.size >= MAX_REMEMBERED_DOCUMENTS) parsed.clear();
          parsed.set(query, document);
        }
      } catch (error) {
        if (error instanceof GraphQLError && /Document contains more th[a-z]+ \d+ tokens/.test(error.message))
          return new OperationRejected(
            'MAX_TOKENS_LIMIT',
            `The document has more than ${limits.maxTokens} tokens, the most allowed.`,
            { limit: limits.maxTokens },
          );
        return null;
      }
    for (const operation of document.definitions) {
      if (operation.kind !== Kind.OPERATION_DEFINITION) continue;
      let measure: OperationMeasure;
      try {
        measure = measureOperation(schema, model, document, operation, variables);
      } catch (error) {
        if (!(error instanceof FragmentCycleError)) throw error;
        return new OperationRejected('GRAPHQL_VALIDATION_FAILED', error.message);
      }
      for (const { measure: key, limit, code, what } of LIMITS)
        if (measure[key] > limits[limit])
          return new OperationRejected(
            code,
            `The operation has ${describe(measure[key])} ${what}; at most ${limits[limit]} are allowed.`,
            { limit: limits[limit] },
          );
      if (measure.cost > limits.maxCost)
        return new OperationRejected(
          'COST_ESTIMATED_TOO_EXPENSIVE',
          `The operation's estimated cost is ${describe(measure.cost)}; at most ${limits.maxCost} is allowed. Ask for fewer items or fewer fields.`,
          { cost: finite(measure.cost), maxCost: limits.maxCost },
        );
    }
    return null;
  };
  return remembered;
}

function finite(value: number): number {
  return Number.isFinite(value) ? value : Number.MAX_SAFE_INTEGER;
}

function describe(value: number): string {
  return value > Number.MAX_SAFE_INTEGER ? 'more than 9007199254740991' : String(value);
}
