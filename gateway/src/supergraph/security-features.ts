import { buildASTSchema, type DirectiveNode, type DocumentNode, parse, print, visit } from 'graphql';
import { AccessPolicy } from '../authorization/access-rules';
import { directiveNameInSchema, type LinkedSpec, readLinks } from './links';

const AUTHENTICATED = 'https://specs.apollo.dev/authenticated';
const REQUIRES_SCOPES = 'https://specs.apollo.dev/requiresScopes';
const ENFORCED: Record<string, string> = { [AUTHENTICATED]: '0.1', [REQUIRES_SCOPES]: '0.1' };
/** SECURITY features @apollo/gateway enforces itself: `@inaccessible` hides elements from the API schema. */
const ENFORCED_BY_PLANNER: Record<string, readonly string[]> = {
  'https://specs.apollo.dev/inaccessible': ['0.1', '0.2'],
};

/** A supergraph whose security features the gateway enforces itself. */
export interface SecuredSupergraph {
  /** The full supergraph, as a schema (cost directives, access rules). */
  document: DocumentNode;
  /** What the query planner gets: the same supergraph without the security links the gateway took over. */
  plannerSdl: string;
  policy: AccessPolicy;
}

/**
 * Takes over `@authenticated` and `@requiresScopes`: reads every protected field and type from
 * the supergraph, then takes their links out of what the query planner sees (a stock planner
 * refuses SECURITY features it does not enforce, rightly). The two only come out of here together,
 * so a supergraph with security features is never planned without its policy. A SECURITY feature
 * this gateway does not enforce (`@policy`, another version) stops it from starting.
 */
export function takeOverSecurityFeatures(supergraphSdl: string): SecuredSupergraph {
  const document = parse(supergraphSdl);
  const links = readLinks(document);
  const unsupported = links.filter(
    (link) =>
      link.purpose === 'SECURITY' &&
      ENFORCED[link.identity] !== link.version &&
      !ENFORCED_BY_PLANNER[link.identity]?.includes(link.version),
  );
  if (unsupported.length > 0)
    throw new Error(
      `the supergraph uses security features this gateway cannot enforce: ${unsupported
        .map((link) => `${link.identity}/v${link.version}`)
        .join(', ')}`,
    );
  const taken = links.filter((link) => ENFORCED[link.identity] === link.version);
  const authenticated = taken.find((link) => link.identity === AUTHENTICATED);
  const requiresScopes = taken.find((link) => link.identity === REQUIRES_SCOPES);
  const policy = new AccessPolicy(buildASTSchema(document, { assumeValidSDL: true }), {
    authenticated: authenticated ? directiveNameInSchema(authenticated, 'authenticated') : null,
    requiresScopes: requiresScopes ? directiveNameInSchema(requiresScopes, 'requiresScopes') : null,
  });
  return { document, plannerSdl: taken.length === 0 ? supergraphSdl : withoutLinks(document, taken), policy };
}

/** The supergraph without these links, their directive definitions and applications, and their own types. */
function withoutLinks(document: DocumentNode, links: readonly LinkedSpec[]): string {
  const linkNodes = new Set<DirectiveNode>(links.map((link) => link.node));
  const directives = new Set(
    links.flatMap((link) => [directiveNameInSchema(link, link.name), ...[...link.imports.values()]]),
  );
  const prefixes = links.map((link) => `${link.nameInSchema}__`);
  const ownsName = (name: string) =>
    directives.has(name) || prefixes.some((prefix) => name.startsWith(prefix));
  return print(
    visit(document, {
      Directive: (node) => (linkNodes.has(node) || ownsName(node.name.value) ? null : undefined),
      DirectiveDefinition: (node) => (ownsName(node.name.value) ? null : undefined),
      ScalarTypeDefinition: (node) => (ownsName(node.name.value) ? null : undefined),
    }),
  );
}
