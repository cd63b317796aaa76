import { describe, expect, it } from 'vitest';
import { paymentsEnv } from '../src/config';

describe('payments configuration', () => {
  it('refuses the test processor in production', () => {
    const result = paymentsEnv.safeParse({ NODE_ENV: 'production', PAYMENT_PROCESSOR: 'test' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ['PAYMENT_PROCESSOR'] });
    expect(result.error?.issues[0]?.message).toMatch(/TEST_DEPLOYMENT=true/);
    expect(paymentsEnv.safeParse({ NODE_ENV: 'production', TEST_DEPLOYMENT: 'false' }).success).toBe(false);
  });

  it('allows it in production when a second setting says the deployment is a test one, and outside production', () => {
    expect(paymentsEnv.parse({ NODE_ENV: 'production', TEST_DEPLOYMENT: 'true' })).toMatchObject({
      PAYMENT_PROCESSOR: 'test',
      TEST_DEPLOYMENT: true,
    });
    for (const NODE_ENV of ['development', 'test'])
      expect(paymentsEnv.parse({ NODE_ENV }).PAYMENT_PROCESSOR).toBe('test');
  });
});
