import { type Change, CriticalityLevel } from '@graphql-inspector/core';
import { diffSchemas } from '@shop/platform/schema';
import { buildSchema, type GraphQLSchema } from 'graphql';
import { ALLOW_LIST_FILE, type AllowedChange, allows, readAllowList } from './allow-list';
import type { BaseSchema } from './base-schema';
import { capped, type StepResult } from './report';

const NAME = 'changes';
const SAFE_LINES = 10;

/**
 * Breaking, dangerous and safe changes of the API schema against the base (graphql-inspector).
 * Fails on a breaking change the allow-list does not name with a reason.
 */
export async function checkSchemaChanges(
  root: string,
  base: BaseSchema,
  schema: GraphQLSchema,
  verbose: boolean,
): Promise<StepResult> {
  const allowList = readAllowList(root);
  if (!allowList.ok)
    return {
      name: NAME,
      status: 'fail',
      summary: `${ALLOW_LIST_FILE} is not valid`,
      details: allowList.errors,
    };
  switch (base.kind) {
    case 'invalid':
      return { name: NAME, status: 'fail', summary: base.reason, details: [] };
    case 'unavailable':
      return { name: NAME, status: 'skip', summary: `no base to compare with: ${base.reason}`, details: [] };
    case 'found':
      break;
    default:
      return base satisfies never;
  }
  if (base.sdl === null)
    return {
      name: NAME,
      status: 'skip',
      summary: `the base ${base.label} has no API schema yet: nothing to compare with`,
      details: [],
    };
  if (/\bjoin__Graph\b/.test(base.sdl))
    return {
      name: NAME,
      status: 'fail',
      summary: `the base ${base.label} is a supergraph; compare with an API schema (schema/api.graphql)`,
      details: [],
    };
  let baseSchema: GraphQLSchema;
  try {
    baseSchema = buildSchema(base.sdl);
  } catch (error) {
    return {
      name: NAME,
      status: 'fail',
      summary: `the base ${base.label} is not a valid schema: ${(error as Error).message}`,
      details: [],
    };
  }
  const changes = await diffSchemas(baseSchema, schema);
  return judgeChanges(changes, allowList.entries, base.label, verbose);
}

function judgeChanges(
  changes: readonly Change[],
  allowList: readonly AllowedChange[],
  baseLabel: string,
  verbose: boolean,
): StepResult {
  const describe = (change: Change) =>
    `${change.message}${change.path ? ` (${change.path})` : ''} [${change.type}]`;
  const blocked: Change[] = [];
  const details: string[] = [];
  const used = new Set<AllowedChange>();
  const byLevel = (level: CriticalityLevel) => changes.filter((change) => change.criticality.level === level);
  for (const change of byLevel(CriticalityLevel.Breaking)) {
    const entry = allowList.find((candidate) => allows(candidate, change));
    if (entry) {
      used.add(entry);
      details.push(`breaking, allowed: ${describe(change)}\n  reason: ${entry.reason}`);
    } else {
      blocked.push(change);
      details.push(`BREAKING: ${describe(change)}`);
    }
  }
  for (const change of byLevel(CriticalityLevel.Dangerous)) details.push(`dangerous: ${describe(change)}`);
  const safe = byLevel(CriticalityLevel.NonBreaking).map((change) => `safe: ${describe(change)}`);
  details.push(...(verbose ? safe : capped(safe, SAFE_LINES, 'safe changes')));
  for (const entry of allowList)
    if (!used.has(entry))
      details.push(
        `note: ${ALLOW_LIST_FILE} allows ${entry.path ?? entry.change}, which is not a change against this base (remove the entry once the change is on main)`,
      );
  if (blocked.length > 0)
    details.push(
      `a breaking change fails unless ${ALLOW_LIST_FILE} lists it with the reason it is acceptable:`,
      ...blocked.map((change) =>
        [
          `  - ${change.path ? `path: ${change.path}` : `change: ${change.type}`}`,
          ...(change.path ? [`    change: ${change.type}`] : []),
          `    reason: <why clients will not break>`,
        ].join('\n'),
      ),
    );
  const counts = `${byLevel(CriticalityLevel.Breaking).length} breaking, ${byLevel(CriticalityLevel.Dangerous).length} dangerous, ${safe.length} safe`;
  return {
    name: NAME,
    status: blocked.length > 0 ? 'fail' : 'pass',
    summary: `against ${baseLabel}: ${counts}${blocked.length > 0 ? ` (${blocked.length} not allowed)` : ''}`,
    details,
  };
}
