import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { createTestDatabase } from '@shop/devkit/testing';
import { runTypeScript } from '@shop/scripts/lib/processes';
import { ROOT } from '@shop/scripts/lib/services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PRODUCTS_MAIN = join(ROOT, 'subgraphs/products/src/main.ts');

/**
 * Starts the products service with `env` until it exits, and collects everything it prints but
 * its info lines (what went right on the way, such as connecting to the bus).
 */
async function runProducts(env: Record<string, string>): Promise<{ code: number | string; lines: string[] }> {
  const lines: string[] = [];
  const { exited } = runTypeScript('products', PRODUCTS_MAIN, {
    env: { ...process.env, LOG_LEVEL: 'info', HOST: '127.0.0.1', ...env },
    output: (_service, line) => {
      if (!/^\{.*"level":"(info|debug|trace)"/.test(line)) lines.push(line);
    },
  });
  return { code: await exited, lines };
}

let occupied: Server;
let occupiedPort: number;

beforeAll(async () => {
  occupied = createServer();
  await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', resolve));
  occupiedPort = (occupied.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => occupied.close(() => resolve())));

describe('a service that cannot start says why in one line and exits', () => {
  it('when its database cannot be reached', async () => {
    const { code, lines } = await runProducts({
      PORT: '0',
      DATABASE_URL: 'postgres://products:secret@127.0.0.1:1/products',
    });
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] as string);
    expect(entry.level).toBe('fatal');
    expect(entry.msg).toContain('cannot reach Postgres at postgres://products:***@127.0.0.1:1/products');
    expect(entry.msg).not.toContain('secret');
  });

  it('when its port is already in use', async () => {
    const database = await createTestDatabase('port_in_use');
    try {
      // Products publishes events: its bus (pg-boss, in the same test database) is up, the port is not free.
      const { code, lines } = await runProducts({
        PORT: String(occupiedPort),
        DATABASE_URL: database.url,
        EVENTS_DATABASE_URL: database.url,
        NATS_URL: '',
      });
      expect(code).toBe(1);
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0] as string)).toMatchObject({ level: 'fatal' });
      expect(lines[0]).toContain(`port ${occupiedPort} on 127.0.0.1 is already in use`);
    } finally {
      await database.drop();
    }
  });

  it('when a setting is invalid, naming the variable', async () => {
    const { code, lines } = await runProducts({ PORT: 'eighty' });
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string).msg).toMatch(/^invalid configuration: PORT: .*\(got "eighty"\)$/);
  });
});
