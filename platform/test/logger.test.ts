import { Writable } from 'node:stream';
import { createTestDatabase, type TestDatabase } from '@shop/devkit/testing';
import { connectDatabase, type DatabaseHandle } from '@shop/platform/db';
import { createLogger } from '@shop/platform/logger';
import { createMetrics } from '@shop/platform/metrics';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let database: TestDatabase;
let handle: DatabaseHandle<Record<string, never>>;

beforeAll(async () => {
  database = await createTestDatabase('logger');
  // With metrics, as every service connects: the driver then keeps each statement's parameters.
  handle = connectDatabase({ url: database.url, schema: {}, metrics: createMetrics('logger-test') });
  await handle.sql`create table users (email text primary key, password_hash text not null)`;
  await handle.sql`insert into users values ('alice@shop.test', '$argon2id$alice-hash')`;
});
afterAll(async () => {
  await handle.close();
  await database.drop();
});

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger('test', 'info', destination), lines };
}

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the statement to fail');
}

describe('the logger', () => {
  it('never writes the values a failed statement was sent, from Drizzle, postgres.js or Postgres', async () => {
    const { logger, lines } = capture();
    const nul = await failure(() =>
      handle.db.execute(
        sql`select * from users where email = ${'mallory\u0000@shop.test'} or password_hash = ${'$argon2id$alice-hash'}`,
      ),
    );
    const duplicate = await failure(() =>
      handle.db.execute(sql`insert into users values (${'alice@shop.test'}, ${'$argon2id$bob-hash'})`),
    );
    logger.error({ err: nul }, 'unexpected error while serving a request');
    logger.error({ err: duplicate }, 'unexpected error while serving a request');
    const written = lines.join('\n');
    expect(lines).toHaveLength(2);
    for (const secret of ['argon2id', 'alice@shop.test', 'mallory']) expect(written).not.toContain(secret);
    // What the statement was and why it failed is still there.
    expect(written).toContain('select * from users where email = $1');
    expect(written).toContain('users_pkey');
    expect(written).toContain('[redacted]');
  });

  it('writes a newline or an escape sequence a client sent as escaped text, never as a line of its own', () => {
    const { logger, lines } = capture();
    logger.warn({ operationName: 'x\n{"level":"info","msg":"forged"}\u001b[2J' }, 'refused\nforged line');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(entry.operationName).toBe('x\n{"level":"info","msg":"forged"}\u001b[2J');
    expect(lines[0]).not.toContain('\u001b');
    expect(lines[0]).toContain('\\u001b');
  });

  it('writes a DOMException (a request that timed out) as the error it is, its cause included', () => {
    const { logger, lines } = capture();
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    logger.error({ err: new Error('subgraph orders failed', { cause: timeout }) }, 'a subgraph failed');
    logger.error({ err: timeout }, 'timed out');
    expect(lines).toHaveLength(2);
    const [wrapped, bare] = lines.map((line) => JSON.parse(line) as { err: Record<string, unknown> });
    expect(wrapped?.err.message).toBe('subgraph orders failed: The operation was aborted due to timeout');
    expect(bare?.err).toMatchObject({ type: 'DOMException', name: 'TimeoutError', code: 23 });
  });
});
