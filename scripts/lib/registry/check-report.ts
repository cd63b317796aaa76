import type { CheckResult, JudgedChange } from '@shop/registry/checks';

const percent = (share: number) => `${(share * 100).toFixed(share < 0.01 ? 2 : 1)}%`;

/** The check as a person reads it: composition, then each change with its verdict and who it would break. */
export function formatCheck(result: CheckResult): string {
  const lines: string[] = [];
  if (!result.composition.ok) {
    lines.push('FAIL  composition: the subgraphs do not compose');
    for (const error of result.composition.errors) lines.push(`      ${error}`);
    lines.push('schema check FAILED: composition');
    return lines.join('\n');
  }
  lines.push(
    `PASS  composition${result.composition.hints.length > 0 ? ` (${result.composition.hints.length} hints)` : ''}`,
  );
  if (!('window' in result)) return lines.join('\n');
  const against = result.against === null ? 'nothing published yet' : `live version ${result.against}`;
  lines.push(
    `      against ${against}; usage over ${result.window.hours} h since ${result.window.since} (${result.window.totalRequests} requests)`,
  );
  const order: JudgedChange['verdict'][] = ['breaks-clients', 'unused', 'dangerous', 'safe'];
  for (const verdict of order)
    for (const change of result.changes.filter((candidate) => candidate.verdict === verdict))
      lines.push(...describe(change));
  if (result.changes.length === 0) lines.push('      no changes to the API schema');
  const breaking = result.changes.filter((change) => change.verdict === 'breaks-clients').length;
  lines.push(
    result.ok
      ? 'schema check passed'
      : `schema check FAILED: ${breaking} breaking ${breaking === 1 ? 'change' : 'changes'} that clients use`,
  );
  return lines.join('\n');
}

function describe(change: JudgedChange): string[] {
  const where = change.path ? ` (${change.path})` : '';
  switch (change.verdict) {
    case 'breaks-clients': {
      const usage = change.usage;
      const lines = [
        `FAIL  breaking: ${change.message}${where} [${change.type}]`,
        `      used by ${usage?.count ?? 0} requests (${percent(usage?.share ?? 0)}) in the window:`,
      ];
      for (const operation of usage?.operations ?? [])
        lines.push(
          `        operation ${operation.name ?? '(anonymous)'} (${operation.hash.slice(0, 12)}), ${operation.count} requests, from ${operation.clients
            .map(
              (client) => `${client.name || '(unknown client)'}${client.version ? ` ${client.version}` : ''}`,
            )
            .join(', ')}`,
        );
      return lines;
    }
    case 'unused':
      return [
        `PASS  breaking but unused: ${change.message}${where} [${change.type}]${change.usage && change.usage.count > 0 ? ` (${change.usage.count} requests, under the thresholds)` : ' (no client used it in the window)'}`,
      ];
    case 'dangerous':
      return [`WARN  dangerous: ${change.message}${where} [${change.type}]`];
    case 'safe':
      return [`      safe: ${change.message}${where}`];
    default:
      return change.verdict satisfies never;
  }
}
