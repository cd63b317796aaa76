import { type Change, CriticalityLevel, diff } from '@graphql-inspector/core';
import type { GraphQLSchema } from 'graphql';

/** How much a change can hurt clients, as graphql-inspector judges it. */
export type ChangeLevel = 'breaking' | 'dangerous' | 'safe';

/** One difference between two API schemas, in a form that travels as JSON. */
export interface SchemaChange {
  /** graphql-inspector's change type, e.g. FIELD_REMOVED. */
  type: string;
  level: ChangeLevel;
  message: string;
  /** The schema coordinate it concerns (`Type.field`, `Type.field.argument`, `Enum.VALUE`), when it has one. */
  path: string | null;
}

const LEVELS: Record<CriticalityLevel, ChangeLevel> = {
  [CriticalityLevel.Breaking]: 'breaking',
  [CriticalityLevel.Dangerous]: 'dangerous',
  [CriticalityLevel.NonBreaking]: 'safe',
};

/** graphql-inspector's changes from `before` to `after`, without the noise of descriptions of what was added. */
export async function diffSchemas(before: GraphQLSchema, after: GraphQLSchema): Promise<Change[]> {
  return withoutDescriptionsOfAdditions(await diff(before, after));
}

export function toSchemaChange(change: Change): SchemaChange {
  return {
    type: change.type,
    level: LEVELS[change.criticality.level],
    message: change.message,
    path: change.path ?? null,
  };
}

/** A new field's description is part of adding it, not a change of its own. */
function withoutDescriptionsOfAdditions(changes: readonly Change[]): Change[] {
  const added = changes
    .filter((change) => change.type.endsWith('_ADDED') && !change.type.includes('DESCRIPTION') && change.path)
    .map((change) => change.path);
  const isUnderAddition = (path: string | undefined) =>
    path !== undefined && added.some((prefix) => path === prefix || path.startsWith(`${prefix}.`));
  return changes.filter((change) => !(change.type.includes('DESCRIPTION') && isUnderAddition(change.path)));
}
