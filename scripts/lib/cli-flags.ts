import type { z } from 'zod';

/**
 * `--name value` pairs read against `schema` (an object of flags, each with its default); a
 * wrong or unknown flag is told on stderr as `npm run <command>: …` and exits 2.
 */
export function readFlags<TSchema extends z.ZodObject>(
  argv: readonly string[],
  schema: TSchema,
  command: string,
): z.infer<TSchema> {
  const fail = (message: string): never => {
    console.error(`npm run ${command}: ${message}`);
    process.exit(2);
  };
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (!flag?.startsWith('--') || value === undefined) fail(`unexpected argument: ${flag ?? ''}`);
    values[(flag as string).slice(2)] = value as string;
  }
  const unknown = Object.keys(values).filter((key) => !(key in schema.shape));
  if (unknown.length > 0)
    fail(`unknown option --${unknown[0]}; known: ${Object.keys(schema.shape).join(', ')}`);
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(`--${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data;
}
