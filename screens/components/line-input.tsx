// A one-line text field (plain or masked) on the input layer (keys.ts), so it loses no key:
// a pasted secret with its Enter in the same chunk submits the secret, without the Enter.
// The value lives in a ref updated inside the key handler, so what is submitted is what was
// typed, whatever the last render showed. A bracketed paste is inserted as text, line breaks
// dropped: only a typed Enter submits.
import React, { useRef, useState } from 'react';
import { Text } from 'ink';
import { useKeys } from './keys.js';

export interface LineInputProps {
  onSubmit: (value: string) => void;
  /** Show one '*' per character instead of the text (passwords, passphrases, secrets). */
  mask?: boolean;
  /** Only the active field of a screen takes keys and shows the cursor. */
  isActive?: boolean;
  placeholder?: string;
  /** Form fields: the value the field starts with, reported on every edit, kept after Enter. */
  defaultValue?: string;
  onChange?: (value: string) => void;
  clearOnSubmit?: boolean;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

export function LineInput({ onSubmit, mask = false, isActive = true, placeholder = '', defaultValue = '', onChange, clearOnSubmit = true }: LineInputProps): React.JSX.Element {
  const value = useRef(defaultValue);
  const [shown, setShown] = useState(defaultValue);

  useKeys((input, key) => {
    if (key.return) {
      submit();
      return;
    }
    const before = value.current;
    if (key.backspace || key.delete) value.current = Array.from(value.current).slice(0, -1).join('');
    else if (key.ctrl && input === 'u') value.current = '';
    else if (key.paste) value.current += input.replace(CONTROL, '');
    else if (!key.ctrl && !key.meta && input) value.current += input.replace(CONTROL, '');
    if (value.current === before) return;
    setShown(value.current);
    onChange?.(value.current);
  }, { isActive });

  function submit(): void {
    const v = value.current;
    if (clearOnSubmit) {
      value.current = '';
      setShown('');
    }
    onSubmit(v);
  }

  const text = mask ? '*'.repeat(Array.from(shown).length) : shown;
  return (
    <Text>
      {text.length === 0 && placeholder ? <Text dimColor>{placeholder}</Text> : text}
      {isActive ? <Text inverse> </Text> : null}
    </Text>
  );
}
