import type { UserRow } from './db/schema';

// What resolvers pass around for each GraphQL type (read by codegen.ts).
export type UserMapper = UserRow;
