import { readFile } from 'node:fs/promises';
import { StartupError } from '@shop/platform/service';
import type { GatewayConfig } from '../config';

/** The supergraph the gateway serves, read from SUPERGRAPH_PATH (or `--supergraph`). */
export async function readSupergraph(config: GatewayConfig): Promise<string> {
  try {
    return await readFile(config.SUPERGRAPH_PATH, 'utf8');
  } catch (error) {
    throw new StartupError(
      `cannot read the supergraph at ${config.SUPERGRAPH_PATH}: ${(error as Error).message}`,
    );
  }
}
