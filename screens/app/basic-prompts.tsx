// The plain questions a step can ask: yes/no, one of a list, a line of text.
import React, { useState } from 'react';
import { Box, Text } from 'ink';
import type { PromptOf } from '../../source/flow/prompt-io.js';
import { KeyHints } from '../components/key-hints.js';
import { useKeys } from '../components/keys.js';
import { LineInput } from '../components/line-input.js';
import { SelectList } from '../components/select-list.js';
import { StatusBadge } from '../components/status-badge.js';
import { useActions } from './contexts.js';

export function ConfirmPrompt({ prompt }: { prompt: PromptOf<'confirm'> }): React.JSX.Element {
  const { answer } = useActions();
  const yesDefault = prompt.prefill ?? prompt.defaultYes;
  useKeys((input, key) => {
    if (input === 'y' || input === 'Y') answer<'confirm'>(prompt.id, true);
    else if (input === 'n' || input === 'N') answer<'confirm'>(prompt.id, false);
    else if (key.return) answer<'confirm'>(prompt.id, yesDefault);
  });
  return (
    <Box flexDirection="column">
      <Text bold wrap="wrap">{prompt.question}</Text>
      {prompt.prefill !== undefined ? <Text dimColor>The answers file says {prompt.prefill ? 'yes' : 'no'}.</Text> : null}
      <Text>{yesDefault ? '[Y/n]' : '[y/N]'}</Text>
      <KeyHints hints={[['y', 'yes'], ['n', 'no'], ['Enter', yesDefault ? 'yes' : 'no']]} />
    </Box>
  );
}

export function SelectPrompt({ prompt }: { prompt: PromptOf<'select'> }): React.JSX.Element {
  const { answer } = useActions();
  return (
    <Box flexDirection="column">
      <Text bold wrap="wrap">{prompt.question}</Text>
      {prompt.choices.some((c) => c.hint) ? (
        <Box flexDirection="column" marginBottom={1}>
          {prompt.choices.map((c) => <Text key={c.value} wrap="wrap">• <Text bold>{c.label}</Text>: {c.hint ?? ''}</Text>)}
        </Box>
      ) : null}
      <SelectList
        items={prompt.choices.map((c) => ({ label: c.label, value: c.value }))}
        initial={prompt.prefill ?? prompt.initial}
        onSelect={(value) => answer<'select'>(prompt.id, value)}
      />
      <KeyHints hints={[['↑↓', 'choose'], ['Enter', 'select']]} />
    </Box>
  );
}

export function TextPrompt({ prompt }: { prompt: PromptOf<'text'> }): React.JSX.Element {
  const { answer, cancel } = useActions();
  const [problem, setProblem] = useState<string | null>(null);
  const fallback = prompt.prefill ?? prompt.initial;
  useKeys((_input, key) => { if (key.escape) cancel(prompt.id, `no answer to "${prompt.question}"`); });
  const submit = (typed: string) => {
    const value = typed === '' && fallback !== undefined ? fallback : typed;
    const bad = value === '' ? 'an answer is needed' : prompt.validate?.(value) ?? null;
    if (bad) setProblem(bad);
    else answer<'text'>(prompt.id, value);
  };
  return (
    <Box flexDirection="column">
      <Text bold wrap="wrap">{prompt.question}</Text>
      <Box>
        <Text>{prompt.secret ? '(hidden) ' : ''}› </Text>
        <LineInput mask={prompt.secret} placeholder={fallback && !prompt.secret ? fallback : ''} onSubmit={submit} />
      </Box>
      {problem ? <Text><StatusBadge kind="fail" label={`Not accepted: ${problem}`} /></Text> : null}
      <KeyHints hints={[['Enter', fallback && !prompt.secret ? `use (empty = ${fallback})` : 'use this'], ['Esc', 'stop this step']]} />
    </Box>
  );
}
