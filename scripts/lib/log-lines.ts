import { stdout } from 'node:process';

const COLORS = [36, 33, 35, 32, 34, 91, 96, 93, 95, 92];
const LEVEL_COLORS: Record<string, number> = {
  fatal: 41,
  error: 31,
  warn: 33,
  info: 32,
  debug: 90,
  trace: 90,
};
const HIDDEN_FIELDS = new Set(['level', 'time', 'service', 'msg', 'pid', 'hostname']);
const useColor = stdout.isTTY === true;
const assigned = new Map<string, number>();

function paint(code: number, text: string): string {
  return useColor ? `\u001b[${code}m${text}\u001b[0m` : text;
}

/**
 * One line of a service's output, readable in a terminal: `12:00:01 products  info  listening …`.
 * Services log JSON (for machines); the launcher shows it to people.
 */
export function formatLogLine(service: string, line: string): string {
  const color = assigned.get(service) ?? COLORS[assigned.size % COLORS.length] ?? 36;
  assigned.set(service, color);
  const prefix = paint(color, service.padEnd(9));
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `${prefix} ${escapeControls(line)}`;
  }
  if (typeof entry !== 'object' || entry === null || !('msg' in entry))
    return `${prefix} ${escapeControls(line)}`;
  const level = String(entry.level ?? 'info');
  const time =
    typeof entry.time === 'string' ? entry.time.slice(11, 19) : new Date().toISOString().slice(11, 19);
  const extras = Object.entries(entry)
    .filter(([key]) => !HIDDEN_FIELDS.has(key))
    .map(
      ([key, value]) =>
        `${escapeControls(key)}=${typeof value === 'object' ? JSON.stringify(value) : escapeControls(String(value))}`,
    );
  const err = entry.err as { message?: string; stack?: string } | undefined;
  // A stack's own lines are indented under the entry, so none can pass for a line of its own.
  const detail =
    err?.stack && (level === 'error' || level === 'fatal')
      ? `\n${err.stack
          .split('\n')
          .map((stackLine) => `  | ${escapeControls(stackLine)}`)
          .join('\n')}`
      : '';
  return `${paint(90, time)} ${prefix} ${paint(LEVEL_COLORS[level] ?? 37, level.padEnd(5))} ${escapeControls(String(entry.msg))}${
    extras.length > 0 ? paint(90, ` ${extras.filter((extra) => !extra.startsWith('err=')).join(' ')}`) : ''
  }${detail}`;
}

/**
 * Text a client may have sent (in a message, a field, a stack) shown as escapes: a newline
 * cannot forge a log line, an ESC cannot repaint the operator's terminal.
 */
export function escapeControls(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point.
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (character) =>
    character === '\n' ? '\\n' : `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
