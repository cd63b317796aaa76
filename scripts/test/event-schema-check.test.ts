import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_CONTRACTS } from '@shop/platform/events';
import { afterAll, describe, expect, it } from 'vitest';
import { EVENT_SCHEMAS_DIR } from '../lib/event-schemas';
import { checkEventSchemaChanges, lintEventSchemas } from '../lib/schema-check/event-contracts';
import { checkEventProducers, readServiceEventNames } from '../lib/schema-check/event-producers';
import { ROOT, SUBGRAPHS } from '../lib/services';
import { git } from './fixture-tree';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** The repository's event schemas committed on main, then a feature branch where `change` edited orders.proto. */
function branchWith(change: (proto: string) => string): string {
  const root = mkdtempSync(join(tmpdir(), 'shop-event-check-'));
  made.push(root);
  cpSync(join(ROOT, 'buf.yaml'), join(root, 'buf.yaml'));
  cpSync(join(ROOT, EVENT_SCHEMAS_DIR), join(root, EVENT_SCHEMAS_DIR), { recursive: true });
  git(root, 'init', '--quiet', '--initial-branch', 'main');
  git(root, 'add', '-A');
  git(root, 'commit', '--quiet', '-m', 'base');
  git(root, 'checkout', '--quiet', '-b', 'feature');
  const file = join(root, EVENT_SCHEMAS_DIR, 'orders.proto');
  const before = readFileSync(file, 'utf8');
  const after = change(before);
  expect(after).not.toBe(before);
  writeFileSync(file, after);
  git(root, 'commit', '--quiet', '-am', 'change');
  return root;
}

describe('schema:check on the event schemas', () => {
  it('passes a new field with a new number, against the merge base with main', async () => {
    const root = branchWith((proto) =>
      proto.replace(
        '  string payment_token = 4 [(shop.events.v1.rules).required = true];\n',
        '  string payment_token = 4 [(shop.events.v1.rules).required = true];\n  string coupon = 5;\n',
      ),
    );
    const step = await checkEventSchemaChanges(root, undefined, false, root);
    expect(step).toMatchObject({ status: 'pass', summary: expect.stringMatching(/no breaking change$/) });
    expect((await lintEventSchemas(root, false)).status).toBe('pass');
  });

  it('fails on a removed field, naming the field and the message', async () => {
    const root = branchWith((proto) =>
      proto.replace('  string payment_token = 4 [(shop.events.v1.rules).required = true];\n', ''),
    );
    const step = await checkEventSchemaChanges(root, undefined, false, root);
    expect(step.status).toBe('fail');
    expect(step.summary).toMatch(/^against merge base with main \([0-9a-f]{7}\): 2 breaking changes$/);
    expect(step.details[0]).toMatch(/orders\.proto.*"payment_token".*"OrderPaymentRequested".*deleted/);
  });

  it('fails on a changed field number and on a changed type', async () => {
    const renumbered = branchWith((proto) =>
      proto.replace(
        '  Money total = 4 [(shop.events.v1.rules).required = true];',
        '  Money total = 5 [(shop.events.v1.rules).required = true];',
      ),
    );
    const moved = await checkEventSchemaChanges(renumbered, undefined, false, renumbered);
    expect(moved.status).toBe('fail');
    expect(moved.details.join('\n')).toMatch(/"4".*"total".*"OrderPlaced".*deleted/);

    const retyped = branchWith((proto) =>
      proto.replace(
        'message Line {\n  string product_id = 1 [(shop.events.v1.rules).uuid = true];\n  uint32 quantity = 2',
        'message Line {\n  string product_id = 1 [(shop.events.v1.rules).uuid = true];\n  string quantity = 2',
      ),
    );
    const changed = await checkEventSchemaChanges(retyped, undefined, false, retyped);
    expect(changed.status).toBe('fail');
    expect(changed.details[0]).toMatch(/"quantity".*"Line".*type.*"uint32".*"string"/);
  });

  it('fails lint on a field name that breaks buf.yaml rules', async () => {
    const root = branchWith((proto) => proto.replace('string payment_token = 4', 'string paymentToken = 4'));
    const step = await lintEventSchemas(root, false);
    expect(step.status).toBe('fail');
    expect(step.details[0]).toMatch(/orders\.proto:\d+:\d+:.*"paymentToken".*lower_snake_case/);
  });
});

describe('schema:check on who produces the events consumed', () => {
  const contracts = EVENT_CONTRACTS.map(({ event }) => event);
  const confirmed = { producer: 'orders', type: 'order.confirmed', version: 1 };

  it('passes the services as they are: every consumed event published by its producer', async () => {
    const services = await readServiceEventNames(ROOT, SUBGRAPHS);
    expect(services.map((service) => service.service).sort()).toEqual([
      'inventory',
      'orders',
      'payments',
      'products',
      'reviews',
    ]);
    const step = checkEventProducers(services, contracts, false);
    expect(step).toMatchObject({ status: 'pass', details: [] });
    expect(step.summary).toBe(
      '16 published events, each in schema/events; 18 consumed events, each published by its producer',
    );
  });

  it('fails a consumer waiting for an event its producer does not publish, or one without a contract', () => {
    const step = checkEventProducers(
      [
        { service: 'orders', publishes: [], consumes: [] },
        {
          service: 'reviews',
          publishes: [],
          consumes: [confirmed, { producer: 'orders', type: 'order.shipped', version: 1 }],
        },
        {
          service: 'products',
          publishes: [{ producer: 'products', type: 'product.deleted', version: 1 }],
          consumes: [],
        },
      ],
      contracts,
      false,
    );
    expect(step.status).toBe('fail');
    expect(step.details).toEqual([
      'reviews consumes orders/order.confirmed@1, which orders does not publish',
      'reviews consumes orders/order.shipped@1, which has no message in schema/events',
      'reviews consumes orders/order.shipped@1, which orders does not publish',
      'products publishes products/product.deleted@1, which has no message in schema/events',
    ]);
  });
});
