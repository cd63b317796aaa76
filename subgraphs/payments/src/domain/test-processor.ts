import { newId } from '@shop/platform/ids';
import { and, eq, ne } from 'drizzle-orm';
import type { Db } from '../db/database';
import { type ProcessorOperationRow, processorOperations } from '../db/schema';
import {
  type ChargeRequest,
  type PaymentProcessor,
  type ProcessorResult,
  type RefundRequest,
  TransientProcessorError,
} from './payment-processor';

/** The payment tokens the test processor knows (docs/checkout-and-events.md); any other token is declined as `unknown_token`. */
export const TEST_TOKENS = { ok: 'tok_ok', declined: 'tok_declined', flaky: 'tok_flaky' } as const;

/** tok_flaky fails this many attempts per idempotency key before it succeeds. */
export const FLAKY_FAILURES = 2;

type Decision = { outcome: 'succeeded' } | { outcome: 'declined'; reason: string };

/**
 * The built-in processor (`PAYMENT_PROCESSOR=test`): a pretend provider whose records are the
 * `processor_operations` table. Each call is one transaction of its own on `ledger()`, a
 * connection that is not the event handler's, so what it did survives the handler's rollback
 * or crash, as a real provider's would. Attempts are counted in the row, so tok_flaky's two
 * failures are two over all replicas and restarts, not per process.
 *
 * `ledger` is asked for the connection at each call: in tests the database only exists once
 * the service has started.
 */
export function createTestProcessor(ledger: () => Db): PaymentProcessor {
  return {
    charge: (request: ChargeRequest) =>
      perform(
        ledger(),
        { kind: 'charge', key: request.idempotencyKey, amount: request.amount, token: request.token },
        async (row) => decideCharge(row.token),
      ),
    refund: (request: RefundRequest) =>
      perform(
        ledger(),
        {
          kind: 'refund',
          key: request.idempotencyKey,
          amount: request.amount,
          chargeReference: request.chargeReference,
        },
        (row, tx) => decideRefund(tx, row),
      ),
  };
}

function decideCharge(token: string | null): Decision {
  switch (token) {
    case TEST_TOKENS.ok:
    case TEST_TOKENS.flaky:
      return { outcome: 'succeeded' };
    case TEST_TOKENS.declined:
      return { outcome: 'declined', reason: 'card_declined' };
    default:
      return { outcome: 'declined', reason: 'unknown_token' };
  }
}

/** A refund gives back at most what one succeeded charge took, once. */
async function decideRefund(tx: Db, refund: ProcessorOperationRow): Promise<Decision> {
  if (!refund.chargeReference) return { outcome: 'declined', reason: 'charge_not_found' };
  const [charge] = await tx
    .select()
    .from(processorOperations)
    .where(
      and(eq(processorOperations.reference, refund.chargeReference), eq(processorOperations.kind, 'charge')),
    )
    // Two refunds of one charge under different keys take turns here.
    .for('update');
  if (!charge) return { outcome: 'declined', reason: 'charge_not_found' };
  if (charge.outcome !== 'succeeded') return { outcome: 'declined', reason: 'charge_not_succeeded' };
  if (charge.currency !== refund.currency || refund.amount > charge.amount)
    return { outcome: 'declined', reason: 'amount_exceeds_charge' };
  const [earlier] = await tx
    .select({ key: processorOperations.idempotencyKey })
    .from(processorOperations)
    .where(
      and(
        eq(processorOperations.chargeReference, charge.reference),
        eq(processorOperations.outcome, 'succeeded'),
        ne(processorOperations.idempotencyKey, refund.idempotencyKey),
      ),
    )
    .limit(1);
  if (earlier) return { outcome: 'declined', reason: 'already_refunded' };
  return { outcome: 'succeeded' };
}

interface Operation {
  kind: 'charge' | 'refund';
  key: string;
  amount: { amount: number; currency: string };
  token?: string;
  chargeReference?: string;
}

async function perform(
  db: Db,
  operation: Operation,
  decide: (row: ProcessorOperationRow, tx: Db) => Promise<Decision>,
): Promise<ProcessorResult> {
  const attempt = await db.transaction(async (tx) => {
    const token = operation.token ?? (await tokenOfCharge(tx, operation.chargeReference));
    await tx
      .insert(processorOperations)
      .values({
        idempotencyKey: operation.key,
        kind: operation.kind,
        reference: newId(),
        token,
        amount: operation.amount.amount,
        currency: operation.amount.currency,
        chargeReference: operation.chargeReference ?? null,
      })
      .onConflictDoNothing();
    // Concurrent calls with one key take turns: the second sees what the first recorded.
    const [row] = await tx
      .select()
      .from(processorOperations)
      .where(eq(processorOperations.idempotencyKey, operation.key))
      .for('update');
    if (!row) throw new Error(`processor operation ${operation.key} vanished`);
    // A repeated key gets the recorded result, whatever else the request says (as providers do).
    if (row.outcome !== null) return { row };
    const attempts = row.attempts + 1;
    if (row.token === TEST_TOKENS.flaky && attempts <= FLAKY_FAILURES) {
      // Counted durably, then failed: the count must survive the error that follows.
      await tx
        .update(processorOperations)
        .set({ attempts })
        .where(eq(processorOperations.idempotencyKey, operation.key));
      return { failedAttempt: attempts };
    }
    const decision = await decide(row, tx);
    const [completed] = await tx
      .update(processorOperations)
      .set({
        attempts,
        outcome: decision.outcome,
        declineReason: decision.outcome === 'declined' ? decision.reason : null,
        completedAt: new Date(),
      })
      .where(eq(processorOperations.idempotencyKey, operation.key))
      .returning();
    return { row: completed ?? row };
  });
  if ('failedAttempt' in attempt)
    throw new TransientProcessorError(
      `the test processor is unavailable (tok_flaky, attempt ${attempt.failedAttempt} of ${operation.key})`,
    );
  return resultOf(attempt.row);
}

/** A refund is made with the charge's payment method, so tok_flaky is flaky for its refund too. */
async function tokenOfCharge(tx: Db, chargeReference: string | undefined): Promise<string> {
  if (!chargeReference) return 'none';
  const [charge] = await tx
    .select({ token: processorOperations.token })
    .from(processorOperations)
    .where(eq(processorOperations.reference, chargeReference));
  return charge?.token ?? 'none';
}

function resultOf(row: ProcessorOperationRow): ProcessorResult {
  if (row.outcome === 'succeeded') return { outcome: 'succeeded', reference: row.reference };
  return { outcome: 'declined', reference: row.reference, reason: row.declineReason ?? 'declined' };
}
