import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CheckResult } from '@shop/registry/checks';
import { loadRegistryCliConfig } from './config';
import { formatCheck } from './lib/registry/check-report';
import { RegistryError, registryClient } from './lib/registry/client';
import { headCommit } from './lib/registry/head-commit';
import { recordedUsage } from './lib/registry/recorded-usage';
import { localSubgraphUrl, ROOT, SUBGRAPHS } from './lib/services';

/**
 * `npm run schema -- <command>`: the schema registry from the command line, against REGISTRY_URL
 * with REGISTRY_TOKEN. Exit code 0 on success, 1 when the registry refuses, cannot be reached
 * or a check fails, 2 on a wrong command line.
 */
const USAGE = `usage: npm run schema -- <command> [options]     (REGISTRY_URL, REGISTRY_TOKEN)

  publish --subgraph <name> [--url <url>] [--sdl <file>] [--commit <sha>]
                       publish a subgraph (default: its src/schema.graphql, local URL, HEAD)
  check [--subgraph <name>]... [--sdl <file>] [--window 30d] [--min-count 1] [--min-share 0] [--json]
                       would these subgraphs (default: all, from this checkout) compose, and whom would they break?
  history [--limit 20] the published versions, newest first, with their changes
  diff [--from <id>] [--to <id>]
                       the API changes between two versions (default: the live one and the one before)
  fetch [--version <id>] [--api] [--output <file>]
                       a version's supergraph (or API schema); the live one by default
  token create <subgraph> [--label <text>] | token revoke <id> | token list     (admin token)
  usage record [--client-version <v>]
                       record the committed and the storefront's persisted operations as usage (admin token)`;

const { values, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        subgraph: { type: 'string', multiple: true },
        url: { type: 'string' },
        sdl: { type: 'string' },
        commit: { type: 'string' },
        window: { type: 'string', default: '30d' },
        'min-count': { type: 'string', default: '1' },
        'min-share': { type: 'string', default: '0' },
        json: { type: 'boolean', default: false },
        limit: { type: 'string', default: '20' },
        from: { type: 'string' },
        to: { type: 'string' },
        version: { type: 'string' },
        api: { type: 'boolean', default: false },
        output: { type: 'string' },
        label: { type: 'string' },
        'client-version': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return wrongUsage((error as Error).message);
  }
})();

function wrongUsage(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

if (values.help || positionals.length === 0) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 2);
}

const config = loadRegistryCliConfig();
if (!config.REGISTRY_URL)
  wrongUsage('REGISTRY_URL is not set: which registry? (npm run schema:check checks offline, without one)');
const registry = registryClient(config.REGISTRY_URL, config.REGISTRY_TOKEN);

function localSubgraph(name: string) {
  const spec = SUBGRAPHS.find((candidate) => candidate.name === name);
  if (!spec) wrongUsage(`no subgraph named ${name} in this checkout (scripts/lib/services.ts)`);
  return { spec, sdl: readFileSync(join(ROOT, spec.dir, 'src/schema.graphql'), 'utf8') };
}

/** `30d`, `12h` or a number of hours. */
function windowHours(text: string): number {
  const match = /^(\d{1,5})([dh]?)$/.exec(text);
  if (!match) wrongUsage(`--window must look like 30d or 12h, not ${text}`);
  return Number(match[1]) * (match[2] === 'd' ? 24 : 1);
}

function numberOption(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max)
    wrongUsage(`--${name} must be between ${min} and ${max}`);
  return value;
}

