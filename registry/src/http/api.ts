import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayProofError, GatewayProofHeader, SeenNonces, verifyGatewayRequest } from '@shop/platform/auth';
import type { Database } from '@shop/platform/db';
import { HttpError, type Routes, sendJson } from '@shop/platform/http';
import type { Logger } from '@shop/platform/logger';
import { z } from 'zod';
import type { RegistryConfig } from '../config';
import type { Tables } from '../db/schema';
import { checkChange } from '../domain/checks';
import { apiChanges, publishSubgraph } from '../domain/publish';
import { createToken, listTokens, revokeToken, SUBGRAPH_NAME, subgraphExists } from '../domain/tokens';
import { recordUsage, usageReportSchema, usageUnder, usedCoordinates } from '../domain/usage';
import { latestVersion, listVersions, type VersionRow, versionById } from '../domain/versions';
import {
  asUnavailable,
  bearerOf,
  positiveIntParam,
  readJson,
  requireAdmin,
  requirePrincipal,
} from './requests';

const subgraphName = z
  .string()
  .regex(SUBGRAPH_NAME, 'must be lower case letters, digits, - or _, starting with a letter');
const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });

const publishBody = z.object({
  subgraph: subgraphName,
  url: httpUrl,
  sdl: z.string().min(1, 'must not be empty'),
  commit: z.string().max(200).nullable().default(null),
});

const checkBody = z.object({
  subgraphs: z
    .array(
      z.object({ name: subgraphName, sdl: z.string().min(1, 'must not be empty'), url: httpUrl.optional() }),
    )
    .min(1)
    .max(100),
  windowHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 3650)
    .default(24 * 30),
  minCount: z.number().int().min(1).default(1),
  minShare: z.number().min(0).max(1).default(0),
});

const tokenBody = z.object({ subgraph: subgraphName, label: z.string().min(1).max(200) });
const revokeBody = z.object({ id: z.number().int().min(1) });

