import type { MutationResolvers } from '../../__generated__/resolvers-types';
import { signUp as createAccount } from '../../domain/sign-up';

export const signUp: MutationResolvers['signUp'] = async (
  _parent,
  { input },
  { db, tokens, signUpLimits, clientAddress },
) => {
  const user = await createAccount(db, input, clientAddress, signUpLimits);
  return { ...(await tokens.issue(user)), user: { ...user, justAuthenticated: true } };
};
