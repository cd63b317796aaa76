import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_CONTRACTS } from '@shop/platform/events';
import { buildSchema } from 'graphql';
import { type ClientArtifacts, generateClientArtifacts, readOperationFiles } from '../client-documents';
import { hasEventSchemas } from '../event-schemas';
import { localSubgraphUrl, type ServiceSpec } from '../services';
import { composeSupergraph, readSubgraphSources, type SubgraphSource } from '../supergraph';
import { readBaseSchema } from './base-schema';
import { checkEventSchemaChanges, lintEventSchemas } from './event-contracts';
import { checkEventProducers, readServiceEventNames } from './event-producers';
import { checkGeneratedFiles } from './generated-files';
import { checkOperations } from './operations';
import type { SchemaCheckReport, StepResult } from './report';
import { checkSchemaChanges } from './schema-changes';
import { lintSchema } from './sdl-lint';

export interface SchemaCheckOptions {
  /** The checkout to check. */
  root: string;
  /** The subgraphs that make up the supergraph (scripts/lib/services.ts for the shop). */
  subgraphs: readonly ServiceSpec[];
  /** `--base`: a git ref or a file with the API schema to compare with; the merge base with main when left out. */
  base?: string | undefined;
  verbose?: boolean;
  /** Where a relative `--base` file is looked up. */
  cwd?: string;
}

const LATER_STEPS = ['generated files', 'changes', 'operations', 'lint'];

/**
 * `npm run schema:check`: composition, stale generated files, changes against the base (with the
 * allow-list), client operations, the SDL house rules, and the event contracts (buf lint, buf breaking). Each check reports on its own; the
 * report is ok when none failed.
 */
export async function runSchemaCheck(options: SchemaCheckOptions): Promise<SchemaCheckReport> {
  const { root, verbose = false } = options;
  const read = readSources(root, options.subgraphs);
  if ('error' in read) return report([failedComposition([read.error])]);
  const sources = read.sources;
  const composition = composeSupergraph(sources);
  const unregistered = unregisteredSubgraphs(root, options.subgraphs);
  if (!composition.ok || unregistered.length > 0)
    return report([failedComposition([...unregistered, ...(composition.ok ? [] : composition.errors)])]);

  const schema = buildSchema(composition.apiSdl);
  const operationFiles = readOperationFiles(root);
  const operations = checkOperations(operationFiles, schema, verbose);
  let client: ClientArtifacts | { error: string };
  if (operations.status === 'fail') client = { error: 'the operations do not validate (see operations)' };
  else {
    try {
      client = await generateClientArtifacts(composition.apiSdl, operationFiles);
    } catch (error) {
      client = { error: (error as Error).message };
    }
  }
  const base = readBaseSchema(root, options.base, options.cwd);
  // A checkout with event contracts (a buf.yaml) has them checked like the GraphQL schema.
  const events = hasEventSchemas(root)
    ? [
        await lintEventSchemas(root, verbose),
        await checkEventSchemaChanges(root, options.base, verbose, options.cwd),
        checkEventProducers(
          await readServiceEventNames(root, options.subgraphs),
          EVENT_CONTRACTS.map(({ event }) => event),
          verbose,
        ),
      ]
    : [];
  return report([
    {
      name: 'composition',
      status: 'pass',
      summary: `${sources.length} subgraphs compose${composition.hints.length > 0 ? ` (${composition.hints.length} hints)` : ''}`,
      details: composition.hints.map((hint) => `hint: ${hint}`),
    },
    checkGeneratedFiles(root, sources, composition, client),
    await checkSchemaChanges(root, base, schema, verbose),
    operations,
    lintSchema(schema, sources, verbose),
    ...events,
  ]);
}

function report(steps: StepResult[]): SchemaCheckReport {
  return { ok: steps.every((step) => step.status !== 'fail'), steps };
}

function failedComposition(errors: string[]): StepResult {
  return {
    name: 'composition',
    status: 'fail',
    summary: `the subgraphs do not compose (${errors.length === 1 ? '1 error' : `${errors.length} errors`})`,
    details: [...errors, ...LATER_STEPS.map((step) => `${step}: not checked until the subgraphs compose`)],
  };
}

function readSources(
  root: string,
  specs: readonly ServiceSpec[],
): { sources: SubgraphSource[] } | { error: string } {
  try {
    return { sources: readSubgraphSources((spec) => localSubgraphUrl(spec), specs, root) };
  } catch (error) {
    return { error: `cannot read a subgraph's SDL: ${(error as Error).message}` };
  }
}

/** A subgraph folder with a schema that the supergraph leaves out would silently not be served. */
function unregisteredSubgraphs(root: string, specs: readonly ServiceSpec[]): string[] {
  const dir = join(root, 'subgraphs');
  if (!existsSync(dir)) return [];
  const registered = new Set(specs.map((spec) => spec.dir));
  return readdirSync(dir)
    .filter(
      (name) => existsSync(join(dir, name, 'src/schema.graphql')) && !registered.has(`subgraphs/${name}`),
    )
    .map(
      (name) =>
        `subgraphs/${name} has a schema but is not in SUBGRAPHS (scripts/lib/services.ts), so it is not composed`,
    );
}
