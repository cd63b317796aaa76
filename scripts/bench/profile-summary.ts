import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
}

/** Where a function lives, short: its package (`@apollo/gateway`) or its file in this checkout. */
function placeOf(url: string): string {
  if (!url) return '(native)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules !== -1) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:')) return url;
  const checkout = url.indexOf('/gateway/src/');
  return checkout === -1 ? url.replace(/^file:\/\//, '') : url.slice(checkout + 1);
}

/** The top self-time functions and packages of each `--cpu-prof` profile in `dir/<arm>/`. */
export function summarizeProfiles(dir: string, top = 15): string {
  const lines: string[] = [];
  for (const arm of readdirSync(dir)) {
    const files = readdirSync(join(dir, arm)).filter((file) => file.endsWith('.cpuprofile'));
    for (const file of files) {
      const profile = JSON.parse(readFileSync(join(dir, arm, file), 'utf8')) as CpuProfile;
      const total = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
      const byFunction = new Map<string, number>();
      const byPlace = new Map<string, number>();
      for (const node of profile.nodes) {
        const hits = node.hitCount ?? 0;
        const place = placeOf(node.callFrame.url);
        const name = `${node.callFrame.functionName || '(anonymous)'}  ${place}:${node.callFrame.lineNumber + 1}`;
        byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
        byPlace.set(place, (byPlace.get(place) ?? 0) + hits);
      }
      const percent = (hits: number) => `${((hits / Math.max(1, total)) * 100).toFixed(1).padStart(5)}%`;
      const topOf = (map: Map<string, number>) =>
        [...map]
          .sort((a, b) => b[1] - a[1])
          .slice(0, top)
          .map(([name, hits]) => `  ${percent(hits)}  ${name}`);
      lines.push(`\nprofile ${arm}/${file}: self time by package`, ...topOf(byPlace));
      lines.push(`profile ${arm}/${file}: self time by function`, ...topOf(byFunction));
    }
  }
  return lines.join('\n');
}
