import { type SeedPlan, seedIds } from '@shop/devkit/seed';
import type { CheckoutTarget } from './checkout-load';

// Enough that no benchmark runs out of stock.
export const UNITS_PER_PRODUCT = 1_000_000;

/** Logs in the seeded customers and admin (real tokens from accounts) and stocks the catalog to the brim. */
export async function prepareTarget(gatewayUrl: string, plan: SeedPlan): Promise<CheckoutTarget> {
  const logIn = async (email: string, password: string) => {
    const response = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query:
          'mutation ($email: String!, $password: String!) { logIn(email: $email, password: $password) { token } }',
        variables: { email, password },
      }),
    });
    const body = (await response.json()) as { data?: { logIn?: { token: string } }; errors?: unknown };
    const token = body.data?.logIn?.token;
    if (!token) throw new Error(`cannot log in ${email}: ${JSON.stringify(body.errors)}`);
    return token;
  };
  const [adminToken, alice, bob] = await Promise.all([
    logIn('admin@shop.test', 'admin-password'),
    logIn('alice@shop.test', 'customer-password'),
    logIn('bob@shop.test', 'customer-password'),
  ]);
  const productIds = Array.from({ length: plan.products }, (_, index) => seedIds.product(index));
  for (const productId of productIds) {
    const response = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({
        query:
          'mutation ($id: ID!, $units: Int!) { setStock(productId: $id, available: $units) { available } }',
        variables: { id: productId, units: UNITS_PER_PRODUCT },
      }),
    });
    const body = (await response.json()) as { errors?: unknown };
    if (body.errors) throw new Error(`setStock failed: ${JSON.stringify(body.errors)}`);
  }
  return { gatewayUrl, customerTokens: [alice, bob], productIds };
}
