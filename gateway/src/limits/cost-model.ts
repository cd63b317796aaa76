import {
  type ConstDirectiveNode,
  type GraphQLField,
  type GraphQLNamedType,
  isCompositeType,
  valueFromASTUntyped,
} from 'graphql';
import { directiveNameInSchema, type LinkedSpec } from '../supergraph/links';

const COST_SPEC = 'https://specs.apollo.dev/cost';
// Relay connections: the size asked of the connection is the length of these lists.
const DEFAULT_SLICING_ARGUMENTS = ['first', 'last'];
const DEFAULT_SIZED_FIELDS = ['edges', 'nodes'];
// Apollo's demand control charges a mutation for its side effects.
const MUTATION_WEIGHT = 10;

interface ListSize {
  assumedSize: number | null;
  slicingArguments: readonly string[] | null;
  sizedFields: readonly string[] | null;
}

/**
 * Demand control's cost rules, read from `@cost` and `@listSize` (Federation 2.9, kept in the
 * supergraph) with the defaults of Apollo's cost model where the SDL is silent: an object costs
 * 1, a scalar or enum 0, a mutation field 10, and a list multiplies what each item costs by its
 * size: the value of a slicing argument (`first`/`last` by default, their schema default when not
 * given), else `@listSize(assumedSize:)`, else the configured default list size.
 */
export class CostModel {
  private readonly costName: string | null;
  private readonly listSizeName: string | null;

  constructor(
    links: readonly LinkedSpec[],
    readonly defaultListSize: number,
  ) {
    const spec = links.find((link) => link.identity === COST_SPEC);
    this.costName = spec ? directiveNameInSchema(spec, 'cost') : null;
    this.listSizeName = spec ? directiveNameInSchema(spec, 'listSize') : null;
  }

  /** What resolving the field costs once, before its selections and list size. */
  fieldWeight(
    field: GraphQLField<unknown, unknown>,
    type: GraphQLNamedType,
    isMutationRoot: boolean,
  ): number {
    const own = this.weight(field.astNode?.directives);
    if (own !== null) return own;
    const ofType = this.weight(type.astNode?.directives);
    if (ofType !== null) return ofType;
    if (isMutationRoot) return MUTATION_WEIGHT;
    return isCompositeType(type) ? 1 : 0;
  }

  /** The weights of the arguments the operation gives. */
  argumentWeight(field: GraphQLField<unknown, unknown>, given: ReadonlySet<string>): number {
    let weight = 0;
    for (const argument of field.args)
      if (given.has(argument.name)) weight += this.weight(argument.astNode?.directives) ?? 0;
    return weight;
  }

  /**
   * The size the field's arguments ask for (null when they say nothing), and the child fields that
   * size applies to when the field itself is not a list (a connection's `edges`).
   */
  requestedSize(
    field: GraphQLField<unknown, unknown>,
    argumentValues: ReadonlyMap<string, unknown>,
  ): { size: number | null; sizedFields: readonly string[] } {
    const listSize = this.listSize(field);
    const slicing =
      listSize?.slicingArguments ??
      field.args
        .filter((argument) => DEFAULT_SLICING_ARGUMENTS.includes(argument.name))
        .map(({ name }) => name);
    let size: number | null = null;
    for (const name of slicing) {
      const argument = field.args.find((candidate) => candidate.name === name);
      const value = argumentValues.has(name) ? argumentValues.get(name) : argument?.defaultValue;
      if (typeof value === 'number' && Number.isFinite(value)) size = Math.max(size ?? 0, Math.max(0, value));
    }
    size ??= listSize?.assumedSize ?? null;
    return { size, sizedFields: listSize?.sizedFields ?? DEFAULT_SIZED_FIELDS };
  }

  private weight(directives: readonly ConstDirectiveNode[] | undefined): number | null {
    const cost = directives?.find((directive) => directive.name.value === this.costName);
    const weight = cost?.arguments?.find((argument) => argument.name.value === 'weight');
    const value: unknown = weight ? valueFromASTUntyped(weight.value) : null;
    return typeof value === 'number' ? value : null;
  }

  private listSize(field: GraphQLField<unknown, unknown>): ListSize | null {
    const directive = field.astNode?.directives?.find(
      (candidate) => candidate.name.value === this.listSizeName,
    );
    if (!directive) return null;
    const args = new Map(
      (directive.arguments ?? []).map((argument) => [
        argument.name.value,
        valueFromASTUntyped(argument.value),
      ]),
    );
    const strings = (value: unknown) =>
      Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : null;
    const assumedSize = args.get('assumedSize');
    return {
      assumedSize: typeof assumedSize === 'number' ? assumedSize : null,
      slicingArguments: strings(args.get('slicingArguments')),
      sizedFields: strings(args.get('sizedFields')),
    };
  }
}
