import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import type { Logger } from '@shop/platform/logger';
import { Redis } from 'ioredis';

/** Where cached responses are kept: a key, a text, a time to live. A store that fails answers "not there". */
export interface ResponseStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  close(): Promise<void>;
}

/** In this process' memory, least recently used dropped first, bounded by the bytes it holds. */
export function memoryResponseStore(maxBytes: number): ResponseStore {
  const cache = new InMemoryLRUCache<string>({
    maxSize: maxBytes,
    sizeCalculation: (value: string, key: string) => value.length + key.length,
  });
  return {
    get: (key) => cache.get(key),
    set: (key, value, ttlSeconds) => cache.set(key, value, { ttl: ttlSeconds }),
    async close() {
      cache.clear();
    },
  };
}

/**
 * In Redis, shared by every gateway process, under `keyPrefix`. Redis being down or slow costs
 * a request nothing but the cache: commands fail fast (no offline queue, a short timeout), and
 * are answered as misses; the outage is logged when it starts and when it ends.
 */
export function redisResponseStore(url: string, keyPrefix: string, logger: Logger): ResponseStore {
  const redis = new Redis(url, {
    keyPrefix,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 250,
    lazyConnect: false,
  });
  let failing = false;
  const failed = (error: unknown) => {
    if (!failing)
      logger.warn({ err: error }, 'the response cache (Redis) is unavailable: serving without it');
    failing = true;
  };
  const succeeded = () => {
    if (failing) logger.info('the response cache (Redis) is available again');
    failing = false;
  };
  // ioredis reports connection trouble as events too; the commands' failures already tell it.
  redis.on('error', () => {});
  return {
    async get(key) {
      try {
        const value = await redis.get(key);
        succeeded();
        return value ?? undefined;
      } catch (error) {
        failed(error);
        return undefined;
      }
    },
    async set(key, value, ttlSeconds) {
      try {
        await redis.set(key, value, 'EX', ttlSeconds);
        succeeded();
      } catch (error) {
        failed(error);
      }
    },
    async close() {
      redis.disconnect();
    },
  };
}
