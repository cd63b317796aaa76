import { loadConfig } from '@shop/platform/config';
import { subgraphEnv } from '@shop/platform/service';
import { z } from 'zod';

export const config = loadConfig('inventory', z.object(subgraphEnv({ port: 4003, database: 'inventory' })));
