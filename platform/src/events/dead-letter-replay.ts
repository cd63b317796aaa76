import type { DescMessage } from '@bufbuild/protobuf';
import type { Sql } from 'postgres';
import { EVENT_CONTRACTS, type EventName } from './contracts';
import { describeEvent, type EventEnvelope, eventEnvelopeSchema } from './envelope';
import type { EventTransport } from './transport';
import { decodePayload, fromStoredEnvelope } from './wire';

export interface ReplayOptions {
  /** The consuming service's own database (its `dead_letters` and `inbox` tables). */
  sql: Sql;
  /** The bus that service consumes from. */
  transport: Pick<EventTransport, 'redeliver'>;
  /** The consumer whose dead letters these are: the service name. */
  consumer: string;
  /** The event ids to replay, or every dead letter of the consumer. */
  select: { eventIds: readonly string[] } | 'all';
  /** Only dead letters with this reason. */
  reason?: string;
  /** List what would be replayed; change nothing. */
  dryRun?: boolean;
  /** Receives one line per event, each followed by its payload as JSON, then the summary. */
  print: (line: string) => void;
  /** The messages to decode payloads with: schema/events' by default. */
  contracts?: readonly { schema: DescMessage; event: EventName }[];
}

export type ReplayResult =
  /** Nothing was done: these ids are not dead letters of the consumer (with that reason). */
  | { kind: 'refused'; unknown: string[] }
  | { kind: 'done'; selected: number; replayed: number; skipped: number; failed: number };

const UNDEFINED_TABLE = '42P01';

interface DeadLetter {
  event_id: string;
  reason: string;
  attempts: number;
  dead_lettered_at: string;
  envelope: unknown;
}

/**
 * Delivers dead-lettered events again, each with its own id and to its consumer only, once
 * their cause is fixed. Per event, one transaction in the consumer's database locks the dead
 * letter, deletes it and the inbox row the dead-lettering wrote (or the replay would be taken
 * as a duplicate), hands the envelope to the bus and commits only once the bus took it: a
 * failure or crash before that leaves both rows, to replay again. The consumer's handling of
 * the replay waits on those locks, so a new dead letter it writes is never the one deleted
 * here; a message the bus took whose commit failed meets the inbox row and is a no-op.
 */
export async function replayDeadLetters(options: ReplayOptions): Promise<ReplayResult> {
  const { sql, consumer, print } = options;
  const byReason = options.reason === undefined ? sql`` : sql`and reason = ${options.reason}`;
  const byId = options.select === 'all' ? sql`` : sql`and event_id = any(${[...options.select.eventIds]})`;
  const rows = await sql<DeadLetter[]>`
    select event_id, reason, attempts, envelope,
           -- As text: the caller's client may or may not parse timestamps into Dates.
           to_char(dead_lettered_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as dead_lettered_at
    from dead_letters where consumer = ${consumer} ${byId} ${byReason}
    order by dead_lettered_at, event_id`.catch((error: unknown) => {
    if ((error as { code?: string }).code === UNDEFINED_TABLE)
      throw new Error(`the database of ${consumer} has no dead_letters table: it consumes no events`);
    throw error;
  });

  if (options.select !== 'all') {
    const found = new Set(rows.map((row) => row.event_id));
    const unknown = options.select.eventIds.filter((id) => !found.has(id));
    if (unknown.length > 0) {
      const withReason = options.reason === undefined ? '' : ` with reason ${options.reason}`;
      for (const id of unknown) print(`${id} is not a dead letter of ${consumer}${withReason}`);
      print('nothing replayed');
      return { kind: 'refused', unknown };
    }
  }

  let replayed = 0;
  let skipped = 0;
  let failed = 0;
  for (const row of rows) {
    const parsed = eventEnvelopeSchema.safeParse(fromStoredEnvelope(row.envelope));
    if (!parsed.success) {
      skipped += 1;
      print(
        `skip     ${row.event_id}  ${row.reason}: the stored message is no readable envelope, so there is no event to deliver; ` +
          `inspect it (select envelope from dead_letters where event_id = '${row.event_id}') and delete the row once dealt with`,
      );
      continue;
    }
    const envelope: EventEnvelope = parsed.data;
    const summary = describeRow(row, envelope);
    const payload = `         payload ${payloadAsJson(envelope, options.contracts ?? EVENT_CONTRACTS)}`;
    if (options.dryRun) {
      print(`would    ${summary}`);
      print(payload);
      continue;
    }
    try {
      const outcome = await replayOne(options, row.event_id, envelope);
      if (outcome === 'gone')
        print(`gone     ${row.event_id}  no longer a dead letter (replayed or withdrawn meanwhile)`);
      else {
        replayed += 1;
        print(`replayed ${summary}`);
        print(payload);
      }
    } catch (error) {
      failed += 1;
      print(`FAILED   ${summary}: ${error instanceof Error ? error.message : String(error)}`);
      print(payload);
    }
  }

  const verb = options.dryRun ? 'would replay' : 'replayed';
  const count = options.dryRun ? rows.length - skipped : replayed;
  print(
    `${consumer}: ${rows.length} dead letter(s) selected, ${count} ${verb}, ${skipped} skipped, ${failed} failed${options.dryRun ? ' (dry run: nothing changed)' : ''}`,
  );
  return { kind: 'done', selected: rows.length, replayed, skipped, failed };
}

async function replayOne(
  { sql, transport, consumer }: ReplayOptions,
  eventId: string,
  envelope: EventEnvelope,
): Promise<'replayed' | 'gone'> {
  return sql.begin(async (tx) => {
    const [locked] = await tx`
      delete from dead_letters where event_id = ${eventId} and consumer = ${consumer} returning event_id`;
    // Another replay got there first (and this one waited for it): nothing left to do.
    if (!locked) return 'gone' as const;
    await tx`delete from inbox where event_id = ${envelope.id} and consumer = ${consumer}`;
    await transport.redeliver(consumer, envelope);
    return 'replayed' as const;
  });
}

function describeRow(row: DeadLetter, envelope: EventEnvelope): string {
  return [
    row.event_id,
    describeEvent(envelope),
    `reason=${row.reason}`,
    `attempts=${row.attempts}`,
    `dead-lettered ${row.dead_lettered_at}`,
  ].join('  ');
}

/**
 * The payload for a person to read: Protobuf bytes decoded with the message of the event's
 * producer, type and version; a JSON payload (written before Protobuf) as it is.
 */
function payloadAsJson(
  envelope: EventEnvelope,
  contracts: readonly { schema: DescMessage; event: EventName }[],
): string {
  if (!(envelope.payload instanceof Uint8Array)) return JSON.stringify(envelope.payload);
  const bytes = `${envelope.payload.length} bytes of Protobuf`;
  const contract = contracts.find(
    ({ event }) =>
      event.producer === envelope.producer &&
      event.type === envelope.type &&
      event.version === envelope.version,
  );
  if (!contract) return `(${bytes}; no message known for ${describeEvent(envelope)})`;
  try {
    return JSON.stringify(decodePayload(contract.schema, envelope.payload));
  } catch (error) {
    return `(${bytes} that are no ${contract.schema.typeName}: ${(error as Error).message})`;
  }
}
