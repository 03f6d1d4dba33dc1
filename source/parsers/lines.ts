// Turns a stream of output chunks (split anywhere, even inside a line or an escape
// sequence) into whole lines without ANSI colour codes, for the streaming parsers.
import stripAnsi from 'strip-ansi';

export class LineSplitter {
  private partial = '';

  constructor(private readonly onLine: (line: string) => void) {}

  /** Feed any chunk; complete lines are handed on at once, the rest waits for more. */
  feed(chunk: string): void {
    let text = this.partial + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
      this.onLine(cleanLine(text.slice(start, nl)));
      start = nl + 1;
    }
    this.partial = start === 0 ? text : text.slice(start);
    text = '';
  }

  /** The stream ended: a last line without a newline still counts. */
  flush(): void {
    if (this.partial !== '') this.onLine(cleanLine(this.partial));
    this.partial = '';
  }
}

/** Drops a trailing CR and colour codes (only paid for when an ESC is present). */
export function cleanLine(line: string): string {
  const noCr = line.endsWith('\r') ? line.slice(0, -1) : line;
  return noCr.includes('\u001b') ? stripAnsi(noCr) : noCr;
}
