/** A failure the CLI reports in one line and exits 1 on: the registry said no, or could not be reached. */
export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

/** The registry's HTTP API as the CLI uses it (docs/schema-registry.md). */
export interface RegistryClient {
  url: string;
  get(path: string): Promise<unknown>;
  getText(path: string): Promise<string>;
  post(path: string, body: unknown): Promise<unknown>;
}

export function registryClient(url: string, token: string, timeoutMs = 60_000): RegistryClient {
  const base = url.replace(/\/+$/, '');
  const request = async (method: string, path: string, body?: unknown): Promise<Response> => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new RegistryError(`cannot reach the registry at ${base} (${cause})`, null);
    }
    if (response.ok) return response;
    const text = await response.text();
    let message = text;
    let details: string[] = [];
    try {
      const json = JSON.parse(text) as { error?: string; errors?: string[] };
      message = json.error ?? text;
      details = json.errors ?? [];
    } catch {}
    throw new RegistryError(`the registry answered ${response.status}: ${message}`, response.status, details);
  };
  return {
    url: base,
    get: async (path) => (await request('GET', path)).json(),
    getText: async (path) => (await request('GET', path)).text(),
    post: async (path, body) => (await request('POST', path, body)).json(),
  };
}