async function run(): Promise<number> {
  const [command, sub, argument] = positionals;
  switch (command) {
    case 'publish': {
      const [name, ...others] = values.subgraph ?? [];
      if (!name || others.length > 0) wrongUsage('publish takes one --subgraph');
      const local = values.sdl ? null : localSubgraph(name);
      const sdl = values.sdl ? readFileSync(values.sdl, 'utf8') : (local?.sdl as string);
      const url =
        values.url ?? (local ? localSubgraphUrl(local.spec) : wrongUsage('--url is required with --sdl'));
      const result = (await registry.post('/publish', {
        subgraph: name,
        url,
        sdl,
        commit: values.commit ?? headCommit(),
      })) as { status: string; version: { id: number; changes: { level: string; message: string }[] } };
      if (result.status === 'unchanged') console.log(`${name}: unchanged, live version ${result.version.id}`);
      else {
        console.log(`${name}: published as version ${result.version.id}`);
        for (const change of result.version.changes) console.log(`  ${change.level}: ${change.message}`);
      }
      return 0;
    }
    case 'check': {
      const names = values.subgraph ?? SUBGRAPHS.map((spec) => spec.name);
      if (values.sdl && names.length !== 1) wrongUsage('--sdl checks one --subgraph');
      const sdlOf = (name: string) =>
        values.sdl ? readFileSync(values.sdl, 'utf8') : localSubgraph(name).sdl;
      const result = (await registry.post('/check', {
        subgraphs: names.map((name) => ({ name, sdl: sdlOf(name) })),
        windowHours: windowHours(values.window),
        minCount: numberOption('min-count', values['min-count'], 1, 1e12),
        minShare: numberOption('min-share', values['min-share'], 0, 1),
      })) as CheckResult;
      console.log(values.json ? JSON.stringify(result, null, 2) : formatCheck(result));
      return result.ok ? 0 : 1;
    }
    case 'history': {
      const limit = numberOption('limit', values.limit, 1, 500);
      const { versions } = (await registry.get(`/versions?limit=${limit}`)) as {
        versions: {
          id: number;
          subgraph: string;
          publisher: string;
          commit: string | null;
          createdAt: string;
          changes: { level: string; message: string }[];
        }[];
      };
      if (values.json) console.log(JSON.stringify(versions, null, 2));
      else
        for (const version of versions) {
          console.log(
            `#${version.id}  ${version.createdAt}  ${version.subgraph} by ${version.publisher}${version.commit ? ` at ${version.commit.slice(0, 12)}` : ''}`,
          );
          for (const change of version.changes) console.log(`      ${change.level}: ${change.message}`);
        }
      return 0;
    }
    case 'diff': {
      const query = new URLSearchParams({
        ...(values.from ? { from: values.from } : {}),
        ...(values.to ? { to: values.to } : {}),
      });
      const diff = (await registry.get(`/diff?${query}`)) as {
        from: number;
        to: number;
        changes: { level: string; message: string; path: string | null }[];
      };
      if (values.json) console.log(JSON.stringify(diff, null, 2));
      else {
        console.log(`version ${diff.from} → ${diff.to}: ${diff.changes.length} changes`);
        for (const change of diff.changes) console.log(`  ${change.level}: ${change.message}`);
      }
      return 0;
    }
    case 'fetch': {
      const { version } = (await registry.get(`/version?id=${values.version ?? 'latest'}`)) as {
        version: { supergraphSdl: string; apiSdl: string };
      };
      const sdl = values.api ? version.apiSdl : version.supergraphSdl;
      if (values.output) writeFileSync(values.output, sdl);
      else process.stdout.write(sdl);
      return 0;
    }
    case 'token': {
      if (sub === 'create' && argument) {
        const created = (await registry.post('/tokens', {
          subgraph: argument,
          label: values.label ?? `${argument} publisher`,
        })) as { id: number; token: string };
        console.log(
          `token ${created.id} for ${argument} (shown once; store it as the pipeline's REGISTRY_TOKEN):\n${created.token}`,
        );
        return 0;
      }
      if (sub === 'revoke' && argument) {
        await registry.post('/tokens/revoke', { id: numberOption('id', argument, 1, 1e9) });
        console.log(`token ${argument} revoked`);
        return 0;
      }
      if (sub === 'list') {
        const { tokens } = (await registry.get('/tokens')) as {
          tokens: {
            id: number;
            subgraph: string;
            label: string;
            createdAt: string;
            revokedAt: string | null;
          }[];
        };
        for (const token of tokens)
          console.log(
            `${token.id}  ${token.subgraph}  ${token.label}  ${token.createdAt}${token.revokedAt ? `  revoked ${token.revokedAt}` : ''}`,
          );
        return 0;
      }
      return wrongUsage('token create <subgraph> | token revoke <id> | token list');
    }
    case 'usage': {
      if (sub !== 'record') return wrongUsage('usage record');
      const { version } = (await registry.get('/version?id=latest')) as { version: { apiSdl: string } };
      const report = recordedUsage(
        ROOT,
        version.apiSdl,
        values['client-version'] ?? headCommit() ?? 'unknown',
      );
      await registry.post('/usage', report);
      console.log(
        `recorded ${report.operations.length} operations (${report.counts.length} client uses) as usage`,
      );
      return 0;
    }
    default:
      return wrongUsage(`unknown command ${command}`);
  }
}

try {
  process.exit(await run());
} catch (error) {
  if (!(error instanceof RegistryError)) throw error;
  console.error(`schema ${positionals[0]}: ${error.message}`);
  for (const detail of error.details) console.error(`  ${detail}`);
  process.exit(1);
}
