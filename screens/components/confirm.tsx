// A y/n question on the input layer (keys.ts): y confirms, n cancels, Enter takes the default
// (unless submitOnEnter is false, where a real answer is needed).
import React from 'react';
import { Text } from 'ink';
import { useKeys } from './keys.js';

export interface ConfirmProps {
  defaultChoice?: 'confirm' | 'cancel';
  submitOnEnter?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

export function Confirm({ defaultChoice = 'confirm', submitOnEnter = true, onConfirm, onCancel }: ConfirmProps): React.JSX.Element {
  useKeys((input, key) => {
    if (input.toLowerCase() === 'y' && !key.ctrl && !key.meta) onConfirm();
    else if (input.toLowerCase() === 'n' && !key.ctrl && !key.meta) onCancel();
    else if (key.return && submitOnEnter) (defaultChoice === 'confirm' ? onConfirm : onCancel)();
  });
  return <Text dimColor>{defaultChoice === 'confirm' ? 'Y/n' : 'y/N'}</Text>;
}
