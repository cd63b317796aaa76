import type { MutationResolvers } from '../../__generated__/resolvers-types';
import { logIn as checkCredentials } from '../../domain/log-in';

export const logIn: MutationResolvers['logIn'] = async (
  _parent,
  { email, password },
  { db, tokens, loginLimits, clientAddress },
) => {
  const user = await checkCredentials(db, { email, password, clientAddress }, loginLimits);
  return { ...(await tokens.issue(user)), user: { ...user, justAuthenticated: true } };
};