/** The registry's HTTP API (docs/schema-registry.md). Each handler: authenticate, validate, one domain call. */
export function registryRoutes(db: Database<Tables>, config: RegistryConfig, logger: Logger): Routes {
  const limit = config.BODY_LIMIT_BYTES;
  const admin = config.REGISTRY_ADMIN_TOKEN;
  // A captured report replayed within the proof's window is refused, like a replayed subgraph request.
  const nonces = new SeenNonces();
  const routes: Routes = {
    'GET /supergraph': async (req, res) => {
      const live = await latestVersion(db);
      if (!live) throw new HttpError(404, 'nothing has been published yet');
      const etag = `"${live.hash}"`;
      const headers = { etag, 'x-registry-version': String(live.id), 'cache-control': 'no-cache' };
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      res.writeHead(200, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
      res.end(live.supergraphSdl);
    },

    'POST /publish': async (req, res) => {
      const principal = await requirePrincipal(req, db, admin);
      const { value } = await readJson(req, limit, publishBody);
      if (!(await subgraphExists(db, value.subgraph)))
        throw new HttpError(
          404,
          `no subgraph named ${value.subgraph}: create its token first (npm run schema -- token create ${value.subgraph})`,
        );
      if (principal.kind !== 'publisher' || principal.subgraph !== value.subgraph)
        throw new HttpError(403, `this token may not publish subgraph ${value.subgraph}`);
      const outcome = await publishSubgraph(db, {
        name: value.subgraph,
        url: value.url,
        sdl: value.sdl,
        commit: value.commit,
        publisher: principal.label,
      });
      switch (outcome.kind) {
        case 'rejected':
          logger.info(
            { subgraph: value.subgraph, errors: outcome.errors.length },
            'publish rejected: it does not compose',
          );
          sendJson(res, 422, {
            error: `${value.subgraph} does not compose with the other subgraphs`,
            errors: outcome.errors,
          });
          return;
        case 'unchanged':
          sendJson(res, 200, { status: 'unchanged', version: summary(outcome.version) });
          return;
        case 'published':
          logger.info(
            { subgraph: value.subgraph, version: outcome.version.id, publisher: principal.label },
            'published',
          );
          sendJson(res, 201, { status: 'published', version: summary(outcome.version) });
          return;
        default:
          return outcome satisfies never;
      }
    },

    'POST /check': async (req, res) => {
      await requirePrincipal(req, db, admin);
      const { value } = await readJson(req, limit, checkBody);
      for (const subgraph of value.subgraphs)
        if (!(await subgraphExists(db, subgraph.name)))
          throw new HttpError(
            404,
            `no subgraph named ${subgraph.name}: create its token first (npm run schema -- token create ${subgraph.name})`,
          );
      sendJson(res, 200, await checkChange(db, value));
    },

    'GET /versions': async (req, res) => {
      const versions = await listVersions(db, {
        limit: Math.min(positiveIntParam(req, 'limit', 50) as number, 500),
        before: positiveIntParam(req, 'before'),
      });
      sendJson(res, 200, { versions });
    },

    'GET /version': async (req, res) => {
      sendJson(res, 200, { version: await versionParam(db, req, 'id') });
    },

    'GET /diff': async (req, res) => {
      const to = await versionParam(db, req, 'to');
      const fromId = positiveIntParam(req, 'from') ?? to.id - 1;
      const from = await versionById(db, fromId);
      if (!from) throw new HttpError(404, `no version ${fromId}`);
      sendJson(res, 200, { from: from.id, to: to.id, changes: await apiChanges(from.apiSdl, to.apiSdl) });
    },

    'GET /usage': async (req, res) => {
      await requireUsageReader(req, db, admin, config.USAGE_SECRET, nonces);
      const params = new URL(req.url ?? '/', 'http://registry').searchParams;
      const coordinate = params.get('coordinate');
      if (!coordinate || coordinate.length > 500)
        throw new HttpError(400, 'coordinate is required (Type.field)');
      const since = windowStart(req);
      sendJson(res, 200, {
        coordinate,
        since: since.toISOString(),
        usage: await usageUnder(db, coordinate, since),
      });
    },

    'GET /usage/coordinates': async (req, res) => {
      await requireUsageReader(req, db, admin, config.USAGE_SECRET, nonces);
      const since = windowStart(req);
      const limit = Math.min(positiveIntParam(req, 'limit', 200) as number, 2000);
      sendJson(res, 200, {
        since: since.toISOString(),
        coordinates: await usedCoordinates(db, since, limit),
      });
    },

    'POST /usage': async (req, res) => {
      const { body, value } = await readJson(req, limit, usageReportSchema);
      if (bearerOf(req) !== null) await requireAdmin(req, db, admin);
      else verifyGatewayProof(req, body, config.USAGE_SECRET, nonces);
      await recordUsage(db, value);
      sendJson(res, 202, { accepted: value.counts.length });
    },

    'POST /tokens': async (req, res) => {
      await requireAdmin(req, db, admin);
      const { value } = await readJson(req, limit, tokenBody);
      const created = await createToken(db, value.subgraph, value.label);
      logger.info({ subgraph: created.subgraph, token: created.id, label: created.label }, 'token created');
      sendJson(res, 201, created);
    },

    'GET /tokens': async (req, res) => {
      await requireAdmin(req, db, admin);
      sendJson(res, 200, { tokens: await listTokens(db) });
    },

    'POST /tokens/revoke': async (req, res) => {
      await requireAdmin(req, db, admin);
      const { value } = await readJson(req, limit, revokeBody);
      if (!(await revokeToken(db, value.id))) throw new HttpError(404, `no live token ${value.id}`);
      logger.info({ token: value.id }, 'token revoked');
      sendJson(res, 200, { revoked: value.id });
    },
  };
  return Object.fromEntries(
    Object.entries(routes).map(([key, handler]) => [
      key,
      async (req: IncomingMessage, res: ServerResponse) => {
        try {
          await handler(req, res);
        } catch (error) {
          throw asUnavailable(error);
        }
      },
    ]),
  );
}

/** Reading usage: any registry token, or a gateway's proof (its playground's history page reads through the gateway). */
async function requireUsageReader(
  req: IncomingMessage,
  db: Database<Tables>,
  adminToken: string,
  secrets: readonly string[],
  nonces: SeenNonces,
): Promise<void> {
  if (bearerOf(req) === null && req.headers[GatewayProofHeader.SIGNATURE] !== undefined)
    verifyGatewayProof(req, Buffer.alloc(0), secrets, nonces);
  else await requirePrincipal(req, db, adminToken);
}

/** The gateway's proof, signed with one of USAGE_SECRET over the method, path and query, and body. */
function verifyGatewayProof(
  req: IncomingMessage,
  body: Buffer,
  secrets: readonly string[],
  nonces: SeenNonces,
): void {
  if (secrets.length === 0)
    throw new HttpError(401, 'this registry takes nothing from gateways: USAGE_SECRET is not set');
  try {
    verifyGatewayRequest(secrets, {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      body,
      headers: req.headers,
      nonces,
    });
  } catch (error) {
    if (error instanceof GatewayProofError) throw new HttpError(error.status, error.message);
    throw error;
  }
}

/** `windowHours` (default 30 days, at most 10 years) back from now. */
function windowStart(req: IncomingMessage): Date {
  const hours = Math.min(positiveIntParam(req, 'windowHours', 24 * 30) as number, 24 * 3650);
  return new Date(Date.now() - hours * 3_600_000);
}

async function versionParam(db: Database<Tables>, req: IncomingMessage, name: string): Promise<VersionRow> {
  const raw = new URL(req.url ?? '/', 'http://registry').searchParams.get(name);
  if (raw === null || raw === '' || raw === 'latest') {
    const live = await latestVersion(db);
    if (!live) throw new HttpError(404, 'nothing has been published yet');
    return live;
  }
  const id = positiveIntParam(req, name) as number;
  const version = await versionById(db, id);
  if (!version) throw new HttpError(404, `no version ${id}`);
  return version;
}

function summary(version: VersionRow) {
  return {
    id: version.id,
    hash: version.hash,
    subgraph: version.subgraph,
    publisher: version.publisher,
    commit: version.commit,
    createdAt: version.createdAt,
    changes: version.changes,
  };
}
