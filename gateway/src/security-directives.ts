import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode, ShopError } from '@shop/platform/errors';
import {
  type ASTNode,
  type DirectiveNode,
  type DocumentNode,
  type GraphQLSchema,
  getNamedType,
  isAbstractType,
  isObjectType,
  Kind,
  parse,
  print,
  TypeInfo,
  valueFromASTUntyped,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import type { GatewayContext } from './context';

/**
 * `@authenticated` and `@requiresScopes` written in the subgraphs' SDL. The stock
 * @apollo/gateway refuses a supergraph that links these SECURITY features, because it would
 * not enforce them. So the gateway enforces them itself, here, and hands the query planner
 * the supergraph without them: a supergraph with security features is never served without
 * their enforcement.
 *
 * For now an operation that selects a field the caller may not see is rejected as a whole,
 * before any subgraph is called (stricter than Apollo Router, which nulls just that field).
 */
const FEATURES = {
  'https://specs.apollo.dev/authenticated/v0.1': 'authenticated',
  'https://specs.apollo.dev/requiresScopes/v0.1': 'requiresScopes',
} as const;

/** What a caller needs to see a field or type: logged in, and one of the scope sets (each set all of its scopes). */
export interface AccessRequirement {
  authenticated: boolean;
  /** Alternatives: the caller needs every scope of at least one inner list. Empty when no scopes are needed. */
  scopes: string[][];
}

export interface SecuredSupergraph {
  /** The supergraph without the security features, for the query planner. */
  sdl: string;
  /** Requirements by `Type` and by `Type.field`. */
  requirements: Map<string, AccessRequirement>;
}

export function secureSupergraph(supergraphSdl: string): SecuredSupergraph {
  const requirements = new Map<string, AccessRequirement>();
  let document: DocumentNode;
  try {
    document = parse(supergraphSdl);
  } catch {
    // Not even GraphQL: loading it as it is fails with the message a person needs.
    return { sdl: supergraphSdl, requirements };
  }
  const names = linkedSecurityDirectives(document);
  if (names.size === 0) return { sdl: supergraphSdl, requirements };

  const requirementOf = (directives: readonly DirectiveNode[] | undefined): AccessRequirement | null => {
    let requirement: AccessRequirement | null = null;
    for (const directive of directives ?? []) {
      const feature = names.get(directive.name.value);
      if (!feature) continue;
      requirement ??= { authenticated: false, scopes: [] };
      requirement.authenticated = true;
      if (feature === 'requiresScopes') {
        const argument = directive.arguments?.find((arg) => arg.name.value === 'scopes');
        const value = argument ? valueFromASTUntyped(argument.value) : [];
        requirement.scopes.push(...(value as string[][]));
      }
    }
    return requirement;
  };
  for (const definition of document.definitions) {
    if (!('name' in definition) || !definition.name || !('directives' in definition)) continue;
    const typeName = definition.name.value;
    const onType = requirementOf(definition.directives);
    if (onType) requirements.set(typeName, onType);
    if ('fields' in definition) {
      for (const field of definition.fields ?? []) {
        const onField = requirementOf(field.directives);
        if (onField) requirements.set(`${typeName}.${field.name.value}`, onField);
      }
    }
  }

  const scalarNames = new Set([...names.keys()].map((name) => `${name}__Scope`));
  const stripped = visit(document, {
    Directive: (node) => (names.has(node.name.value) || isSecurityLink(node) ? null : undefined),
    DirectiveDefinition: (node) => (names.has(node.name.value) ? null : undefined),
    ScalarTypeDefinition: (node) => (scalarNames.has(node.name.value) ? null : undefined),
  });
  return { sdl: print(stripped), requirements };
}

/** Enforces the requirements on every operation, before it is planned. */
export function securityDirectivesPlugin(
  requirements: Map<string, AccessRequirement>,
): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      if (requirements.size === 0) return {};
      return {
        async didResolveOperation({ document, operation, schema, contextValue }) {
          if (!operation) return;
          const denied = firstDeniedField(schema, document, operation, requirements, contextValue.caller);
          if (!denied) return;
          // A GraphQL answer like any other field error, not a server failure (500).
          const http = { status: 200 };
          throw contextValue.caller
            ? new ShopError(ErrorCode.FORBIDDEN, `You are not allowed to read ${denied}.`, { http })
            : new ShopError(ErrorCode.UNAUTHENTICATED, `You must be logged in to read ${denied}.`, { http });
        },
      };
    },
  };
}

function firstDeniedField(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: ASTNode,
  requirements: Map<string, AccessRequirement>,
  caller: GatewayContext['caller'],
): string | null {
  const allowed = (requirement: AccessRequirement | undefined) =>
    !requirement ||
    (caller !== null &&
      (requirement.scopes.length === 0 ||
        requirement.scopes.some((set) => set.every((scope) => caller.scopes.includes(scope)))));
  const typeInfo = new TypeInfo(schema);
  let denied: string | null = null;
  const fragments = document.definitions.filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION);
  for (const root of [operation, ...fragments]) {
    visit(
      root,
      visitWithTypeInfo(typeInfo, {
        Field(node) {
          const parent = typeInfo.getParentType();
          const field = typeInfo.getFieldDef();
          if (denied || !parent || !field) return;
          // A field selected on an interface or union is guarded by what guards it on each implementation.
          const owners = isAbstractType(parent) ? schema.getPossibleTypes(parent) : [parent];
          const guards = [
            requirements.get(getNamedType(field.type).name),
            ...owners.flatMap((owner) => [
              requirements.get(owner.name),
              isObjectType(owner) ? requirements.get(`${owner.name}.${node.name.value}`) : undefined,
            ]),
            requirements.get(`${parent.name}.${node.name.value}`),
          ];
          if (!guards.every(allowed)) denied = `${parent.name}.${node.name.value}`;
        },
      }),
    );
    if (denied) return denied;
  }
  return denied;
}

function linkedSecurityDirectives(document: DocumentNode): Map<string, 'authenticated' | 'requiresScopes'> {
  const names = new Map<string, 'authenticated' | 'requiresScopes'>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const directive of definition.directives ?? []) {
      const feature = securityFeatureOf(directive);
      if (!feature) continue;
      const as = directive.arguments?.find((arg) => arg.name.value === 'as');
      names.set(as?.value.kind === Kind.STRING ? as.value.value : feature, feature);
    }
  }
  return names;
}

function securityFeatureOf(directive: DirectiveNode): 'authenticated' | 'requiresScopes' | undefined {
  if (directive.name.value !== 'link') return undefined;
  const url = directive.arguments?.find((arg) => arg.name.value === 'url');
  if (url?.value.kind !== Kind.STRING) return undefined;
  return (FEATURES as Record<string, 'authenticated' | 'requiresScopes'>)[url.value.value];
}

function isSecurityLink(directive: DirectiveNode): boolean {
  return securityFeatureOf(directive) !== undefined;
}
