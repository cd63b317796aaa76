import { loadConfig } from '@shop/platform/config';
import { subgraphEnv } from '@shop/platform/service';
import { z } from 'zod';

export const config = loadConfig('payments', z.object(subgraphEnv({ port: 4006, database: 'payments' })));
