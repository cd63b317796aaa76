import { loadConfig } from '@shop/platform/config';
import { subgraphEnv } from '@shop/platform/service';
import { z } from 'zod';

export const config = loadConfig('reviews', z.object(subgraphEnv({ port: 4004, database: 'reviews' })));
