import { loadConfig } from '@shop/platform/config';
import { subgraphEnv } from '@shop/platform/service';
import { z } from 'zod';

export const config = loadConfig('orders', z.object(subgraphEnv({ port: 4005, database: 'orders' })));
