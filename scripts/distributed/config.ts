import { readFileSync } from 'node:fs';
import { loadConfig, serviceEnv, subgraphSecretVariable, subgraphUrlVariable } from '@shop/platform/config';
import { z } from 'zod';
import { GATEWAY, type ServiceSpec, SUBGRAPHS } from '../lib/services';

/**
 * The distributed mode's settings. Nothing is made up here: every database, the bus and every
 * secret come from the environment (or a file named by `<VARIABLE>_FILE`), because in this mode
 * they belong to the operator, not to the launcher.
 */

/** `<NAME>_DATABASE_URL`: the subgraph's own database (its own login role). */
export const databaseUrlVariable = (service: string) => `${variableName(service)}_DATABASE_URL`;
/** `<NAME>_REPLICAS`: how many processes of that service to run here (0: none, it runs elsewhere). */
export const replicasVariable = (service: string) => `${variableName(service)}_REPLICAS`;

function variableName(service: string): string {
  return service.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/**
 * `X_FILE=/run/secrets/x` stands for `X=<the file's content>` (trailing newline dropped), as
 * with Docker and Kubernetes secrets, for the variables that hold secrets; one set directly wins.
 */
export function resolveFileVariables(
  env: NodeJS.ProcessEnv,
  variables: readonly string[],
): NodeJS.ProcessEnv {
  const resolved: NodeJS.ProcessEnv = { ...env };
  for (const variable of variables) {
    const path = env[`${variable}_FILE`];
    if (!path || env[variable] !== undefined) continue;
    try {
      resolved[variable] = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new Error(
        `${variable}_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? error})`,
      );
    }
  }
  return resolved;
}

/** The variables that may come from a file. */
function secretVariables(subgraphs: readonly ServiceSpec[]): string[] {
  return [
    'NATS_URL',
    'POSTGRES_ADMIN_URL',
    'JWT_SIGNING_KEYS',
    ...subgraphs.flatMap((spec) => [databaseUrlVariable(spec.name), subgraphSecretVariable(spec.name)]),
  ];
}

const postgresUrl = z.string().regex(/^postgres(ql)?:\/\/.+/, 'must be a postgres:// connection URL');
const replicas = z.coerce.number().int().min(0).max(16).default(1);

function distributedEnv(subgraphs: readonly ServiceSpec[]) {
  return z.object({
    NODE_ENV: serviceEnv.NODE_ENV,
    LOG_LEVEL: serviceEnv.LOG_LEVEL,
    /** The NATS server (JetStream on) every service publishes to and consumes from. */
    NATS_URL: z
      .string({ message: 'is required: the distributed mode runs its events over NATS JetStream' })
      .regex(/^((nats|tls):\/\/)?[^\s/]+$/, 'must be a NATS server address such as nats://127.0.0.1:4222'),
    /** Interface every process listens on; 0.0.0.0 to be reached from other machines. */
    HOST: z.string().min(1).default('127.0.0.1'),
    /** Host name the gateway uses to reach the subgraphs run here. */
    ADVERTISED_HOST: z.string().min(1).optional(),
    /** Added to every port (4000 + offset, …): several systems on one machine (tests). */
    PORT_OFFSET: z.coerce.number().int().min(0).max(60_000).default(0),
    /** A superuser URL, only for `--create-databases`. */
    POSTGRES_ADMIN_URL: postgresUrl.optional(),
    /** accounts' access token keys, a JSON array (see the accounts subgraph). */
    JWT_SIGNING_KEYS: z.string().min(1).optional(),
    [replicasVariable(GATEWAY.name)]: replicas,
    ...Object.fromEntries(
      subgraphs.flatMap((spec) => [
        [replicasVariable(spec.name), replicas],
        [databaseUrlVariable(spec.name), postgresUrl.optional()],
        [subgraphSecretVariable(spec.name), z.string().min(1).optional()],
        [subgraphUrlVariable(spec.name), z.url({ protocol: /^https?$/ }).optional()],
      ]),
    ),
  });
}

export interface DistributedConfig {
  env: NodeJS.ProcessEnv;
  natsUrl: string;
  host: string;
  advertisedHost: string;
  portOffset: number;
  adminUrl: string | undefined;
  replicas: Map<string, number>;
  databaseUrls: Map<string, string>;
  gatewaySecrets: Map<string, string>;
  /** Where the gateway reaches each subgraph that does not run here. */
  remoteUrls: Map<string, string>;
  signingKeys: string | undefined;
}

export function loadDistributedConfig(
  rawEnv: NodeJS.ProcessEnv = process.env,
  subgraphs: readonly ServiceSpec[] = SUBGRAPHS,
): DistributedConfig {
  let env: NodeJS.ProcessEnv;
  try {
    env = resolveFileVariables(rawEnv, secretVariables(subgraphs));
  } catch (error) {
    fail([(error as Error).message]);
  }
  const parsed = loadConfig('start:distributed', distributedEnv(subgraphs), env) as Record<string, unknown>;
  const text = (variable: string) => parsed[variable] as string | undefined;
  const count = (service: string) => parsed[replicasVariable(service)] as number;
  const problems: string[] = [];
  const runsHere = (spec: ServiceSpec) => count(spec.name) > 0;
  const gatewayRunsHere = count(GATEWAY.name) > 0;
  for (const spec of subgraphs) {
    if (runsHere(spec) && !text(databaseUrlVariable(spec.name)))
      problems.push(`${databaseUrlVariable(spec.name)} is required (the ${spec.name} database)`);
    // The secret is shared by the gateway and the subgraph: needed wherever either runs here.
    if ((runsHere(spec) || gatewayRunsHere) && !text(subgraphSecretVariable(spec.name)))
      problems.push(
        `${subgraphSecretVariable(spec.name)} is required (the gateway's proof for ${spec.name})`,
      );
    if (!runsHere(spec) && gatewayRunsHere && !text(subgraphUrlVariable(spec.name)))
      problems.push(`${subgraphUrlVariable(spec.name)} is required: ${spec.name} does not run here`);
  }
  if (subgraphs.some((spec) => spec.name === 'accounts' && runsHere(spec)) && !text('JWT_SIGNING_KEYS'))
    problems.push('JWT_SIGNING_KEYS is required: every accounts replica must sign with the same keys');
  if (problems.length > 0) fail(problems);
  const host = text('HOST') as string;
  const pick = (variable: (service: string) => string) =>
    new Map(
      subgraphs.flatMap((spec) => {
        const value = text(variable(spec.name));
        return value ? [[spec.name, value] as const] : [];
      }),
    );
  return {
    env,
    natsUrl: text('NATS_URL') as string,
    host,
    advertisedHost: text('ADVERTISED_HOST') ?? (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host),
    portOffset: parsed.PORT_OFFSET as number,
    adminUrl: text('POSTGRES_ADMIN_URL'),
    replicas: new Map([GATEWAY, ...subgraphs].map((spec) => [spec.name, count(spec.name)])),
    databaseUrls: pick(databaseUrlVariable),
    gatewaySecrets: pick(subgraphSecretVariable),
    remoteUrls: pick(subgraphUrlVariable),
    signingKeys: text('JWT_SIGNING_KEYS'),
  };
}

/** One fatal line per problem, as the services' own configuration errors look, then exit 1. */
function fail(problems: readonly string[]): never {
  for (const problem of problems)
    process.stderr.write(
      `${JSON.stringify({ level: 'fatal', service: 'start:distributed', msg: `invalid configuration: ${problem}` })}\n`,
    );
  process.exit(1);
}
