// A list to choose from, on the input layer (keys.ts): ↑↓ move (wrapping), Enter selects the
// highlighted item. ↓↓↓ and Enter read in one chunk land on the fourth item, which
// ink-select-input (Ink's useInput) did not: its second ↓ still saw the first render's index.
import React, { useRef, useState } from 'react';
import { Box, Text } from 'ink';
import { useKeys } from './keys.js';
import { tint } from './theme.js';

export interface ListItem<V extends string = string> { label: string; value: V }

export interface SelectListProps<V extends string> {
  items: readonly ListItem<V>[];
  /** The item highlighted first (by value); the first item when absent or unknown. */
  initial?: V;
  onSelect: (value: V) => void;
  /** Called when the highlight moves. */
  onHighlight?: (value: V) => void;
  /** At most this many rows; the window follows the highlight. */
  visible?: number;
  isActive?: boolean;
}

export function SelectList<V extends string>({ items, initial, onSelect, onHighlight, visible, isActive = true }: SelectListProps<V>): React.JSX.Element {
  const at = useRef(Math.max(0, items.findIndex((i) => i.value === initial)));
  const [index, setIndex] = useState(at.current);
  const count = items.length;
  const rows = Math.min(visible ?? count, count);

  useKeys((_input, key) => {
    if (count === 0) return;
    let next = Math.min(at.current, count - 1);
    if (key.upArrow) next = (next - 1 + count) % count;
    else if (key.downArrow) next = (next + 1) % count;
    else if (key.home) next = 0;
    else if (key.end) next = count - 1;
    else if (key.return) { onSelect(items[next].value); return; }
    else return;
    at.current = next;
    setIndex(next);
    onHighlight?.(items[next].value);
  }, { isActive });

  const shown = Math.min(index, Math.max(0, count - 1));
  const top = Math.max(0, Math.min(shown - Math.floor(rows / 2), count - rows));
  return (
    <Box flexDirection="column">
      {items.slice(top, top + rows).map((item, i) => {
        const selected = top + i === shown;
        return <Text key={item.value} color={selected ? tint('blue') : undefined} wrap="truncate-end">{selected ? '❯ ' : '  '}{item.label}</Text>;
      })}
    </Box>
  );
}
