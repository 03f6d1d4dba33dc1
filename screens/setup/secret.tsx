// The MAS encryption secret: generate (recommended), paste, or point at a vaulted variable.
// A pasted value is masked while typed and never shown again; only its problems are.
import React, { useState } from 'react';
import { Box, Text } from 'ink';
import { checkSecret, type ExistingSecretState, type SecretChoice } from '../../source/mas/secret.js';
import { KeyHints } from '../components/key-hints.js';
import { useKeys } from '../components/keys.js';
import { LineInput } from '../components/line-input.js';
import { SelectList } from '../components/select-list.js';
import { StatusBadge } from '../components/status-badge.js';

export interface SecretProps {
  existing: ExistingSecretState;
  onSubmit: (choice: SecretChoice) => void;
  onBack: () => void;
}

type Mode = 'choose' | 'paste' | 'reference';

const EXISTING_WORDS: Record<ExistingSecretState, string> = {
  missing: 'vars.yml has no encryption secret yet.',
  vault: 'vars.yml has a !vault value for it; the wizard can keep it untouched.',
  reference: 'vars.yml points at another variable for it; the wizard can keep that.',
  valid: 'vars.yml already has a valid secret. Keep it if MAS has ever started with it.',
  invalid: 'vars.yml has a value that is not 64 hex characters (mas.secret-invalid).',
};

export function SecretScreen({ existing, onSubmit, onBack }: SecretProps): React.JSX.Element {
  const [mode, setMode] = useState<Mode>('choose');
  const [typed, setTyped] = useState('');
  // The error belongs to the value it was found in; typing on hides it.
  const [failed, setFailed] = useState<{ value: string; problem: string } | null>(null);
  const error = failed && failed.value === typed ? failed.problem : null;

  useKeys((_input, key) => {
    if (!key.escape) return;
    if (mode === 'choose') onBack();
    else { setMode('choose'); setTyped(''); setFailed(null); }
  });

  const keep = existing === 'vault' || existing === 'reference' || existing === 'valid';
  const options = [
    ...(keep ? [{ label: 'Keep the existing value', value: 'keep' }] : []),
    { label: 'Generate a new random secret (recommended)', value: 'generate' },
    { label: 'Paste a secret I already have (64 hex characters)', value: 'paste' },
    { label: 'Use a variable reference, e.g. {{ vault_mas_secret }}', value: 'reference' },
  ];

  const live = typed.trim() === '' ? null : checkSecret(typed);
  const submit = (kind: 'paste' | 'reference') => (value: string) => {
    const check = checkSecret(value);
    if (!check.ok) return setFailed({ value, problem: check.problem });
    if (kind === 'paste' && check.kind !== 'hex') return setFailed({ value, problem: 'that is a variable reference: choose "Use a variable reference"' });
    if (kind === 'reference' && check.kind !== 'reference') return setFailed({ value, problem: 'expected a whole {{ variable }} reference' });
    onSubmit({ kind, value: value.trim() });
  };

  return (
    <Box flexDirection="column">
      <Text bold>MAS encryption secret</Text>
      <Text wrap="wrap">It encrypts data in the MAS database. It is written only to vars.yml, never shown again, and must never change once MAS has started.</Text>
      <Text>{EXISTING_WORDS[existing]}</Text>
      <Box marginTop={1} flexDirection="column">
        {mode === 'choose' ? (
          <SelectList
            items={options}
            onSelect={(v) => {
              if (v === 'keep') onSubmit({ kind: 'keep-existing' });
              else if (v === 'generate') onSubmit({ kind: 'generate' });
              else setMode(v as Mode);
            }}
          />
        ) : null}
        {mode === 'paste' ? (
          <Box flexDirection="column">
            <Box><Text>Secret (hidden): </Text><LineInput mask clearOnSubmit={false} placeholder="paste 64 hex characters" onChange={setTyped} onSubmit={submit('paste')} /></Box>
            <Text>
              {typed.trim().length}/64 characters{' '}
              {live && live.ok && live.kind === 'hex' ? <StatusBadge kind="ok" label="valid" /> : null}
              {live && !live.ok ? <StatusBadge kind="warn" label={live.problem} /> : null}
            </Text>
          </Box>
        ) : null}
        {mode === 'reference' ? (
          <Box flexDirection="column">
            <Box><Text>Reference: </Text><LineInput clearOnSubmit={false} placeholder="{{ vault_mas_secret }}" onChange={setTyped} onSubmit={submit('reference')} /></Box>
            <Text dimColor>The variable must hold 64 hex characters; the playbook checks its length.</Text>
          </Box>
        ) : null}
        {error ? <Text><StatusBadge kind="fail" label={`Not accepted: ${error}`} /></Text> : null}
      </Box>
      <KeyHints hints={mode === 'choose' ? [['↑↓', 'choose'], ['Enter', 'select'], ['Esc', 'back']] : [['Enter', 'use this value'], ['Esc', 'other choice']]} />
    </Box>
  );
}
