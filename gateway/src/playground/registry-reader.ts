import { signGatewayRequest } from '@shop/platform/auth';
import type { Logger } from '@shop/platform/logger';

/** What the history page is told: the registry's JSON, or why there is none, said plainly. */
export type RegistryRead =
  | { ok: true; body: unknown }
  | { ok: false; status: 502 | 503; code: RegistryReadFailure; message: string };

export type RegistryReadFailure =
  | 'REGISTRY_NOT_CONFIGURED'
  | 'REGISTRY_UNREACHABLE'
  | 'REGISTRY_REFUSED'
  | 'REGISTRY_FAILED';

export interface RegistryReader {
  /** The changelog, newest first: each version with its publisher, commit and classified changes. */
  versions(before: number | undefined): Promise<RegistryRead>;
  /** Every coordinate used over the last `windowHours`. */
  coordinates(windowHours: number): Promise<RegistryRead>;
  /** The operations and client versions that used `coordinate` over the last `windowHours`. */
  usage(coordinate: string, windowHours: number): Promise<RegistryRead>;
}

export interface RegistryReaderSettings {
  registryUrl: string | undefined;
  /** The gateway's usage-reporting secret: its proof to the registry for reading usage. */
  secret: string;
  timeoutMs: number;
}

export const VERSIONS_PER_PAGE = 50;

/**
 * Reads the schema registry for the playground's history page. Only these three fixed reads,
 * with parameters the caller has validated: nothing of the browser's request (its headers, its
 * path) is forwarded, and the registry is asked with the gateway's own proof, never a token.
 */
export function createRegistryReader(settings: RegistryReaderSettings, logger: Logger): RegistryReader {
  const { registryUrl, secret, timeoutMs } = settings;
  const read = async (path: string, signed: boolean): Promise<RegistryRead> => {
    if (!registryUrl)
      return failure(
        503,
        'REGISTRY_NOT_CONFIGURED',
        'No schema registry is configured for this gateway (REGISTRY_URL is not set), so there is no history to show.',
      );
    if (signed && !secret)
      return failure(
        503,
        'REGISTRY_NOT_CONFIGURED',
        'This gateway has no USAGE_REPORTING_SECRET, so it cannot read usage from the schema registry.',
      );
    const url = new URL(path, registryUrl);
    try {
      const headers = signed
        ? signGatewayRequest(secret, {
            method: 'GET',
            path: url.pathname + url.search,
            body: '',
            caller: null,
          })
        : {};
      const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
      const text = await response.text();
      if (response.ok) return { ok: true, body: JSON.parse(text) as unknown };
      logger.warn(
        { status: response.status, path: url.pathname, answer: text.slice(0, 500) },
        'the schema registry did not answer a read',
      );
      if (response.status === 401 || response.status === 403)
        return failure(
          502,
          'REGISTRY_REFUSED',
          "The schema registry refused this gateway's proof: is its USAGE_REPORTING_SECRET one of the registry's USAGE_SECRET?",
        );
      return failure(502, 'REGISTRY_FAILED', `The schema registry answered ${response.status}.`);
    } catch (error) {
      if (error instanceof SyntaxError)
        return failure(502, 'REGISTRY_FAILED', 'The schema registry answered something that is not JSON.');
      // The registry's address is the operator's to know, not the page's: it goes to the log.
      logger.warn({ err: error, registry: url.origin }, 'the playground cannot reach the schema registry');
      return failure(503, 'REGISTRY_UNREACHABLE', 'The schema registry cannot be reached: it may be down.');
    }
  };
  return {
    versions: (before) =>
      read(`/versions?limit=${VERSIONS_PER_PAGE}${before === undefined ? '' : `&before=${before}`}`, false),
    coordinates: (windowHours) => read(`/usage/coordinates?windowHours=${windowHours}&limit=500`, true),
    usage: (coordinate, windowHours) =>
      read(`/usage?${new URLSearchParams({ coordinate, windowHours: String(windowHours) })}`, true),
  };
}

function failure(status: 502 | 503, code: RegistryReadFailure, message: string): RegistryRead {
  return { ok: false, status, code, message };
}
