import type { Sql } from 'postgres';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const PASSWORD = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * Gives a service its own login role and its own database, owned by that role and closed to
 * every other role: the "database per service" rule enforced by Postgres itself, not by
 * convention. Idempotent; also resets the role's password to `password`.
 */
export async function provisionServiceDatabase(
  admin: Sql,
  service: { name: string; password: string },
): Promise<void> {
  const { name, password } = service;
  if (!IDENTIFIER.test(name)) throw new Error(`not a safe database name: ${name}`);
  // DDL takes no bind parameters; both values are checked against strict patterns above and below.
  if (!PASSWORD.test(password)) throw new Error(`the generated password for ${name} has an unexpected shape`);
  const [role] = await admin`select 1 from pg_roles where rolname = ${name}`;
  await admin.unsafe(
    `${role ? 'alter' : 'create'} role "${name}" with login nosuperuser nocreatedb nocreaterole password '${password}'`,
  );
  const [database] = await admin`select 1 from pg_database where datname = ${name}`;
  if (!database) await admin.unsafe(`create database "${name}" owner "${name}"`);
  await admin.unsafe(`revoke all on database "${name}" from public`);
}

/** The connection URL of a service's own database on the server `adminUrl` points at. */
export function serviceDatabaseUrl(adminUrl: string, service: { name: string; password: string }): string {
  const url = new URL(adminUrl);
  url.username = service.name;
  url.password = service.password;
  url.pathname = `/${service.name}`;
  return url.toString();
}
