import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '@shop/platform/logger';

/** Where the supergraph comes from: a file that is watched, or a URL that is polled. */
export interface SupergraphSource {
  /** For messages: the path, or the URL without its query string and credentials. */
  description: string;
  /** The supergraph as it is now; throws when it cannot be read. */
  read(): Promise<string>;
  /** Calls `changed` when the supergraph may have changed; returns how to stop. */
  watch?(changed: () => void, logger: Logger): () => void;
}

export function fileSupergraphSource(path: string): SupergraphSource {
  return {
    description: path,
    read: () => readFile(path, 'utf8'),
    watch(changed, logger) {
      // The folder, not the file: deployments replace the file by renaming another over it
      // (or swap a symlinked folder, as Kubernetes does with a ConfigMap), which ends a file watch.
      let watcher: FSWatcher;
      try {
        watcher = watch(dirname(path), { persistent: false }, () => changed());
      } catch (error) {
        logger.warn({ err: error, path }, 'cannot watch the supergraph file; polling it instead');
        return () => {};
      }
      watcher.on('error', (error) =>
        logger.warn({ err: error, path }, 'watching the supergraph file failed; polling it instead'),
      );
      return () => watcher.close();
    },
  };
}

/** Polled with `If-None-Match`, so an unchanged supergraph costs a 304. */
export function urlSupergraphSource(url: string, timeoutMs = 10_000): SupergraphSource {
  const shown = new URL(url);
  let etag: string | null = null;
  let last: string | null = null;
  return {
    description: `${shown.origin}${shown.pathname}`,
    async read() {
      const response = await fetch(url, {
        headers: etag && last !== null ? { 'if-none-match': etag } : {},
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.status === 304 && last !== null) return last;
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`HTTP ${response.status} from ${shown.origin}${shown.pathname}`);
      }
      last = await response.text();
      etag = response.headers.get('etag');
      return last;
    },
  };
}
