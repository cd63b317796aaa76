import { z } from 'zod';

/**
 * The one place where configuration comes in from the environment. Each service declares a
 * zod schema in its own `src/config.ts` and calls `loadConfig` once at start; nothing else
 * reads `process.env`.
 */
export function loadConfig<TSchema extends z.ZodType>(
  service: string,
  schema: TSchema,
  env: NodeJS.ProcessEnv = process.env,
): z.output<TSchema> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  // One line per bad variable, as JSON like every other log line, then exit: a service
  // with a wrong setting must not half-start.
  for (const issue of result.error.issues) {
    const variable = issue.path.join('.') || '(environment)';
    const got = typeof issue.path[0] === 'string' ? env[issue.path[0]] : undefined;
    process.stderr.write(
      `${JSON.stringify({
        level: 'fatal',
        time: Date.now(),
        service,
        msg: `invalid configuration: ${variable}: ${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(redact(variable, got))})`}`,
      })}\n`,
    );
  }
  process.exit(1);
}

function redact(variable: string, value: string): string {
  if (/SECRET|PASSWORD|KEY|TOKEN/.test(variable)) return '<redacted>';
  return redactUrlPassword(value);
}

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`, for logs. */
export function redactUrlPassword(value: string): string {
  return value.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

/** Settings every service has. Services extend this with their own. */
export const serviceEnv = {
  /** `production` turns introspection, the playground and "did you mean" suggestions off and asks for real secrets. */
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** Address to listen on (`0.0.0.0` in containers). */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Least level of the JSON log lines written to stdout, or `silent`. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Seconds an in-flight request may take to finish after SIGTERM before the process exits anyway. */
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(600).default(10),
};

export const portEnv = (defaultPort: number) =>
  z.coerce
    .number({ message: 'must be a port number' })
    .int('must be a port number')
    .min(0, 'must be a port number between 0 and 65535')
    .max(65535, 'must be a port number between 0 and 65535')
    .default(defaultPort);

export const postgresUrlEnv = (defaultUrl: string) =>
  z
    .string()
    .default(defaultUrl)
    .refine((value) => /^postgres(ql)?:\/\/.+/.test(value), 'must be a postgres:// connection URL');

/**
 * The variable that overrides where the gateway reaches a subgraph: `SUBGRAPH_<NAME>_URL`,
 * NAME being the subgraph's name in upper case with anything but letters and digits as `_`.
 */
export function subgraphUrlVariable(subgraph: string): string {
  return `SUBGRAPH_${subgraphVariableName(subgraph)}_URL`;
}

/** The gateway's variable for the secret it signs a subgraph's requests with: `SUBGRAPH_<NAME>_SECRET`. */
export function subgraphSecretVariable(subgraph: string): string {
  return `SUBGRAPH_${subgraphVariableName(subgraph)}_SECRET`;
}

function subgraphVariableName(subgraph: string): string {
  return subgraph.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}
