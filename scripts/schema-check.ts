import { parseArgs } from 'node:util';
import { runSchemaCheck } from './lib/schema-check/check';
import { formatReport } from './lib/schema-check/report';
import { ROOT, SUBGRAPHS } from './lib/services';

/**
 * `npm run schema:check [-- --base <git ref | file>] [--verbose]`: the schema registry check,
 * for a laptop and for CI. Exit code 0 when every check passes, 1 when one fails, 2 on a
 * wrong command line.
 */
const USAGE = `usage: npm run schema:check -- [--base <git ref | file>] [--verbose]

  --base     the API schema to compare with: a git ref (its schema/api.graphql) or a file;
             default: the merge base of HEAD with main
  --verbose  list every safe change and every problem`;

let values: { base?: string | undefined; verbose?: boolean | undefined; help?: boolean | undefined };
try {
  ({ values } = parseArgs({
    options: {
      base: { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }));
} catch (error) {
  console.error(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const report = await runSchemaCheck({
  root: ROOT,
  subgraphs: SUBGRAPHS,
  base: values.base,
  verbose: values.verbose ?? false,
});
console.log(formatReport(report));
process.exit(report.ok ? 0 : 1);
