import { parseArgs } from 'node:util';
import { DEAD_LETTER_REASONS, type DeadLetterReason } from './consumer';
import type { ReplayResult } from './dead-letter-replay';

export const REPLAY_USAGE =
  'usage: npm run events:replay -- --service <name> (--event <id> [--event <id> ...] | --all) [--reason <reason>] [--dry-run]';

export interface ReplayCommand {
  service: string;
  select: { eventIds: string[] } | 'all';
  reason?: DeadLetterReason;
  dryRun: boolean;
}

export type ParsedReplayCommand = { ok: true; command: ReplayCommand } | { ok: false; error: string };

/** `npm run events:replay` arguments; `services` are the names --service may take. */
export function parseReplayCommand(
  argv: readonly string[],
  services: readonly string[],
): ParsedReplayCommand {
  let values: { service?: string; event?: string[]; all?: boolean; reason?: string; 'dry-run'?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        service: { type: 'string' },
        event: { type: 'string', multiple: true },
        all: { type: 'boolean' },
        reason: { type: 'string' },
        'dry-run': { type: 'boolean' },
      },
      allowPositionals: false,
      strict: true,
    }));
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
  const fail = (error: string): ParsedReplayCommand => ({ ok: false, error });
  if (!values.service) return fail(`--service is required: one of ${services.join(', ')}`);
  if (!services.includes(values.service))
    return fail(`--service ${values.service} is not a service; one of ${services.join(', ')}`);
  const eventIds = (values.event ?? []).map((id) => id.trim());
  if (eventIds.length > 0 && values.all) return fail('give either --event <id> or --all, not both');
  if (eventIds.length === 0 && !values.all)
    return fail('say what to replay: --event <id> (repeatable) or --all');
  if (eventIds.some((id) => id === '')) return fail('--event needs an event id');
  const reason = values.reason;
  if (reason !== undefined && !isReason(reason))
    return fail(`--reason ${reason} is not a dead-letter reason; one of ${DEAD_LETTER_REASONS.join(', ')}`);
  return {
    ok: true,
    command: {
      service: values.service,
      select: values.all ? 'all' : { eventIds: [...new Set(eventIds)] },
      ...(reason === undefined ? {} : { reason }),
      dryRun: values['dry-run'] ?? false,
    },
  };
}

function isReason(value: string): value is DeadLetterReason {
  return (DEAD_LETTER_REASONS as readonly string[]).includes(value);
}

/** 0: everything selected was replayed (or listed, on a dry run); 1: something was not; 2: refused. */
export function replayExitCode(result: ReplayResult): 0 | 1 | 2 {
  if (result.kind === 'refused') return 2;
  return result.failed > 0 || result.skipped > 0 ? 1 : 0;
}
