import { z } from 'zod';
import { loadConfig } from '../config';

// An empty variable means "not set", as it does for the OpenTelemetry SDKs themselves.
const unsetWhenEmpty = (value: unknown) => (value === '' ? undefined : value);

/**
 * The OpenTelemetry settings every service process reads (the standard variable names, so a
 * collector's usual deployment recipe works). Without an endpoint nothing is exported, but
 * every request still gets a trace id that its log lines and downstream calls carry.
 */
export const telemetryEnv = {
  /** `true` turns tracing off entirely (no trace ids in logs either). */
  OTEL_SDK_DISABLED: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .default('false')
    .transform((value) => value === 'true'),
  /** Base URL of an OTLP/HTTP collector; traces go to `<endpoint>/v1/traces`. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess(
    unsetWhenEmpty,
    z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
  ),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.preprocess(
    unsetWhenEmpty,
    z.enum(['http/protobuf', 'http/json']).default('http/protobuf'),
  ),
  /** `key=value,key2=value2`, sent with every export (a vendor's API key, for instance). */
  OTEL_EXPORTER_OTLP_HEADERS: z.preprocess(
    unsetWhenEmpty,
    z
      .string()
      .regex(/^\s*[^=,\s]+\s*=[^,]*(,\s*[^=,\s]+\s*=[^,]*)*$/, 'must be key=value pairs separated by commas')
      .optional()
      .transform(parseHeaders),
  ),
  /** Share of new traces (those the gateway starts) that are recorded and exported, 0 to 1. */
  OTEL_TRACES_SAMPLER_ARG: z.preprocess(unsetWhenEmpty, z.coerce.number().min(0).max(1).default(1)),
};

export type TelemetryConfig = z.output<z.ZodObject<typeof telemetryEnv>>;

/** Read once by the service runtime when a service process starts. */
export function loadTelemetryConfig(service: string, env: NodeJS.ProcessEnv = process.env): TelemetryConfig {
  return loadConfig(service, z.object(telemetryEnv), env);
}

function parseHeaders(value: string | undefined): Record<string, string> {
  if (value === undefined) return {};
  return Object.fromEntries(
    value.split(',').map((pair) => {
      const [key = '', ...rest] = pair.split('=');
      return [decodeURIComponent(key.trim()), decodeURIComponent(rest.join('=').trim())];
    }),
  );
}
