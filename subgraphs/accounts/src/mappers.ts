import type { UserRow } from './db/schema';

// What resolvers pass around for each GraphQL type (read by codegen.ts).

/** A user; `justAuthenticated` when this request proved to be them (signUp, logIn) and may see their own data. */
export type UserMapper = UserRow & { justAuthenticated?: true };

export interface AuthPayloadMapper {
  token: string;
  expiresAt: Date;
  user: UserMapper;
}
