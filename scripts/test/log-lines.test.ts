import { describe, expect, it } from 'vitest';
import { formatLogLine } from '../lib/log-lines';

describe("the launcher's log lines", () => {
  it('show what a client sent with its newlines and escape sequences escaped: one entry, one line', () => {
    const entry = {
      level: 'error',
      time: '2026-12-05T12:00:00.000Z',
      msg: 'refused\n12:00:01 accounts  info  admin logged in',
      email: 'x@y\r\n12:00:02 gateway   info  forged\u001b[2J',
      err: { message: 'bad', stack: 'Error: bad\nparams: a\u001b[31m\n    at run (file.ts:1:1)' },
    };
    const shown = formatLogLine('accounts', JSON.stringify(entry));
    const [first, ...stack] = shown.split('\n');
    expect(first).toContain('refused\\n12:00:01 accounts');
    expect(first).toContain('x@y\\u000d\\n12:00:02 gateway');
    expect(shown).not.toContain('\u001b');
    expect(stack).toHaveLength(3);
    for (const line of stack) expect(line.startsWith('  | ')).toBe(true);
    expect(formatLogLine('products', 'not json\nsecond\u0000')).toBe('products  not json\\nsecond\\u0000');
  });
});
