/** One check of `npm run schema:check`: pass, fail, or skip (with why), and the lines that explain it. */
export interface StepResult {
  name: string;
  status: 'pass' | 'fail' | 'skip';
  summary: string;
  details: string[];
}

export interface SchemaCheckReport {
  ok: boolean;
  steps: StepResult[];
}

const LABEL = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const;
const DETAIL_INDENT = ' '.repeat(6);

/** Short and readable: one line per check, its details indented under it, a verdict at the end. */
export function formatReport(report: SchemaCheckReport): string {
  const lines: string[] = [];
  for (const step of report.steps) {
    lines.push(`${LABEL[step.status].padEnd(5)} ${step.name}: ${step.summary}`);
    for (const detail of step.details)
      lines.push(...detail.split('\n').map((line) => `${DETAIL_INDENT}${line}`));
  }
  const failed = report.steps.filter((step) => step.status === 'fail').map((step) => step.name);
  lines.push(
    failed.length === 0
      ? `schema check passed`
      : `schema check FAILED (${failed.length} of ${report.steps.length} checks): ${failed.join(', ')}`,
  );
  return lines.join('\n');
}

/** At most `limit` lines, then one that says how many were left out. */
export function capped(lines: readonly string[], limit: number, what: string): string[] {
  if (lines.length <= limit) return [...lines];
  return [...lines.slice(0, limit), `… and ${lines.length - limit} more ${what} (--verbose lists all)`];
}

export const plural = (count: number, noun: string, nouns = `${noun}s`): string =>
  `${count} ${count === 1 ? noun : nouns}`;
