import { createRandom, demoSeeder, insertInChunks, type SeedPlan, seedIds } from '@shop/devkit/seed';
import type { config } from '../config';
import { hashPassword } from '../passwords';
import type { Db, Tables } from './database';
import { users } from './schema';

const FIRST_NAMES = [
  'Ada',
  'Ben',
  'Chloe',
  'David',
  'Elena',
  'Farid',
  'Grace',
  'Hugo',
  'Ines',
  'Jonas',
  'Kemi',
  'Liam',
  'Maya',
  'Noah',
  'Olga',
  'Priya',
  'Quinn',
  'Rosa',
  'Sami',
  'Tara',
];
const LAST_NAMES = [
  'Andersen',
  'Baker',
  'Costa',
  'Dubois',
  'Evans',
  'Fischer',
  'Garcia',
  'Haddad',
  'Ito',
  'Jensen',
  'Kowalski',
  'Lopez',
  'Moreau',
  'Nakamura',
  'Okafor',
  'Petrov',
];

/** The demo accounts named in the README. */
export const DEMO_USERS = [
  { index: 0, email: 'alice@shop.test', name: 'Alice Example' },
  { index: 1, email: 'bob@shop.test', name: 'Bob Example' },
] as const;
export const DEMO_ADMIN = { email: 'admin@shop.test', name: 'Shop Admin' } as const;

/** The passwords seeded accounts log in with: the admin's, and every customer's. */
export interface DemoPasswords {
  admin: string;
  customer: string;
}
export const DEMO_PASSWORDS: DemoPasswords = { admin: 'admin-password', customer: 'customer-password' };

/** Seeds users; with `passwords` null nobody can log in to them (production data). */
export async function seed(
  db: Db,
  plan: SeedPlan,
  passwords: DemoPasswords | null = DEMO_PASSWORDS,
): Promise<Record<string, number>> {
  const random = createRandom(plan.seed, 'users');
  // One hash per password, shared by every customer: hashing thousands costs minutes, not seconds.
  const [adminHash, customerHash] = passwords
    ? await Promise.all([hashPassword(passwords.admin), hashPassword(passwords.customer)])
    : [null, null];
  const rows: (typeof users.$inferInsert)[] = [
    {
      id: seedIds.admin(),
      email: DEMO_ADMIN.email,
      name: DEMO_ADMIN.name,
      role: 'ADMIN',
      passwordHash: adminHash,
    },
    ...DEMO_USERS.map((user) => ({
      id: seedIds.user(user.index),
      email: user.email,
      name: user.name,
      role: 'CUSTOMER' as const,
      passwordHash: customerHash,
    })),
  ];
  for (let index = DEMO_USERS.length; index < plan.users; index += 1) {
    const first = random.pick(FIRST_NAMES);
    const last = random.pick(LAST_NAMES);
    rows.push({
      id: seedIds.user(index),
      email: `${first}.${last}.${index}@customers.shop.test`.toLowerCase(),
      name: `${first} ${last}`,
      role: 'CUSTOMER',
      passwordHash: customerHash,
    });
  }
  await insertInChunks(rows, (chunk) => db.insert(users).values(chunk).onConflictDoNothing());
  return { users: rows.length };
}

// Demo accounts anyone can log in to have no place in production data.
export const seeder = demoSeeder<Tables, typeof config>((db, plan, settings) =>
  seed(
    db,
    plan,
    settings.NODE_ENV === 'production' ? null : { ...DEMO_PASSWORDS, admin: settings.SEED_ADMIN_PASSWORD },
  ),
);
