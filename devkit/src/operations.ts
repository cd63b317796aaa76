import { readFileSync } from 'node:fs';

/** The persisted operations the gateway's safelist accepts (Apollo's persisted query manifest format). */
export const MANIFEST_FILE = 'schema/persisted-operations.json';

const MANIFEST_URL = new URL(`../../${MANIFEST_FILE}`, import.meta.url);

let bodies: Map<string, string> | undefined;

/**
 * The client operations by name, each with the fragments it uses, exactly as a client sends it:
 * the bodies of the committed manifest, which `npm run codegen` writes from every operation file
 * wherever it lives (the storefront's beside its components, the others in schema/operations).
 */
export function clientOperations(): ReadonlyMap<string, string> {
  bodies ??= new Map(
    (
      JSON.parse(readFileSync(MANIFEST_URL, 'utf8')) as { operations: { name: string; body: string }[] }
    ).operations.map((operation) => [operation.name, operation.body]),
  );
  return bodies;
}

/** One client operation by name; a name no operation has is a mistake in the test. */
export function clientOperation(name: string): string {
  const body = clientOperations().get(name);
  if (body === undefined)
    throw new Error(`no client operation ${name} in ${MANIFEST_FILE} (npm run codegen?)`);
  return body;
}
