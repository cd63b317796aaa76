import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { operationUsage } from '@shop/platform/schema';
import { buildSchema, type DocumentNode, Kind, parse } from 'graphql';
import { MANIFEST_FILE, type PersistedOperationManifest, readOperationFiles } from '../client-documents';

interface UsageReport {
  operations: { hash: string; name: string | null; signature: string; coordinates: string[] }[];
  counts: { hash: string; clientName: string; clientVersion: string; count: number; errors: number }[];
}

/**
 * The committed operations (client `committed-operations`) and the storefront's persisted ones
 * (client `storefront`) as one usage report against the live API schema: each counts as one
 * request in this hour, so a check finds them in its window.
 */
export function recordedUsage(root: string, apiSdl: string, clientVersion: string): UsageReport {
  const schema = buildSchema(apiSdl);
  const report: UsageReport = { operations: [], counts: [] };
  const add = (document: DocumentNode, clientName: string) => {
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION || !definition.name) continue;
      const usage = operationUsage(schema, document, definition.name.value);
      if (!report.operations.some((operation) => operation.hash === usage.hash))
        report.operations.push({ name: definition.name.value, ...usage });
      report.counts.push({ hash: usage.hash, clientName, clientVersion, count: 1, errors: 0 });
    }
  };
  for (const file of readOperationFiles(root)) add(parse(file.source), 'committed-operations');
  const manifest = JSON.parse(readFileSync(join(root, MANIFEST_FILE), 'utf8')) as PersistedOperationManifest;
  for (const operation of manifest.operations) add(parse(operation.body), 'storefront');
  return report;
}
