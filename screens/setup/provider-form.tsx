// One upstream provider, every field. Errors appear beside the field as you type (the same
// checks MAS runs at load); the provider can only be saved when there are none.
import React, { useMemo, useState } from 'react';
import { Box, Text } from 'ink';
import { formToProvider, visibleFields, type FieldSpec, type ProviderForm } from '../../source/mas/provider-form.js';
import type { Provider } from '../../source/mas/providers.js';
import { KeyHints } from '../components/key-hints.js';
import { useKeys } from '../components/keys.js';
import { LineInput } from '../components/line-input.js';
import { SelectList } from '../components/select-list.js';
import { StatusBadge } from '../components/status-badge.js';

export interface ProviderFormProps {
  initial: ProviderForm;
  title: string;
  onSave: (provider: Provider) => void;
  onCancel: () => void;
}

const WINDOW = 10;
const SAVE = '(save)';
const DEFAULT_OPTION = '(MAS default)';

export function ProviderFormScreen({ initial, title, onSave, onCancel }: ProviderFormProps): React.JSX.Element {
  const [form, setForm] = useState<ProviderForm>(initial);
  const [focus, setFocus] = useState(0);
  const fields = visibleFields(form);
  const rows = [...fields.map((f) => f.path), SAVE];
  const index = Math.min(focus, rows.length - 1);
  const current: FieldSpec | undefined = fields[index];
  const result = useMemo(() => formToProvider(form), [form]);
  const errors = new Map<string, string>();
  if (!result.ok) for (const e of result.errors) if (!errors.has(e.path)) errors.set(e.path, e.message);

  // Same-value updates keep the object (no re-render for an edit that changes nothing).
  const set = (path: string, value: string) => setForm((f) => (f[path] === value ? f : { ...f, [path]: value }));
  const move = (by: number) => setFocus((i) => (Math.min(i, rows.length - 1) + by + rows.length) % rows.length);

  useKeys((_input, key) => {
    if (key.escape) onCancel();
    else if (key.tab) move(key.shift ? -1 : 1);
    else if (key.return && rows[index] === SAVE) {
      if (result.ok) onSave(result.provider);
      else setFocus(Math.max(0, rows.findIndex((r) => errors.has(r))));
    }
  });

  const top = Math.max(0, Math.min(index - 3, rows.length - WINDOW));
  const shown = (f: FieldSpec) => {
    const v = form[f.path] ?? '';
    if (f.kind === 'secret') return v ? '•••••• (set)' : '(empty)';
    return v === '' ? <Text dimColor>(default)</Text> : v;
  };

  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">{title} — {result.ok ? 'no problems' : `${errors.size} problem${errors.size === 1 ? '' : 's'}`} {result.ok ? <StatusBadge kind="ok" label="valid" /> : <StatusBadge kind="fail" label="not valid yet" />}</Text>
      <Box flexDirection="column">
        {rows.slice(top, top + WINDOW).map((path) => {
          const focused = rows[index] === path;
          if (path === SAVE) return <Text key={path} bold={focused}>{focused ? '❯ ' : '  '}[ Save this provider ]</Text>;
          const f = fields.find((x) => x.path === path)!;
          return (
            <Text key={path} wrap="truncate-end">
              {focused ? '❯ ' : '  '}{errors.has(path) ? '✗ ' : '  '}{f.label.padEnd(24)} {shown(f)}
            </Text>
          );
        })}
        <Text dimColor>  field {index + 1} of {rows.length}</Text>
      </Box>
      <Box flexDirection="column" borderStyle="single" paddingX={1}>
        {current ? <Editor key={current.path} field={current} value={form[current.path] ?? ''} onChange={(v) => set(current.path, v)} onNext={() => move(1)} /> : (
          <Text>{result.ok ? 'Enter saves this provider.' : 'Enter jumps to the first problem.'}</Text>
        )}
        {current && errors.has(current.path) ? <Text wrap="wrap"><StatusBadge kind="fail" label={`${current.path}: ${errors.get(current.path)}`} /></Text> : null}
        {current ? <Text dimColor wrap="truncate-end">{current.help}</Text> : null}
      </Box>
      <KeyHints hints={[['Tab/⇧Tab', 'next/previous field'], ['Enter', current?.kind === 'choice' || current?.kind === 'bool' ? 'pick (↑↓)' : current ? 'next' : 'save'], ['Esc', 'cancel']]} />
    </Box>
  );
}

function Editor({ field, value, onChange, onNext }: { field: FieldSpec; value: string; onChange: (v: string) => void; onNext: () => void }): React.JSX.Element {
  if (field.kind === 'choice' || field.kind === 'bool') {
    // The highlight is the value (↑↓ change it); Enter keeps it and goes to the next field.
    const options = (field.kind === 'bool' ? ['', 'true', 'false'] : [...(field.options ?? [])]).map((v) => (v === '' ? DEFAULT_OPTION : v));
    const pick = (v: string) => onChange(v === DEFAULT_OPTION ? '' : v);
    return (
      <Box>
        <Text>{field.label}: </Text>
        <SelectList
          visible={3}
          initial={value === '' ? DEFAULT_OPTION : value}
          items={options.map((v) => ({ label: v, value: v }))}
          onHighlight={pick}
          onSelect={(v) => { pick(v); onNext(); }}
        />
      </Box>
    );
  }
  if (field.kind === 'secret') {
    return (
      <Box>
        <Text>{field.label}{value ? ' (set; typing replaces it)' : ''}: </Text>
        <LineInput mask clearOnSubmit={false} onChange={(v) => { if (v !== '') onChange(v); }} onSubmit={onNext} />
      </Box>
    );
  }
  return (
    <Box>
      <Text>{field.label}: </Text>
      <LineInput defaultValue={value} clearOnSubmit={false} onChange={onChange} onSubmit={onNext} />
    </Box>
  );
}
