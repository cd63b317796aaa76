import { loadConfig } from '@shop/platform/config';
import { subgraphEnv } from '@shop/platform/service';
import { z } from 'zod';

export const config = loadConfig('products', z.object(subgraphEnv({ port: 4002, database: 'products' })));
