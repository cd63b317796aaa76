import { join } from 'node:path';
import { startEmbeddedPostgres } from '@shop/devkit/embedded-postgres';
import postgres from 'postgres';
import type { LauncherConfig } from '../config';
import type { LocalSecrets } from './secrets';

export interface DatabaseServer {
  adminUrl: string;
  /** Where the embedded cluster keeps its files; undefined for an external server. */
  dataDir?: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/**
 * The Postgres server the services' databases live on: DATABASE_URL when given, otherwise
 * the embedded one in DATA_DIR — reused if it is already running (say, under `npm start`).
 */
export async function openDatabaseServer(
  config: LauncherConfig,
  secrets: LocalSecrets,
  log: (line: string) => void,
): Promise<DatabaseServer> {
  if (config.DATABASE_URL) return { adminUrl: config.DATABASE_URL, embedded: false, stop: async () => {} };
  const url = `postgres://postgres:${encodeURIComponent(secrets.postgresPassword)}@127.0.0.1:${config.EMBEDDED_POSTGRES_PORT}/postgres`;
  if (await accepts(url)) return { adminUrl: url, embedded: true, stop: async () => {} };
  const server = await startEmbeddedPostgres({
    dataDir: join(config.DATA_DIR, 'postgres'),
    port: config.EMBEDDED_POSTGRES_PORT,
    superuserPassword: secrets.postgresPassword,
    log,
  });
  return { adminUrl: server.url, dataDir: server.dataDir, embedded: true, stop: () => server.stop() };
}

async function accepts(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}
