import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, type Routes, sendJson } from '@shop/platform/http';
import type { Logger } from '@shop/platform/logger';
import type { GatewayConfig } from '../config';
import { createRegistryReader, type RegistryRead } from './registry-reader';

const DEFAULT_WINDOW_HOURS = 24 * 30;
const MAX_WINDOW_HOURS = 24 * 366;
const REGISTRY_TIMEOUT_MS = 5000;
/** The largest version id the registry takes in a parameter. */
const MAX_VERSION_ID = 999_999_999;
/** `Type`, `Type.field` or `Type.field.argument` (and `Input.field`, `Enum.VALUE`). */
const COORDINATE = /^[_A-Za-z][_0-9A-Za-z]*(\.[_A-Za-z][_0-9A-Za-z]*){0,2}$/;

/**
 * What the playground's schema history page reads (`GET /playground/history`): the registry's
 * changelog, the coordinates clients used, and who used one. The gateway asks the registry
 * itself (the browser never talks to it nor holds a registry credential). Not in production,
 * where introspection is off too: the history spells out the schema and who calls what.
 */
export function historyRoutes(config: GatewayConfig, logger: Logger): Routes {
  const reader = createRegistryReader(
    {
      registryUrl: config.REGISTRY_URL,
      secret: config.USAGE_REPORTING_SECRET,
      timeoutMs: REGISTRY_TIMEOUT_MS,
    },
    logger,
  );
  const production = config.NODE_ENV === 'production';
  const route =
    (read: (params: URLSearchParams) => Promise<RegistryRead>) =>
    async (req: IncomingMessage, res: ServerResponse) => {
      if (production) {
        sendJson(res, 403, {
          error:
            'The schema history is not served in production: like introspection, it spells out the schema.',
          code: 'HISTORY_OFF_IN_PRODUCTION',
        });
        return;
      }
      const answer = await read(new URL(req.url ?? '/', 'http://gateway').searchParams);
      if (answer.ok) sendJson(res, 200, answer.body);
      else sendJson(res, answer.status, { error: answer.message, code: answer.code });
    };
  return {
    'GET /playground/history/versions': route((params) =>
      reader.versions(positiveInt(params, 'before', MAX_VERSION_ID)),
    ),
    'GET /playground/history/coordinates': route((params) => reader.coordinates(windowHours(params))),
    'GET /playground/history/usage': route((params) => {
      const coordinate = params.get('coordinate') ?? '';
      if (!COORDINATE.test(coordinate))
        throw new HttpError(400, 'coordinate must be a schema coordinate such as Product.name.');
      return reader.usage(coordinate, windowHours(params));
    }),
  };
}

function windowHours(params: URLSearchParams): number {
  return positiveInt(params, 'windowHours', MAX_WINDOW_HOURS) ?? DEFAULT_WINDOW_HOURS;
}

/** A positive integer parameter up to `max`, undefined when absent; 400 otherwise. */
function positiveInt(params: URLSearchParams, name: string, max: number): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  const value = /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 1 && value <= max))
    throw new HttpError(400, `${name} must be a whole number from 1 to ${max}.`);
  return value;
}
