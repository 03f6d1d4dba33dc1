// Finished narration goes to Ink's <Static> (gemini-cli style): printed once above the live
// area and left in the terminal's scrollback, so the live frame stays small. <Static> renders
// only items appended since its last render, so it gets an append-only list here (the store
// itself keeps a bounded window; a whole flow narrates a few hundred short lines).
import React, { useRef } from 'react';
import { Static, Text } from 'ink';
import type { NarrationLine } from '../../source/flow/prompt-io.js';
import { tint } from '../components/theme.js';

const PREFIX = { info: '  ', ok: '✔ ', warn: '⚠ ', error: '✖ ' } as const;
const COLOR = { info: undefined, ok: 'green', warn: 'yellow', error: 'red' } as const;

export function NarrationRow({ line }: { line: NarrationLine }): React.JSX.Element {
  const text = line.text.split('\n').map((l, i) => (i === 0 ? '' : '  ') + l).join('\n');
  if (line.kind === 'command') return <Text bold wrap="wrap">{text}</Text>;
  const color = COLOR[line.tone];
  return <Text wrap="wrap" color={color ? tint(color) : undefined}>{PREFIX[line.tone]}{text}</Text>;
}

export function Narration({ lines }: { lines: readonly NarrationLine[] }): React.JSX.Element {
  const printed = useRef<NarrationLine[]>([]);
  const last = printed.current.at(-1)?.id ?? 0;
  const fresh = lines.filter((l) => l.id > last);
  // A new array each time: <Static> memoizes on the items reference.
  if (fresh.length) printed.current = [...printed.current, ...fresh];
  return <Static items={printed.current}>{(line) => <NarrationRow key={line.id} line={line} />}</Static>;
}
