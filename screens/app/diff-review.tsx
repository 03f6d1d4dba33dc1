// A vars.yml change, shown as a unified diff before anything is written: + and - lines carry
// their sign (not only colour); long diffs scroll inside a height the terminal can hold.
import React, { useState } from 'react';
import { Box, Text } from 'ink';
import { useKeys } from '../components/keys.js';
import type { PromptOf } from '../../source/flow/prompt-io.js';
import { KeyHints } from '../components/key-hints.js';
import { tint } from '../components/theme.js';
import { useActions } from './contexts.js';

function lineColor(line: string): string | undefined {
  if (line.startsWith('+++') || line.startsWith('---') || line.startsWith('===')) return undefined;
  if (line.startsWith('+')) return tint('green');
  if (line.startsWith('-')) return tint('red');
  if (line.startsWith('@@')) return tint('cyan');
  return undefined;
}

export function DiffReview({ prompt, height }: { prompt: PromptOf<'diff'>; height: number }): React.JSX.Element {
  const { answer } = useActions();
  const lines = prompt.diff.replace(/\n$/, '').split('\n');
  const rows = Math.max(3, height - 4);
  const [top, setTop] = useState(0);
  const maxTop = Math.max(0, lines.length - rows);
  useKeys((input, key) => {
    if (input === 'y' || input === 'Y') answer<'diff'>(prompt.id, true);
    else if (input === 'n' || input === 'N') answer<'diff'>(prompt.id, false);
    else if (key.upArrow) setTop((t) => Math.max(0, t - 1));
    else if (key.downArrow) setTop((t) => Math.min(maxTop, t + 1));
    else if (key.pageUp) setTop((t) => Math.max(0, t - rows));
    else if (key.pageDown) setTop((t) => Math.min(maxTop, t + rows));
  });
  const shown = lines.slice(top, top + rows);
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">{prompt.title} — change to vars.yml (a timestamped backup is kept)</Text>
      {shown.map((l, i) => <Text key={top + i} wrap="truncate-end" color={lineColor(l)}>{l === '' ? ' ' : l}</Text>)}
      <Text dimColor>{lines.length > rows ? `lines ${top + 1}–${top + shown.length} of ${lines.length} (↑↓ PgUp PgDn scroll)` : `${lines.length} lines`}</Text>
      <Text bold>Write this change to vars.yml? [y/n]</Text>
      <KeyHints hints={[['y', 'write it'], ['n', "don't write (the step stops)"], ...(lines.length > rows ? [['↑↓', 'scroll'] as const] : [])]} />
    </Box>
  );
}
