// Small statistics and counting helpers for the benchmark.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export const round = (n: number, digits = 1): number => Number(n.toFixed(digits));

export interface TranscriptCount {
  /** Output records ({"out": …}) in the file. */
  outLines: number;
  /** Output records carrying exactly the expected sequence "line 1", "line 2", … in order. */
  inOrder: number;
}

/**
 * Reads a transcript (JSONL) and checks the generated lines arrived whole and in order:
 * every generated line starts with "line <zero-padded number>".
 */
export async function countTranscript(file: string): Promise<TranscriptCount> {
  let outLines = 0;
  let inOrder = 0;
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.startsWith('{"out":')) continue;
    outLines++;
    const text = (JSON.parse(line) as { out: string }).out;
    const m = /^line (\d+) /.exec(text);
    if (m && Number(m[1]) === inOrder + 1) inOrder++;
  }
  return { outLines, inOrder };
}
