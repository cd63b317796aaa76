import { sql } from 'drizzle-orm';
import type { Sql } from 'postgres';
import type { Logger } from '../logger';
import type { Database } from './database';

type TableSchema = Record<string, unknown>;

/**
 * Inside the transaction that makes a change: tells every replica listening on `channel`, once
 * (and only if) the transaction commits. Postgres NOTIFY is transactional, so a subscriber never
 * hears of a change that was rolled back, nor misses one that was committed while it listened.
 */
export async function notifyOnCommit<TSchema extends TableSchema>(
  tx: Database<TSchema>,
  channel: string,
  payload: string,
): Promise<void> {
  await tx.execute(sql`select pg_notify(${channel}, ${payload})`);
}

/** What a subscription of this process does with the changes of one channel. */
export interface ChangeListener {
  /** A change was committed (by any replica); `payload` is what its transaction sent. */
  change(payload: string): void;
  /** The listening connection was lost and is back: changes may have been missed, read again. */
  resync(): void;
}

/**
 * This process's ears on the changes any replica commits (Postgres LISTEN): one listening
 * connection for all channels, each channel's notifications fanned out to this process's
 * listeners. Works the same in the embedded and the distributed mode: it needs only the
 * service's own database.
 */
export class ChangeNotifications {
  private readonly channels = new Map<string, { listeners: Set<ChangeListener>; ready: Promise<unknown> }>();

  constructor(
    private readonly client: Sql,
    private readonly logger: Logger,
  ) {}

  /** Starts hearing `channel` (the LISTEN is made once per channel and kept); resolves once it listens. */
  async listen(channel: string, listener: ChangeListener): Promise<() => void> {
    let heard = this.channels.get(channel);
    if (!heard) {
      const listeners = new Set<ChangeListener>();
      let connections = 0;
      const ready = this.client.listen(
        channel,
        (payload) => {
          for (const each of listeners) each.change(payload);
        },
        () => {
          // Called on every (re)connection: after the first, what was sent meanwhile is lost.
          connections++;
          if (connections === 1) return;
          this.logger.warn({ channel }, 'listening again after a lost connection: subscribers read again');
          for (const each of listeners) each.resync();
        },
      );
      heard = { listeners, ready };
      this.channels.set(channel, heard);
      ready.catch(() => this.channels.delete(channel));
    }
    await heard.ready;
    heard.listeners.add(listener);
    const { listeners } = heard;
    return () => {
      listeners.delete(listener);
    };
  }

  /** How many listeners this process holds (a subscription that ended must not stay here). */
  listenerCount(): number {
    let count = 0;
    for (const { listeners } of this.channels.values()) count += listeners.size;
    return count;
  }
}
