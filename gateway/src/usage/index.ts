import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from '@shop/platform/logger';
import type { Metrics } from '@shop/platform/metrics';
import type { GatewayConfig } from '../config';
import type { GatewayContext } from '../context';
import { usageReportingPlugin } from './usage-plugin';
import { UsageReporter } from './usage-reporter';

/** The Apollo plugin that counts usage, and how to send what is left at shutdown; nothing when reporting is off. */
export function usageReporting(
  config: GatewayConfig,
  logger: Logger,
  metrics: Metrics,
): { plugins: ApolloServerPlugin<GatewayContext>[]; stop: () => Promise<void> } {
  const off = { plugins: [], stop: async () => {} };
  if (!config.REGISTRY_URL) return off;
  if (!config.USAGE_REPORTING_SECRET) {
    logger.warn(
      'REGISTRY_URL is set without USAGE_REPORTING_SECRET: no usage is reported (the registry takes signed reports only)',
    );
    return off;
  }
  const reporter = new UsageReporter(
    {
      registryUrl: config.REGISTRY_URL,
      secret: config.USAGE_REPORTING_SECRET,
      intervalMs: config.USAGE_REPORT_INTERVAL_SECONDS * 1000,
      timeoutMs: config.USAGE_REPORT_TIMEOUT_MS,
      maxBatchEntries: config.USAGE_MAX_BATCH_ENTRIES,
    },
    logger,
    metrics,
  );
  logger.info({ registry: new URL(config.REGISTRY_URL).origin }, 'usage is reported to the schema registry');
  return { plugins: [usageReportingPlugin(reporter)], stop: () => reporter.stop() };
}
