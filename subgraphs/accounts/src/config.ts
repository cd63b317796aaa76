import { loadConfig } from '@shop/platform/config';
import { subgraphEnv } from '@shop/platform/service';
import { z } from 'zod';

export const config = loadConfig('accounts', z.object(subgraphEnv({ port: 4001, database: 'accounts' })));
