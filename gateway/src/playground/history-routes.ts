import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Caller, isAdmin } from '@shop/platform/auth';
import { HttpError, type RouteHandler, type Routes, sendJson } from '@shop/platform/http';
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

/** How the gateway tells who calls: `/graphql`'s bearer verification, and the caller it found. */
export interface HistoryAuthentication {
  authenticate: (handler: RouteHandler) => RouteHandler;
  callerOf: (req: IncomingMessage) => Caller | null;
}

/**
 * What the playground's schema history page reads (`GET /playground/history`): the registry's
 * changelog, the coordinates clients used, and who used one. The gateway asks the registry
 * itself (the browser never talks to it nor holds a registry credential). In production only
 * an admin's token reads it (401 without one, 403 for anyone else), as introspection is off
 * there: the history spells out the schema and who calls what. Open in development.
 */
export function historyRoutes(config: GatewayConfig, logger: Logger, auth: HistoryAuthentication): Routes {
  const reader = createRegistryReader(
    {
      registryUrl: config.REGISTRY_URL,
      secret: config.USAGE_REPORTING_SECRET,
      timeoutMs: REGISTRY_TIMEOUT_MS,
    },
    logger,
  );
  const serve =
    (read: (params: URLSearchParams) => Promise<RegistryRead>) =>
    async (req: IncomingMessage, res: ServerResponse) => {
      const answer = await read(new URL(req.url ?? '/', 'http://gateway').searchParams);
      if (answer.ok) sendJson(res, 200, answer.body);
      else sendJson(res, answer.status, { error: answer.message, code: answer.code });
    };
  const route =
    config.NODE_ENV === 'production'
      ? (read: (params: URLSearchParams) => Promise<RegistryRead>) =>
          auth.authenticate(async (req, res) => {
            const caller = auth.callerOf(req);
            if (!caller) {
              res.setHeader('www-authenticate', 'Bearer');
              sendJson(res, 401, {
                error: 'Log in as an admin to read the schema history.',
                code: 'UNAUTHENTICATED',
              });
            } else if (!isAdmin(caller))
              sendJson(res, 403, { error: 'Only an admin may read the schema history.', code: 'FORBIDDEN' });
            else {
              // An admin's answer: no shared cache in between may keep it for the next caller.
              res.setHeader('cache-control', 'private, no-store');
              await serve(read)(req, res);
            }
          })
      : serve;
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
