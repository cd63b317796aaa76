import {
  InMemoryLRUCache,
  type KeyValueCache,
  type KeyValueCacheSetOptions,
  PrefixingKeyValueCache,
} from '@apollo/utils.keyvaluecache';
import type { PersistedOperations } from './manifest';

/**
 * Apollo Server's persisted query cache, answered from the manifest first: an operation of the
 * manifest sent by id (`extensions.persistedQuery.sha256Hash`) is found there. With `automatic`,
 * automatic persisted queries registered by clients are kept too; without, nothing is added.
 */
export function persistedOperationCache(
  operations: PersistedOperations,
  automatic: boolean,
): KeyValueCache<string> {
  const registered = automatic ? new InMemoryLRUCache<string>() : null;
  const cache: KeyValueCache<string> = {
    async get(id) {
      return operations.bodyOf(id) ?? registered?.get(id);
    },
    async set(id: string, body: string, options?: KeyValueCacheSetOptions) {
      await registered?.set(id, body, options);
    },
    async delete(id) {
      return registered?.delete(id);
    },
  };
  // Keys are the operations' ids as they are: this cache holds nothing else.
  return PrefixingKeyValueCache.cacheDangerouslyDoesNotNeedPrefixesForIsolation(cache);
}
