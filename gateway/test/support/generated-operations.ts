import {
  type GraphQLArgument,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  parse,
  validate,
} from 'graphql';

export interface GeneratedOperation {
  query: string;
  variables: Record<string, unknown>;
}

export interface GeneratorOptions {
  count: number;
  seed: number;
  /** Fields the generator leaves out, such as those only a logged-in caller may read. */
  skipField?: (typeName: string, fieldName: string) => boolean;
  /** Share of mutations among the operations (0 to 1); default 0.1. */
  mutations?: number;
}

/** mulberry32: a seeded random number generator, so that a failing operation can be generated again. */
function randomFrom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
  return {
    chance: (probability: number) => next() < probability,
    int: (below: number) => Math.floor(next() * below),
    pick<T>(items: readonly T[]): T {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
  };
}
type Random = ReturnType<typeof randomFrom>;

const MAX_DEPTH = 4;

/** One operation being written: its variables, fragments and a counter for fresh names. */
class OperationWriter {
  readonly variableDefinitions: string[] = [];
  readonly variables: Record<string, unknown> = {};
  readonly booleanVariables: string[] = [];
  readonly fragments: string[] = [];
  private names = 0;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly random: Random,
    private readonly skipField: (typeName: string, fieldName: string) => boolean,
  ) {}

  fresh(prefix: string): string {
    this.names += 1;
    return `${prefix}${this.names}`;
  }

  fieldsOf(type: GraphQLCompositeType): GraphQLField<unknown, unknown>[] {
    if (isUnionType(type)) return [];
    return Object.values(type.getFields()).filter((field) => !this.skipField(type.name, field.name));
  }

  selectionSet(type: GraphQLCompositeType, depth: number): string {
    const items: string[] = [];
    const wanted = 1 + this.random.int(depth >= MAX_DEPTH - 1 ? 2 : 3);
    for (let attempt = 0; attempt < wanted * 3 && items.length < wanted; attempt++) {
      const item = this.selection(type, depth);
      if (item) items.push(item);
    }
    if (items.length === 0) items.push('__typename');
    return `{ ${items.join(' ')} }`;
  }

  private selection(type: GraphQLCompositeType, depth: number): string | null {
    const roll = this.random.int(100);
    if (roll < 8) return `__typename${this.condition()}`;
    if (roll < 22) return this.inlineFragment(type, depth);
    if (roll < 30) return this.fragmentSpread(type, depth);
    const fields = this.fieldsOf(type).filter(
      (field) => depth < MAX_DEPTH || !isCompositeType(getNamedType(field.type)),
    );
    if (fields.length === 0) return isUnionType(type) ? this.inlineFragment(type, depth) : null;
    return this.field(this.random.pick(fields), depth);
  }

  private field(field: GraphQLField<unknown, unknown>, depth: number): string | null {
    const args = field.args
      .filter((arg) => isNonNullType(arg.type) || this.random.chance(0.3))
      .map((arg) => `${arg.name}: ${this.argument(arg)}`);
    // A field with arguments gets an alias of its own, so two selections of it never conflict.
    const alias = args.length > 0 || this.random.chance(0.2) ? `${this.fresh('a')}: ` : '';
    const named = getNamedType(field.type);
    const selections = isCompositeType(named) ? ` ${this.selectionSet(named, depth + 1)}` : '';
    return `${alias}${field.name}${args.length ? `(${args.join(', ')})` : ''}${this.condition()}${selections}`;
  }

  /** On the type itself, or on one of the types it may be (abstract types), or an interface it implements. */
  private fragmentType(type: GraphQLCompositeType): GraphQLCompositeType {
    const candidates: GraphQLCompositeType[] = [type];
    if (isAbstractType(type)) candidates.push(...this.schema.getPossibleTypes(type));
    if (isObjectType(type)) candidates.push(...type.getInterfaces());
    if (isInterfaceType(type))
      for (const possible of this.schema.getPossibleTypes(type)) candidates.push(...possible.getInterfaces());
    return this.random.pick(candidates);
  }

  private inlineFragment(type: GraphQLCompositeType, depth: number): string {
    const on = this.fragmentType(type);
    const typeCondition = on === type && this.random.chance(0.3) ? '' : ` on ${on.name}`;
    return `...${typeCondition}${this.condition()} ${this.selectionSet(on, depth)}`;
  }

  private fragmentSpread(type: GraphQLCompositeType, depth: number): string {
    const on = this.fragmentType(type);
    const name = this.fresh('F');
    this.fragments.push(`fragment ${name} on ${on.name} ${this.selectionSet(on, depth)}`);
    return `...${name}${this.condition()}`;
  }

  /** Now and then `@skip`/`@include`, on a Boolean variable or a literal. */
  private condition(): string {
    if (!this.random.chance(0.15)) return '';
    const directive = this.random.chance(0.5) ? 'skip' : 'include';
    if (this.random.chance(0.25)) return ` @${directive}(if: ${this.random.chance(0.5)})`;
    const name = this.fresh('b');
    this.variableDefinitions.push(`$${name}: Boolean!`);
    this.variables[name] = this.random.chance(0.5);
    this.booleanVariables.push(name);
    return ` @${directive}(if: $${name})`;
  }

  private argument(arg: GraphQLArgument): string {
    if (this.random.chance(0.4)) {
      const name = this.fresh('v');
      this.variableDefinitions.push(`$${name}: ${String(arg.type)}`);
      this.variables[name] = this.inputValue(arg.type, 0);
      return `$${name}`;
    }
    return literal(this.inputValue(arg.type, 0), arg.type);
  }

  inputValue(type: GraphQLInputType, depth: number): unknown {
    if (isNonNullType(type)) return this.inputValue(type.ofType, depth);
    if (isListType(type))
      return Array.from({ length: this.random.int(3) }, () => this.inputValue(type.ofType, depth + 1));
    if (isEnumType(type)) return this.random.pick(type.getValues()).name;
    if (isInputObjectType(type)) {
      const value: Record<string, unknown> = {};
      for (const field of Object.values(type.getFields()))
        if (isNonNullType(field.type) || (depth < 2 && this.random.chance(0.3)))
          value[field.name] = this.inputValue(field.type, depth + 1);
      return value;
    }
    if (isScalarType(type)) return scalarInput(type.name, this.random);
    return null;
  }
}

