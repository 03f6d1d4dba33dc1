// A one-line text field (plain or masked) that loses no keystroke.
// Why not @inkjs/ui TextInput/PasswordInput: measured here, "yes" followed at once by Enter
// submitted '' (its submit reads the value of the last render), and "yes\r" written as one
// chunk never submitted. This field keeps the value in a ref updated inside the key handler,
// so bursts and pastes (including a trailing newline) act on what was really typed.
import React, { useRef, useState } from 'react';
import { Text, useInput } from 'ink';

export interface LineInputProps {
  onSubmit: (value: string) => void;
  /** Show one '*' per character instead of the text (passwords, passphrases, secrets). */
  mask?: boolean;
  isActive?: boolean;
  placeholder?: string;
  /** Form fields: the value the field starts with, reported on every edit, kept after Enter. */
  defaultValue?: string;
  onChange?: (value: string) => void;
  clearOnSubmit?: boolean;
  /**
   * Several fields on one screen: keys go to this field while `takesKeys()` is true, read at
   * key time. (Toggling isActive re-subscribes after a render, so an Enter typed right
   * after a field switch would be lost.) `isActive` then only draws the cursor.
   */
  takesKeys?: () => boolean;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function LineInput({ onSubmit, mask = false, isActive = true, placeholder = '', defaultValue = '', onChange, clearOnSubmit = true, takesKeys }: LineInputProps): React.JSX.Element {
  const value = useRef(defaultValue);
  const [shown, setShown] = useState(defaultValue);

  useInput((input, key) => {
    if (takesKeys && !takesKeys()) return;
    if (key.return) {
      submit();
      return;
    }
    if (key.backspace || key.delete) {
      value.current = Array.from(value.current).slice(0, -1).join('');
    } else if (key.ctrl && input === 'u') {
      value.current = '';
    } else if (!key.ctrl && !key.meta && !key.escape && !key.tab && !key.upArrow && !key.downArrow && !key.leftArrow && !key.rightArrow && input) {
      // A pasted chunk may carry its own newline: type what comes before it, then submit.
      const parts = input.split(/\r\n|\r|\n/);
      for (let i = 0; i < parts.length; i++) {
        value.current += parts[i].replace(CONTROL, '');
        if (i < parts.length - 1) submit();
      }
    }
    setShown(value.current);
    onChange?.(value.current);
  }, { isActive: takesKeys ? true : isActive });

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
