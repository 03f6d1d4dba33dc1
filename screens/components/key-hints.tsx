// The keys of the current screen, always on one row at the bottom of what a screen draws.
import React from 'react';
import { Text } from 'ink';

export type KeyHint = readonly [keys: string, action: string];

export function KeyHints({ hints }: { hints: readonly KeyHint[] }): React.JSX.Element {
  return (
    <Text wrap="truncate-end">
      {hints.map(([keys, action], i) => (
        <React.Fragment key={keys}>
          {i > 0 ? '  ' : ''}
          <Text bold>{keys}</Text> {action}
        </React.Fragment>
      ))}
    </Text>
  );
}
