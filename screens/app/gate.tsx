// The gate before the irreversible step: a red box with the warning, exactly what will run,
// and the server name to type. Anything but an exact match starts nothing.
import React, { useState } from 'react';
import { Box, Text } from 'ink';
import { gateFactLines, type PromptOf } from '../../source/flow/prompt-io.js';
import { KeyHints } from '../components/key-hints.js';
import { useKeys } from '../components/keys.js';
import { LineInput } from '../components/line-input.js';
import { StatusBadge } from '../components/status-badge.js';
import { tint } from '../components/theme.js';
import { useActions } from './contexts.js';

export function Gate({ prompt }: { prompt: PromptOf<'type-to-confirm'> }): React.JSX.Element {
  const { answer } = useActions();
  const [wrong, setWrong] = useState<string | null>(null);
  useKeys((_input, key) => { if (key.escape) answer<'type-to-confirm'>(prompt.id, false); });
  return (
    <Box flexDirection="column">
      <Box flexDirection="column" borderStyle="double" borderColor={tint('red')} paddingX={1}>
        <Text bold color={tint('red')}>⚠ CANNOT BE UNDONE — read before typing</Text>
        <Text wrap="wrap">{prompt.warning}</Text>
        {prompt.facts ? gateFactLines(prompt.facts).map((l) => <Text key={l} wrap="wrap">{l}</Text>) : null}
        <Text bold>It will run:</Text>
        {prompt.commands.map((c) => <Text key={c} wrap="wrap">  $ {c}</Text>)}
        <Text wrap="wrap">{prompt.question}:</Text>
        <Box>
          <Text>› </Text>
          <LineInput onSubmit={(typed) => (typed.trim() === prompt.expected ? answer<'type-to-confirm'>(prompt.id, true) : setWrong(typed))} />
        </Box>
        {wrong !== null ? <Text><StatusBadge kind="fail" label={`"${wrong}" is not ${prompt.expected}: nothing was started`} /></Text> : null}
      </Box>
      {/* Ctrl+C quit is on the App's own hint row below while a field takes keys. */}
      <KeyHints hints={[[`${prompt.expected} Enter`, 'start the migration'], ['Esc', 'not now (nothing starts)']]} />
    </Box>
  );
}
