import { generateKeyPairSync, type JsonWebKey, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One entry of accounts' `JWT_SIGNING_KEYS`: an ES256 private key as a JWK, signing from `activeFrom` on. */
export interface SigningKeyEntry {
  activeFrom: string;
  privateKey: JsonWebKey;
}

/** What the services of one stack share in secret. */
export interface ServiceSecrets {
  /** Per subgraph: what the gateway signs its requests with (`SUBGRAPH_<NAME>_SECRET` = its `GATEWAY_SECRET`). */
  gatewaySecrets: Record<string, string>;
  /** accounts' access token keys (`JWT_SIGNING_KEYS`). */
  signingKeys: SigningKeyEntry[];
}

/** Passwords, secrets and keys the embedded mode makes on first start and keeps in DATA_DIR (mode 0600) for the next. */
export interface LocalSecrets extends ServiceSecrets {
  postgresPassword: string;
  databasePasswords: Record<string, string>;
  /** The registry's REGISTRY_ADMIN_TOKEN: the launcher makes each subgraph's publish token with it. */
  registryAdminToken: string;
  /** The registry's USAGE_SECRET, the gateway's USAGE_REPORTING_SECRET. */
  usageSecret: string;
  /** Per subgraph: the publish token the launcher made for it, reused on the next start while it is live. */
  registryPublishTokens: Record<string, RegistryPublishToken>;
}

export interface RegistryPublishToken {
  id: number;
  token: string;
}

const newPassword = () => randomBytes(24).toString('base64url');
const newGatewaySecret = () => randomBytes(32).toString('base64url');

export function newSigningKey(activeFrom: Date = new Date()): SigningKeyEntry {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { activeFrom: activeFrom.toISOString(), privateKey: privateKey.export({ format: 'jwk' }) };
}

/** Fresh secrets for a stack that keeps nothing between runs (tests, benchmarks). */
export function newServiceSecrets(services: readonly string[]): ServiceSecrets {
  return {
    gatewaySecrets: Object.fromEntries(services.map((service) => [service, newGatewaySecret()])),
    signingKeys: [newSigningKey()],
  };
}

export function loadLocalSecrets(dataDir: string, services: readonly string[]): LocalSecrets {
  const file = join(dataDir, 'secrets.json');
  const stored: Partial<LocalSecrets> = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalSecrets>)
    : {};
  // A file from an older version lacks what was added since: it is completed, never replaced.
  const secrets: LocalSecrets = {
    postgresPassword: stored.postgresPassword ?? newPassword(),
    databasePasswords: { ...stored.databasePasswords },
    gatewaySecrets: { ...stored.gatewaySecrets },
    signingKeys: stored.signingKeys?.length ? stored.signingKeys : [newSigningKey()],
    registryAdminToken: stored.registryAdminToken ?? newGatewaySecret(),
    usageSecret: stored.usageSecret ?? newGatewaySecret(),
    registryPublishTokens: { ...stored.registryPublishTokens },
  };
  for (const service of services) {
    secrets.databasePasswords[service] ??= newPassword();
    secrets.gatewaySecrets[service] ??= newGatewaySecret();
  }
  if (JSON.stringify(secrets) !== JSON.stringify(stored)) saveLocalSecrets(dataDir, secrets);
  return secrets;
}

/** Writes the secrets to DATA_DIR/secrets.json, readable by this user only. */
export function saveLocalSecrets(dataDir: string, secrets: LocalSecrets): void {
  const file = join(dataDir, 'secrets.json');
  // Readable folder (the Postgres system user may need to pass through it); the secrets file itself is 0600.
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  // `mode` applies only to a new file; one written by an older version may be readable by others.
  chmodSync(file, 0o600);
}
