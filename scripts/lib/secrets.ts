import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Passwords the embedded mode makes on first start and keeps in DATA_DIR (mode 0600) for the next. */
export interface LocalSecrets {
  postgresPassword: string;
  databasePasswords: Record<string, string>;
}

const newPassword = () => randomBytes(24).toString('base64url');

export function loadLocalSecrets(dataDir: string, services: readonly string[]): LocalSecrets {
  const file = join(dataDir, 'secrets.json');
  const secrets: LocalSecrets = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as LocalSecrets)
    : { postgresPassword: newPassword(), databasePasswords: {} };
  let changed = !existsSync(file);
  for (const service of services) {
    if (secrets.databasePasswords[service]) continue;
    secrets.databasePasswords[service] = newPassword();
    changed = true;
  }
  if (changed) {
    // Readable folder (the Postgres system user may need to pass through it); the secrets file itself is 0600.
    mkdirSync(dataDir, { recursive: true, mode: 0o755 });
    writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  }
  return secrets;
}
