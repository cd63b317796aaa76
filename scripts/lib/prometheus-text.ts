/** The sum of a metric's series in a Prometheus text exposition (0 when it has none). */
export function gaugeSum(metricsText: string, name: string): number {
  return metricsText
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}
