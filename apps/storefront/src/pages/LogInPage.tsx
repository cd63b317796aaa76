import { useMutation } from '@apollo/client/react';
import { type FormEvent, useState } from 'react';
import { LogInDocument, SignUpDocument } from '../../../../schema/__generated__/graphql';
import { errorCode, errorField } from '../apollo';
import { Link, navigate, useLocation } from '../router';
import { type Session, setSession } from '../session';
import { useTitle } from '../use-title';

const MESSAGES: Record<string, string> = {
  UNAUTHENTICATED: 'Wrong email or password.',
  CONFLICT: 'An account with this email exists already: log in instead.',
  RATE_LIMITED: 'Too many attempts: please wait a moment and try again.',
};

export default function LogInPage({ mode }: { mode: 'login' | 'signup' }) {
  useTitle(mode === 'login' ? 'Log in' : 'Sign up');
  const { params } = useLocation();
  const [logIn, loggingIn] = useMutation(LogInDocument);
  const [signUp, signingUp] = useMutation(SignUpDocument);
  const [failure, setFailure] = useState<{ message: string; field?: string }>();
  const next = params.get('next')?.startsWith('/') ? (params.get('next') as string) : '/';

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get('email'));
    const password = String(form.get('password'));
    try {
      const result =
        mode === 'login'
          ? (await logIn({ variables: { email, password } })).data?.logIn
          : (await signUp({ variables: { input: { email, password, name: String(form.get('name')) } } })).data
              ?.signUp;
      if (result) {
        setSession(result as Session);
        navigate(next, { replace: true });
      }
    } catch (error) {
      const code = errorCode(error);
      setFailure({ message: (code && MESSAGES[code]) ?? (error as Error).message, field: errorField(error) });
    }
  };
  const fieldError = (field: string) =>
    failure?.field?.endsWith(field) ? { 'aria-invalid': true, 'aria-describedby': 'form-error' } : {};

  return (
    <>
      <h1>{mode === 'login' ? 'Log in' : 'Create an account'}</h1>
      <form className="stack narrow" onSubmit={submit}>
        {mode === 'signup' ? (
          <label>
            Name
            <input name="name" autoComplete="name" required {...fieldError('name')} />
          </label>
        ) : null}
        <label>
          Email
          <input name="email" type="email" autoComplete="email" required {...fieldError('email')} />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
            required
            {...fieldError('password')}
          />
        </label>
        {failure ? (
          <p id="form-error" role="alert" className="error">
            {failure.message}
          </p>
        ) : null}
        <button type="submit" disabled={loggingIn.loading || signingUp.loading}>
          {mode === 'login' ? 'Log in' : 'Sign up'}
        </button>
      </form>
      <p>
        {mode === 'login' ? (
          <Link to={`/signup?next=${encodeURIComponent(next)}`}>No account yet? Sign up</Link>
        ) : (
          <Link to={`/login?next=${encodeURIComponent(next)}`}>Have an account? Log in</Link>
        )}
      </p>
    </>
  );
}
