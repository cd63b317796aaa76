import { describe, expect, it } from 'vitest';
import { parseReplayCommand, replayExitCode } from '../../src/events';

const SERVICES = ['orders', 'payments'];
const parse = (...argv: string[]) => parseReplayCommand(argv, SERVICES);

describe('npm run events:replay arguments', () => {
  it('takes one or more --event ids, or --all, with an optional reason and dry run', () => {
    expect(parse('--service', 'orders', '--event', 'a', '--event', 'b', '--event', 'a')).toEqual({
      ok: true,
      command: { service: 'orders', select: { eventIds: ['a', 'b'] }, dryRun: false },
    });
    expect(parse('--service=payments', '--all', '--reason', 'handler_failed', '--dry-run')).toEqual({
      ok: true,
      command: { service: 'payments', select: 'all', reason: 'handler_failed', dryRun: true },
    });
  });

  it.each([
    [['--all'], '--service is required: one of orders, payments'],
    [['--service', 'billing', '--all'], '--service billing is not a service; one of orders, payments'],
    [['--service', 'orders'], 'say what to replay: --event <id> (repeatable) or --all'],
    [['--service', 'orders', '--all', '--event', 'a'], 'give either --event <id> or --all, not both'],
    [['--service', 'orders', '--event', ' '], '--event needs an event id'],
    [['--service', 'orders', '--all', '--reason', 'flaky'], '--reason flaky is not a dead-letter reason'],
    [['--service', 'orders', '--all', '--force'], "Unknown option '--force'"],
    [['--service', 'orders', '--event', 'a', 'b'], "Unexpected argument 'b'"],
    [['--service', 'orders', '--event'], "Option '--event <value>' argument missing"],
    [['--service', 'orders', '--all=yes'], "Option '--all' does not take an argument"],
  ])('refuses %j', (argv, error) => {
    const parsed = parse(...argv);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(error);
  });

  it('exits 0 when everything selected was replayed, 1 when something was not, 2 when refused', () => {
    const done = { kind: 'done', selected: 2, replayed: 2, skipped: 0, failed: 0 } as const;
    expect(replayExitCode(done)).toBe(0);
    expect(replayExitCode({ ...done, replayed: 1, failed: 1 })).toBe(1);
    expect(replayExitCode({ ...done, replayed: 1, skipped: 1 })).toBe(1);
    expect(replayExitCode({ kind: 'refused', unknown: ['a'] })).toBe(2);
  });
});
