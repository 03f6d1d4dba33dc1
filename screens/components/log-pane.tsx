// The live log of a running command: a fixed-height window on a LogSource (the LogSink).
// - Follow mode sticks to the newest line; ↑/↓/PgUp/PgDn/Home scroll back, End follows again.
// - stderr lines carry a "!" gutter (not just a colour), stdout a blank one.
// - Long lines are wrapped to the width; every row is truncated as a last resort, so the pane
//   never draws more than `height` rows (Ink must stay shorter than the terminal).
// - It redraws on the source's notifications, throttled here to one per `throttleMs`, so the
//   line rate never sets the frame rate. Full logs stay in the sink/transcript, not in React state.
// - Rows are keyed by their place on screen, not by line: a new frame then only changes the text
//   of the rows Ink already has, instead of replacing all of them (a redraw while lines stream in
//   shifts every row), and an unchanged row is not rendered again. Keys stay fast under load.
import React, { memo, useEffect, useReducer, useRef, useState } from 'react';
import { Box, Text, useStdout } from 'ink';
import type { LogLine, LogSource } from '../../source/logs/log-sink.js';
import { KeyHints } from './key-hints.js';
import { useKeys } from './keys.js';
import { tint } from './theme.js';

export interface LogPaneProps {
  source: LogSource;
  /** Rows the whole pane takes: log rows + a status row + (when shown) a key-hints row. Minimum 3. */
  height: number;
  /** Columns; defaults to the terminal width. */
  width?: number;
  /** Whether this pane takes the scroll keys (parents route keys with this). */
  isActive?: boolean;
  /** Show the pane's own key hints row (default true). */
  showHints?: boolean;
  throttleMs?: number;
}

const GUTTER = 2;

/** Splits a line into rows of at most `width` characters (code points). */
export function wrapLine(text: string, width: number): string[] {
  if (text.length <= width) return [text]; // UTF-16 units ≥ code points: it fits
  const chars = Array.from(text);
  if (chars.length <= width) return [text];
  const rows: string[] = [];
  for (let i = 0; i < chars.length; i += width) rows.push(chars.slice(i, i + width).join(''));
  return rows;
}

interface Row { stream: LogLine['stream']; text: string }

/** The rows that end at absolute line `end`, and the absolute index of the first line they show. */
function visibleRows(source: LogSource, end: number, rows: number, width: number): { rows: Row[]; firstLine: number } {
  const from = Math.max(source.first, end - rows);
  const lines = source.snapshot(from, end - from);
  const out: Row[] = [];
  let firstLine = end;
  for (let i = lines.length - 1; i >= 0 && out.length < rows; i--) {
    const wrapped = wrapLine(lines[i].text, width);
    firstLine = from + i;
    for (let j = wrapped.length - 1; j >= 0 && out.length < rows; j--) out.push({ stream: lines[i].stream, text: wrapped[j] });
  }
  return { rows: out.reverse(), firstLine };
}

const LogRow = memo(function LogRow({ stream, text }: Row): React.JSX.Element {
  return (
    <Text wrap="truncate-end" color={stream === 'stderr' ? tint('red') : undefined}>
      {stream === 'stderr' ? '! ' : '  '}{text}
    </Text>
  );
});

/** Re-renders on source notifications, at most once per `ms`. */
function useThrottledSubscription(source: LogSource, ms: number): void {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  const last = useRef(0);
  useEffect(() => {
    let timer: NodeJS.Timeout | null = null;
    const unsubscribe = source.subscribe(() => {
      if (timer) return;
      timer = setTimeout(() => { timer = null; last.current = Date.now(); bump(); }, Math.max(0, last.current + ms - Date.now()));
    });
    bump(); // catch up with lines pushed before we subscribed
    return () => { unsubscribe(); if (timer) clearTimeout(timer); };
  }, [source, ms]);
}

export function LogPane({ source, height, width, isActive = true, showHints = true, throttleMs = 100 }: LogPaneProps): React.JSX.Element {
  const { stdout } = useStdout();
  const columns = Math.max(10, width ?? stdout.columns ?? 80);
  const logRows = Math.max(1, height - 1 - (showHints ? 1 : 0));
  const textWidth = columns - GUTTER;
  // null = follow the newest line; otherwise the absolute index just past the last line shown.
  const [end, setEnd] = useState<number | null>(null);
  useThrottledSubscription(source, throttleMs);

  const total = source.total;
  const clamp = (n: number) => Math.min(total, Math.max(Math.min(total, source.first + 1), n));
  const shownEnd = end === null ? total : clamp(end);
  const scrollTo = (n: number) => setEnd(n >= total ? null : clamp(n));

  useKeys((_input, key) => {
    if (total === 0) return;
    if (key.upArrow) scrollTo(shownEnd - 1);
    else if (key.downArrow) scrollTo(shownEnd + 1);
    else if (key.pageUp) scrollTo(shownEnd - logRows);
    else if (key.pageDown) scrollTo(shownEnd + logRows);
    else if (key.home) scrollTo(source.first + Math.min(logRows, total - source.first));
    else if (key.end) setEnd(null);
  }, { isActive });

  const { rows, firstLine: firstShown } = visibleRows(source, shownEnd, logRows, textWidth);
  const dropped = source.first > 0 ? ` · older lines are in the transcript` : '';
  const status = end === null
    ? `▼ following · ${total.toLocaleString('en-US')} lines${dropped}`
    : `▲ scrolled back · lines ${(firstShown + 1).toLocaleString('en-US')}–${shownEnd.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} · End: follow`;

  return (
    <Box flexDirection="column" height={height} width={columns}>
      {Array.from({ length: logRows }, (_, i) => (i < rows.length
        ? <LogRow key={i} stream={rows[i].stream} text={rows[i].text} />
        : <Text key={i}> </Text>))}
      <Text dimColor wrap="truncate-end">{status}</Text>
      {showHints ? <KeyHints hints={[['↑↓ PgUp PgDn', 'scroll'], ['Home', 'oldest'], ['End', 'follow']]} /> : null}
    </Box>
  );
}
