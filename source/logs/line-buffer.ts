// Turns the chunks a command writes to stdout/stderr into whole, terminal-safe lines.
// - \n and \r\n end a line; a bare \r rewinds it (progress bars): the last state wins.
// - Escape sequences are stripped (cursor movement, OSC titles/hyperlinks, clear screen and
//   colour alike): the log pane draws inside Ink's frame, where any of them could corrupt
//   the screen, and colour never carries meaning here. Other control bytes go too; tabs
//   become spaces so widths are right.
// - A line that never ends is cut at `maxLineLength` so memory stays bounded; the cut
//   prefers a separator near the limit so a token is not split in two (the redactor works
//   per line). Display wrapping is the log pane's job, not this one's.
import stripAnsi from 'strip-ansi';

export type StreamName = 'stdout' | 'stderr';

export interface LogLine {
  stream: StreamName;
  text: string;
}

export const DEFAULT_MAX_LINE_LENGTH = 64 * 1024;

// C0 controls except \t (\n included: a line never holds one), DEL, and C1 controls (which some terminals treat as ESC-sequences).
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

/** Makes one raw line safe to print inside a terminal UI. */
export function sanitizeLine(raw: string): string {
  let line = raw;
  if (line.includes('\r')) {
    // Keep the last non-empty state of a line redrawn with carriage returns.
    const parts = line.split('\r').filter((p) => p.length > 0);
    line = parts.length ? parts[parts.length - 1] : '';
  }
  if (/[\u001b\u009b\u009d]/.test(line)) line = stripAnsi(line);
  if (line.includes('\t')) line = expandTabs(line);
  return line.replace(CONTROL, '');
}

function expandTabs(line: string): string {
  let out = '';
  for (const ch of line) out += ch === '\t' ? ' '.repeat(8 - (out.length % 8)) : ch;
  return out;
}

// Anything sanitizeLine would change: C0 controls but \n (\r and \t included), DEL, C1 (ESC-sequences start with one).
const NEEDS_SANITIZING = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
const SURROGATE = /[\ud800-\udfff]/;

/** Whether JSON.stringify would leave sanitized text as it is: no ", no \\, no surrogate (controls are gone). */
function jsonSafe(sanitized: string): boolean {
  // includes() of one character is nearly free; a string of Latin-1 only cannot hold a surrogate,
  // which V8 knows without scanning.
  return !sanitized.includes('"') && !sanitized.includes('\\') && !SURROGATE.test(sanitized);
}

/** Consecutive complete lines of one stream, as the splitter hands them on. */
export interface LineBatch {
  lines: string[];
  /** The lines joined with \n (sinks that scan or write a whole batch use it instead of joining again). */
  text: string;
  /** True when no line holds a character JSON must escape (", \\, a control, a surrogate). */
  jsonSafe: boolean;
}

/**
 * Splits one stream's chunks into sanitized lines, delivered to `onLines` in order, a batch per
 * chunk: the per-line work is what limits how fast a stream can be shown, so a chunk of plain
 * text is split once and sanitized only when it holds something to remove.
 */
export class LineSplitter {
  private pending = '';

  constructor(
    private readonly onLines: (batch: LineBatch) => void,
    private readonly maxLineLength = DEFAULT_MAX_LINE_LENGTH,
  ) {}

  push(chunk: string): void {
    if (chunk.length === 0) return;
    let data = this.pending + chunk;
    const nl = data.lastIndexOf('\n');
    if (nl !== -1) {
      const whole = data.slice(0, nl);
      const lines = whole.split('\n');
      if (NEEDS_SANITIZING.test(whole)) this.emit(lines.map(sanitizeLine));
      else this.onLines({ lines, text: whole, jsonSafe: jsonSafe(whole) });
      data = data.slice(nl + 1);
    }
    // A progress line redrawn with \r forever: only its last non-empty state matters. Trailing
    // \r's stay (one may be the first half of a \r\n split across chunks) and do not erase.
    let text = data.length;
    while (text > 0 && data[text - 1] === '\r') text--;
    const cr = data.lastIndexOf('\r', text - 1);
    if (cr > 0) data = data.slice(cr);
    const cuts: string[] = [];
    while (data.length > this.maxLineLength) {
      const cut = cutPoint(data, this.maxLineLength);
      cuts.push(sanitizeLine(data.slice(0, cut)));
      data = data.slice(cut);
    }
    if (cuts.length) this.emit(cuts);
    this.pending = data;
  }

  /** Emits a last line without a newline, if any (at the end of a command). */
  end(): void {
    if (this.pending.length > 0) {
      const line = sanitizeLine(this.pending);
      this.pending = '';
      if (line.length > 0) this.emit([line]);
    }
  }

  private emit(lines: string[]): void {
    const text = lines.join('\n');
    this.onLines({ lines, text, jsonSafe: jsonSafe(text) });
  }
}

function cutPoint(data: string, max: number): number {
  const window = data.slice(max - 512, max);
  const sep = Math.max(window.lastIndexOf(' '), window.lastIndexOf(','), window.lastIndexOf('"'));
  return sep >= 0 ? max - 512 + sep + 1 : max;
}
