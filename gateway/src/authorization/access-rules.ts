import type { Caller } from '@shop/platform/auth';
import {
  type ConstDirectiveNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isAbstractType,
  isInterfaceType,
  isObjectType,
  valueFromASTUntyped,
} from 'graphql';

/** What a field or type demands of the caller: `@authenticated`, and every `@requiresScopes` on it. */
export interface AccessRule {
  authenticated: boolean;
  /** One entry per `@requiresScopes`: any one of its inner lists, with all of that list's scopes. */
  scopes: readonly (readonly (readonly string[])[])[];
}

export type Denial = 'UNAUTHENTICATED' | 'FORBIDDEN';

const OPEN: AccessRule = { authenticated: false, scopes: [] };

/** Whether the caller meets the rule; why not when they do not. */
export function judge(rule: AccessRule, caller: Caller | null): Denial | null {
  if (!rule.authenticated && rule.scopes.length === 0) return null;
  if (caller === null) return 'UNAUTHENTICATED';
  const granted = new Set(caller.scopes);
  const allowed = rule.scopes.every((anyOf) =>
    anyOf.some((allOf) => allOf.every((scope) => granted.has(scope))),
  );
  return allowed ? null : 'FORBIDDEN';
}

function combine(...rules: AccessRule[]): AccessRule {
  return {
    authenticated: rules.some((rule) => rule.authenticated),
    scopes: rules.flatMap((rule) => rule.scopes),
  };
}

function isOpen(rule: AccessRule): boolean {
  return !rule.authenticated && rule.scopes.length === 0;
}

export interface SecurityDirectiveNames {
  authenticated: string | null;
  requiresScopes: string | null;
}

/**
 * The access rule of every field coordinate (`Type.field`) of a supergraph, the way Apollo Router
 * reads `@authenticated` and `@requiresScopes`: a field demands what is written on it, what is
 * written on the type it returns (and, for an interface or union, on each possible type), and,
 * on an interface, what each implementation's field demands.
 */
export class AccessPolicy {
  private readonly fieldRules = new Map<string, AccessRule>();

  constructor(
    readonly schema: GraphQLSchema,
    names: SecurityDirectiveNames,
  ) {
    const ruleOf = (directives: readonly ConstDirectiveNode[] | undefined): AccessRule =>
      readRule(directives ?? [], names);
    const typeRule = (type: GraphQLNamedType): AccessRule => {
      const own = ruleOf(type.astNode?.directives);
      if (!isAbstractType(type)) return own;
      return combine(
        own,
        ...schema.getPossibleTypes(type).map((possible) => ruleOf(possible.astNode?.directives)),
      );
    };
    const ownFieldRule = (typeName: string, fieldName: string): AccessRule => {
      const type = schema.getType(typeName);
      if (!isObjectType(type) && !isInterfaceType(type)) return OPEN;
      const field = type.getFields()[fieldName];
      if (!field) return OPEN;
      return combine(ruleOf(field.astNode?.directives), typeRule(getNamedType(field.type)));
    };
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || (!isObjectType(type) && !isInterfaceType(type))) continue;
      for (const fieldName of Object.keys(type.getFields())) {
        const implementations = isInterfaceType(type) ? schema.getPossibleTypes(type) : [];
        const rule = combine(
          ownFieldRule(type.name, fieldName),
          ...implementations.map((implementation) => ownFieldRule(implementation.name, fieldName)),
        );
        if (!isOpen(rule)) this.fieldRules.set(`${type.name}.${fieldName}`, rule);
      }
    }
  }

  /** Whether any field demands anything at all (a supergraph without the directives costs nothing). */
  get protectsAnything(): boolean {
    return this.fieldRules.size > 0;
  }

  ruleFor(typeName: string, fieldName: string): AccessRule {
    return this.fieldRules.get(`${typeName}.${fieldName}`) ?? OPEN;
  }

  /** The protected coordinates and their rules, for logs and tests. */
  coordinates(): ReadonlyMap<string, AccessRule> {
    return this.fieldRules;
  }
}

function readRule(directives: readonly ConstDirectiveNode[], names: SecurityDirectiveNames): AccessRule {
  let authenticated = false;
  const scopes: string[][][] = [];
  for (const directive of directives) {
    if (directive.name.value === names.authenticated) authenticated = true;
    if (directive.name.value === names.requiresScopes) {
      const argument = directive.arguments?.find((candidate) => candidate.name.value === 'scopes');
      const value: unknown = argument ? valueFromASTUntyped(argument.value) : [];
      scopes.push(
        Array.isArray(value)
          ? value.map((allOf: unknown) =>
              Array.isArray(allOf) ? allOf.filter((scope): scope is string => typeof scope === 'string') : [],
            )
          : [],
      );
    }
  }
  return { authenticated, scopes };
}
