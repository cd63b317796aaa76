import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import type { GraphQLRequestContextDidResolveOperation } from '@apollo/server';
import { type Caller, ROLE_SCOPES } from '@shop/platform/auth';
import { buildSchema, type GraphQLError, getOperationAST, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { GatewayContext } from '../src/context';
import { secureSupergraph, securityDirectivesPlugin } from '../src/security-directives';

const supergraphSdl = readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');
const apiSchema = buildSchema(readFileSync(new URL('../../schema/api.graphql', import.meta.url), 'utf8'));
const secured = secureSupergraph(supergraphSdl);

const admin: Caller = { userId: 'admin', role: 'ADMIN', scopes: ROLE_SCOPES.ADMIN };
const customer: Caller = { userId: 'alice', role: 'CUSTOMER', scopes: ROLE_SCOPES.CUSTOMER };

/** What the plugin says about `query` sent by `caller`: null when it may run, else the error. */
async function verdict(query: string, caller: Caller | null): Promise<GraphQLError | null> {
  const document = parse(query);
  const hooks = await securityDirectivesPlugin(secured.requirements).requestDidStart?.(
    {} as Parameters<NonNullable<ReturnType<typeof securityDirectivesPlugin>['requestDidStart']>>[0],
  );
  const context = {
    document,
    operation: getOperationAST(document),
    schema: apiSchema,
    contextValue: { requestId: 'test', caller } satisfies GatewayContext,
  } as unknown as GraphQLRequestContextDidResolveOperation<GatewayContext>;
  try {
    await hooks?.didResolveOperation?.(context);
    return null;
  } catch (error) {
    return error as GraphQLError;
  }
}

describe('the supergraph handed to the query planner', () => {
  it('has no security features left, and the stock gateway loads it', async () => {
    expect(supergraphSdl).toContain('https://specs.apollo.dev/requiresScopes/v0.1');
    expect(secured.sdl).not.toMatch(
      /authenticated\/v0\.1|requiresScopes\/v0\.1|@requiresScopes|@authenticated/,
    );
    const gateway = new ApolloGateway({ supergraphSdl: secured.sdl });
    await expect(gateway.load()).resolves.toBeDefined();
    await gateway.stop();
  });

  it('remembers what each guarded field needs', () => {
    expect(secured.requirements.get('Mutation.createProduct')).toEqual({
      authenticated: true,
      scopes: [['catalog:write']],
    });
    expect(secured.requirements.get('Mutation.addReview')).toEqual({ authenticated: true, scopes: [] });
    expect(secured.requirements.has('Query.products')).toBe(false);
  });

  it('is the supergraph itself when it has no security features', () => {
    const plain = supergraphSdl.replace(
      /@link\(url: "https:\/\/specs\.apollo\.dev\/(authenticated|requiresScopes)\/v0\.1", for: SECURITY\)/g,
      '',
    );
    const withoutLinks = secureSupergraph(plain);
    expect(withoutLinks).toEqual({ sdl: plain, requirements: new Map() });
  });
});

describe('operations checked against @authenticated and @requiresScopes', () => {
  const createProduct = `mutation { createProduct(input: { sku: "A-1", name: "Ab", description: "d",
    price: { amount: 1, currency: "USD" }, weightGrams: 1, categoryId: "x" }) { id } }`;

  it('lets anyone read the public catalog', async () => {
    expect(await verdict('{ products { edges { node { name stock { available } } } } }', null)).toBeNull();
  });

  it('refuses anonymous callers with UNAUTHENTICATED', async () => {
    const error = await verdict(createProduct, null);
    expect(error?.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(error?.message).toContain('Mutation.createProduct');
  });

  it('refuses callers without the scope with FORBIDDEN, and lets those with it through', async () => {
    expect((await verdict(createProduct, customer))?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect(await verdict(createProduct, admin)).toBeNull();
  });

  it('needs only a login where the field asks for no scope', async () => {
    const addReview =
      'mutation { addReview(input: { productId: "p", rating: 5, body: "Lovely and well made." }) { id } }';
    expect((await verdict(addReview, null))?.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await verdict(addReview, customer)).toBeNull();
  });

  it('finds guarded fields inside fragments too', async () => {
    const query = `query { product(id: "p") { ...Stock } } fragment Stock on Product { stock { ... on Stock { reserved } } }`;
    expect((await verdict(query, customer))?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect(await verdict(query, admin)).toBeNull();
  });
});
