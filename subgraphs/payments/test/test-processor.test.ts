import { createTestDatabase, type TestDatabase } from '@shop/devkit/testing';
import { applyMigrations, connectDatabase, type DatabaseHandle } from '@shop/platform/db';
import { findSubgraphFiles } from '@shop/platform/service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tables } from '../src/db/database';
import * as tables from '../src/db/schema';
import {
  chargeKey,
  type PaymentProcessor,
  refundKey,
  TransientProcessorError,
} from '../src/domain/payment-processor';
import { createTestProcessor } from '../src/domain/test-processor';

let database: TestDatabase;
let handle: DatabaseHandle<Tables>;
let processor: PaymentProcessor;

beforeAll(async () => {
  database = await createTestDatabase('payments');
  handle = connectDatabase({ url: database.url, schema: tables });
  await applyMigrations(
    handle.sql,
    findSubgraphFiles(new URL('../src/', import.meta.url).href).migrationsFolder,
  );
  processor = createTestProcessor(() => handle.db);
});
afterAll(async () => {
  await handle.close();
  await database.drop();
});

const usd = (amount: number) => ({ amount, currency: 'USD' });
const newKey = () => chargeKey(crypto.randomUUID());

describe('the test processor', () => {
  it('charges tok_ok, declines tok_declined and any token it does not know', async () => {
    expect(
      await processor.charge({ idempotencyKey: newKey(), token: 'tok_ok', amount: usd(100) }),
    ).toMatchObject({
      outcome: 'succeeded',
    });
    expect(
      await processor.charge({ idempotencyKey: newKey(), token: 'tok_declined', amount: usd(100) }),
    ).toMatchObject({ outcome: 'declined', reason: 'card_declined' });
    expect(
      await processor.charge({ idempotencyKey: newKey(), token: 'tok_nope', amount: usd(100) }),
    ).toMatchObject({ outcome: 'declined', reason: 'unknown_token' });
  });

  it('answers a repeated key with the recorded result, charging once', async () => {
    const key = newKey();
    const first = await processor.charge({ idempotencyKey: key, token: 'tok_ok', amount: usd(500) });
    const again = await processor.charge({ idempotencyKey: key, token: 'tok_declined', amount: usd(999) });
    expect(again).toEqual(first);
    const rows =
      await handle.sql`select attempts, amount from processor_operations where idempotency_key = ${key}`;
    expect(rows).toEqual([{ attempts: 1, amount: 500 }]);
  });

  it('fails tok_flaky twice per key, counted durably across processes, then succeeds', async () => {
    const key = newKey();
    const charge = (with_: PaymentProcessor) =>
      with_.charge({ idempotencyKey: key, token: 'tok_flaky', amount: usd(100) });
    await expect(charge(processor)).rejects.toBeInstanceOf(TransientProcessorError);
    // Another replica (another processor on the same records) sees the first failure.
    const replica = createTestProcessor(() => handle.db);
    await expect(charge(replica)).rejects.toBeInstanceOf(TransientProcessorError);
    expect(await charge(processor)).toMatchObject({ outcome: 'succeeded' });
    expect(await charge(replica)).toMatchObject({ outcome: 'succeeded' });
    // A new key starts its own count.
    await expect(
      processor.charge({ idempotencyKey: newKey(), token: 'tok_flaky', amount: usd(100) }),
    ).rejects.toBeInstanceOf(TransientProcessorError);
  });

  it('charges once when calls with one key race', async () => {
    const key = newKey();
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        processor.charge({ idempotencyKey: key, token: 'tok_ok', amount: usd(100) }),
      ),
    );
    expect(new Set(results.map((result) => result.reference)).size).toBe(1);
    const rows = await handle.sql`select attempts from processor_operations where idempotency_key = ${key}`;
    expect(rows).toEqual([{ attempts: 1 }]);
  });

  it('refunds a succeeded charge once, and nothing it did not charge', async () => {
    const orderId = crypto.randomUUID();
    const charge = await processor.charge({
      idempotencyKey: chargeKey(orderId),
      token: 'tok_ok',
      amount: usd(300),
    });
    const refund = (key: string, amount = usd(300), chargeReference = charge.reference) =>
      processor.refund({ idempotencyKey: key, chargeReference, amount });

    expect(await refund(refundKey(orderId), usd(301))).toMatchObject({
      outcome: 'declined',
      reason: 'amount_exceeds_charge',
    });
    const otherOrder = crypto.randomUUID();
    expect(await refund(refundKey(otherOrder))).toMatchObject({ outcome: 'succeeded' });
    // Given back once already, under another key.
    expect(await refund(`refund:${crypto.randomUUID()}`)).toMatchObject({
      outcome: 'declined',
      reason: 'already_refunded',
    });
    expect(await refund(`refund:${crypto.randomUUID()}`, usd(1), crypto.randomUUID())).toMatchObject({
      outcome: 'declined',
      reason: 'charge_not_found',
    });
    const declined = await processor.charge({
      idempotencyKey: newKey(),
      token: 'tok_declined',
      amount: usd(300),
    });
    expect(await refund(`refund:${crypto.randomUUID()}`, usd(300), declined.reference)).toMatchObject({
      outcome: 'declined',
      reason: 'charge_not_succeeded',
    });
  });
});
