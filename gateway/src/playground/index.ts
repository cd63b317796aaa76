import type { IncomingMessage, ServerResponse } from 'node:http';
import { assertJsonDepth, HttpError, type Routes, readBody, sendJson } from '@shop/platform/http';
import type { Logger } from '@shop/platform/logger';
import type { GatewayConfig } from '../config';
import { withoutSuggestions } from '../http/hide-suggestions';
import type { GuardedRequest, OperationRejected } from '../limits/operation-guard';
import type { PlannerPool } from '../planning/planner-pool';
import { type Asset, loadAssets } from './assets';
import { type HistoryAuthentication, historyRoutes } from './history-routes';
import { loadOperations } from './operations';
import { createQueryPlanExplainer } from './query-plan';

// The page runs only this gateway's own scripts and talks only to this gateway.
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/** Whether the gateway serves the playground: configured, or by default everywhere but production. */
export function playgroundEnabled(config: GatewayConfig): boolean {
  return config.PLAYGROUND_ENABLED ?? config.NODE_ENV !== 'production';
}

// The history page's scripts and style: served with it, in production too.
const HISTORY_FILES = ['history.js', 'log-in.js', 'history.css'];

/**
 * The GraphQL IDE at `GET /`: GraphiQL with schema docs and search, the client operations of the
 * persisted operation manifest ready to run, logging in (or pasting a token) for the Authorization
 * header, the query plan of the operation being edited (`POST /playground/query-plan`), and
 * the schema registry's history and usage (`GET /playground/history`). When the playground is
 * off, only the history page in production (where its reads answer admins only), else nothing.
 */
export async function playgroundRoutes(
  config: GatewayConfig,
  logger: Logger,
  /** The SDL the query planner serves now (it changes when the supergraph is reloaded). */
  plannerSdl: () => string,
  /** /graphql's planner threads: plans are made off the event loop, within the same budget. */
  planner: PlannerPool,
  /** What /graphql checks first, checked here too: planning a hostile document is itself the attack. */
  edge: HistoryAuthentication & { guard: (request: GuardedRequest) => OperationRejected | null },
): Promise<Routes> {
  const enabled = playgroundEnabled(config);
  if (!enabled && config.NODE_ENV !== 'production') return {};
  const assets = await loadAssets();
  const history: Routes = {
    'GET /playground/history': serveAsset(assets, 'history.html'),
    ...historyRoutes(config, logger, edge),
  };
  for (const name of HISTORY_FILES) history[`GET /playground/${name}`] = serveAsset(assets, name);
  if (!enabled) return history;
  const operations = await loadOperations(config.PERSISTED_OPERATIONS_MANIFEST, logger);
  const explain = createQueryPlanExplainer(planner, plannerSdl);
  logger.info(
    `playground on GET / with ${operations.length} operations from ${config.PERSISTED_OPERATIONS_MANIFEST}`,
  );

  const routes: Routes = {
    ...history,
    'GET /': serveAsset(assets, 'index.html'),
    'GET /playground/operations.json': (_req, res) => sendJson(res, 200, { operations }),
    'POST /playground/query-plan': edge.authenticate(async (req, res) => {
      if (!/^application\/json\b/i.test(req.headers['content-type'] ?? ''))
        throw new HttpError(415, 'Send the operation as application/json.');
      const raw = await readBody(req, config.BODY_LIMIT_BYTES);
      assertJsonDepth(raw, 'The request body');
      const body = parseJson(raw.toString('utf8'));
      const query = typeof body.query === 'string' ? body.query : undefined;
      if (!query) throw new HttpError(400, 'query must be a string.');
      const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;
      const variables = isRecord(body.variables) ? body.variables : {};
      const rejection = edge.guard({ query, variables });
      if (rejection) {
        sendJson(res, 400, { errors: [rejection.message], code: rejection.extensions.code });
        return;
      }
      const result = await explain(query, operationName);
      if ('refused' in result) {
        const { status, message, code } = result.refused;
        sendJson(res, status, { errors: [message], code });
        return;
      }
      // Production may turn the playground on: its messages then name nothing the client did not.
      sendJson(
        res,
        200,
        'errors' in result && config.NODE_ENV === 'production'
          ? { errors: result.errors.map(withoutSuggestions) }
          : result,
      );
    }),
  };
  for (const name of assets.keys())
    if (!name.endsWith('.html')) routes[`GET /playground/${name}`] = serveAsset(assets, name);
  return routes;
}

function serveAsset(assets: ReadonlyMap<string, Asset>, name: string) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const asset = assets.get(name);
    if (!asset) throw new HttpError(404, 'not found');
    const headers: Record<string, string> = {
      ...PAGE_HEADERS,
      'content-type': asset.contentType,
      etag: asset.etag,
      // Always revalidated (a 304 is cheap), so a new gateway version is picked up at once.
      'cache-control': 'no-cache',
      vary: 'accept-encoding',
    };
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, headers).end();
      return;
    }
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? asset.gzipped : asset.body;
    res.writeHead(200, {
      ...headers,
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      'content-length': String(body.length),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {}
  throw new HttpError(400, 'The request body is not a JSON object.');
}
