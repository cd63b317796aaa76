import { provisionServiceDatabase } from '@shop/platform/db';
import postgres from 'postgres';

/**
 * `--create-databases`: gives each service the login role and database its `<NAME>_DATABASE_URL`
 * names (role and database of the same name, the URL's password), on the server
 * POSTGRES_ADMIN_URL reaches as a superuser. Idempotent, like docker/postgres/init.sh.
 */
export async function createServiceDatabases(
  adminUrl: string,
  databaseUrls: Iterable<string>,
): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    for (const url of databaseUrls) {
      const { username, password, pathname } = new URL(url);
      const name = decodeURIComponent(pathname.slice(1));
      if (decodeURIComponent(username) !== name)
        throw new Error(
          `${url.replace(/:[^:@/]*@/, ':***@')}: the role and the database must have the same name`,
        );
      await provisionServiceDatabase(admin, { name, password: decodeURIComponent(password) });
    }
  } finally {
    await admin.end();
  }
}
