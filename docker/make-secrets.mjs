// `node make-secrets.mjs <folder> <service>...`: the secrets compose.yaml's services read as files,
// made once and kept (the folder is a volume, or a folder of your own: SHOP_SECRETS=./my-secrets).
// A file that exists is never replaced, so secrets you provide win and restarts change nothing.
// Per service: <service>_db_password, <service>_database_url (its own role and database on
// POSTGRES_HOST) and <service>_gateway_secret; and postgres_password, jwt_signing_keys.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [folder, ...services] = process.argv.slice(2);
if (!folder || services.length === 0) {
  console.error('usage: node make-secrets.mjs <folder> <service>...');
  process.exit(2);
}
const host = process.env.POSTGRES_HOST ?? 'postgres';
mkdirSync(folder, { recursive: true });

const made = [];
function keep(name, make) {
  const file = join(folder, name);
  if (!existsSync(file)) {
    // Readable by the services' users (node, postgres), written by no one but this.
    writeFileSync(file, make(), { mode: 0o444 });
    made.push(name);
  }
  chmodSync(file, 0o444);
  return readFileSync(file, 'utf8').trim();
}
const password = () => randomBytes(24).toString('base64url');

keep('postgres_password', password);
keep('jwt_signing_keys', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return JSON.stringify([
    { activeFrom: new Date().toISOString(), privateKey: privateKey.export({ format: 'jwk' }) },
  ]);
});
for (const service of services) {
  if (!/^[a-z][a-z0-9_]*$/.test(service)) throw new Error(`not a service name: ${service}`);
  const dbPassword = keep(`${service}_db_password`, password);
  keep(`${service}_database_url`, () => `postgres://${service}:${dbPassword}@${host}:5432/${service}`);
  keep(`${service}_gateway_secret`, () => randomBytes(32).toString('base64url'));
}
process.stdout.write(`${made.length ? `made ${made.join(', ')}` : 'every secret exists already'}\n`);
