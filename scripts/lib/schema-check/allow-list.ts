import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** Breaking changes made on purpose, each with its reason; schema:check fails on any other. */
export const ALLOW_LIST_FILE = 'schema/breaking-changes.allow.yaml';

const entrySchema = z
  .object({
    /** Schema coordinate of the change as schema:check prints it, e.g. `Product.legacyCode`; left out only for changes without one (the root types). */
    path: z.string().min(1).optional(),
    /** The kind of change, e.g. `FIELD_REMOVED`; any kind at `path` when left out. */
    change: z
      .string()
      .regex(/^[A-Z][A-Z_]*$/, 'must be a change type such as FIELD_REMOVED')
      .optional(),
    reason: z
      .string({ message: 'every entry needs a reason' })
      .trim()
      .min(10, 'the reason must say why this break is acceptable (10 characters or more)'),
  })
  .strict()
  .refine((entry) => entry.path !== undefined || entry.change !== undefined, {
    message: 'an entry needs a path, a change type, or both',
  });

export type AllowedChange = z.infer<typeof entrySchema>;

export type AllowList = { ok: true; entries: AllowedChange[] } | { ok: false; errors: string[] };

export function readAllowList(root: string): AllowList {
  const file = join(root, ALLOW_LIST_FILE);
  if (!existsSync(file)) return { ok: true, entries: [] };
  let document: unknown;
  try {
    document = parseYaml(readFileSync(file, 'utf8')) ?? [];
  } catch (error) {
    return { ok: false, errors: [`${ALLOW_LIST_FILE}: ${(error as Error).message.split('\n')[0]}`] };
  }
  const parsed = z.array(entrySchema).safeParse(document);
  if (parsed.success) return { ok: true, entries: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => {
      const [index, key] = issue.path;
      const where = typeof index === 'number' ? ` entry ${index + 1}${key ? ` (${String(key)})` : ''}` : '';
      return `${ALLOW_LIST_FILE}${where}: ${issue.message}`;
    }),
  };
}

/** An entry allows the changes at its path (of its kind, when given); without a path, only changes that have none. */
export function allows(entry: AllowedChange, change: { path?: string | undefined; type: string }): boolean {
  return entry.path === change.path && (entry.change === undefined || entry.change === change.type);
}