function scalarInput(name: string, random: Random): unknown {
  switch (name) {
    case 'ID':
      return `id-${random.int(40)}`;
    case 'Int':
      return random.int(6);
    case 'Float':
      return random.int(100) / 4;
    case 'Boolean':
      return random.chance(0.5);
    case 'String':
      return random.pick(['a', 'garden', 'b c', 'tok_ok', '']);
    default:
      return '2026-01-01T00:00:00.000Z';
  }
}

/** A value written in the query text itself. */
function literal(value: unknown, type: GraphQLInputType): string {
  const named: GraphQLNamedType = getNamedType(type);
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value))
    return `[${value.map((item) => literal(item, named as GraphQLInputType)).join(', ')}]`;
  if (isEnumType(named)) return String(value);
  if (isInputObjectType(named)) {
    const fields = named.getFields();
    return `{ ${Object.entries(value as Record<string, unknown>)
      .map(([key, item]) => `${key}: ${literal(item, (fields[key]?.type ?? named) as GraphQLInputType)}`)
      .join(', ')} }`;
  }
  return JSON.stringify(value);
}

/**
 * Random, valid operations over a schema (an API schema: what clients see): root fields with
 * arguments as literals and variables, aliases, nested selections, inline fragments and named
 * fragments (on interfaces, unions and their types), `__typename`, and `@skip`/`@include` on
 * literals and Boolean variables. An operation with Boolean variables comes twice, once with
 * each variable flipped, so that both branches of its conditions are taken.
 */
export function generateOperations(schema: GraphQLSchema, options: GeneratorOptions): GeneratedOperation[] {
  const skipField = options.skipField ?? (() => false);
  const operations: GeneratedOperation[] = [];
  for (let index = 0; operations.length < options.count; index++) {
    if (index > options.count * 20) throw new Error('the generator writes too few valid operations');
    const random = randomFrom(options.seed * 100_003 + index);
    const mutationType = schema.getMutationType();
    const useMutation =
      mutationType !== null &&
      mutationType !== undefined &&
      random.chance(options.mutations ?? 0.1) &&
      Object.keys(mutationType.getFields()).some((name) => !skipField(mutationType.name, name));
    const root = useMutation ? mutationType : schema.getQueryType();
    if (!root) throw new Error('the schema has no query type');
    const writer = new OperationWriter(schema, random, skipField);
    const selections = writer.selectionSet(root, 1);
    const keyword = useMutation ? 'mutation' : 'query';
    const name = random.chance(0.5) ? ` ${writer.fresh('Op')}` : '';
    const variables = writer.variableDefinitions.length ? `(${writer.variableDefinitions.join(', ')})` : '';
    const query = [`${keyword}${name}${variables} ${selections}`, ...writer.fragments].join('\n');
    if (validate(schema, parse(query)).length > 0) continue;
    operations.push({ query, variables: writer.variables });
    if (writer.booleanVariables.length > 0 && operations.length < options.count) {
      const flipped = { ...writer.variables };
      for (const variable of writer.booleanVariables) flipped[variable] = !flipped[variable];
      operations.push({ query, variables: flipped });
    }
  }
  return operations;
}
