// Logging in from the playground's pages: email and password through the API's logIn mutation,
// or an access token pasted as is (with or without its "Bearer ").

const LOG_IN = `mutation LogIn($email: String!, $password: String!) {
  logIn(email: $email, password: $password) { token }
}`;

/** The access token the API gives for `email` and `password`; throws with the API's reason. */
export async function logIn(email, password) {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: LOG_IN, operationName: 'LogIn', variables: { email, password } }),
  });
  const body = await response.json().catch(() => null);
  const token = body?.data?.logIn?.token;
  if (!token) throw new Error(body?.errors?.[0]?.message ?? `the gateway answered ${response.status}`);
  return token;
}

/** A pasted token without its "Bearer "; empty when nothing was pasted. */
export function pastedToken(text) {
  return text.trim().replace(/^bearer\s+/i, '');
}
