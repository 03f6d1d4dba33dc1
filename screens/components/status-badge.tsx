// An outcome or state shown as symbol + word (+ optional colour), never colour alone.
import React from 'react';
import { Text } from 'ink';
import { tint } from './theme.js';

export type BadgeKind = 'ok' | 'fail' | 'warn' | 'unknown' | 'running' | 'cancelled' | 'info' | 'pending';

const LOOK: Record<BadgeKind, { symbol: string; word: string; color: string }> = {
  ok: { symbol: '✓', word: 'succeeded', color: 'green' },
  fail: { symbol: '✗', word: 'failed', color: 'red' },
  warn: { symbol: '⚠', word: 'warning', color: 'yellow' },
  unknown: { symbol: '?', word: 'outcome unknown', color: 'magenta' },
  running: { symbol: '…', word: 'running', color: 'cyan' },
  cancelled: { symbol: '⊘', word: 'cancelled', color: 'yellow' },
  info: { symbol: 'ℹ', word: 'info', color: 'blue' },
  pending: { symbol: '·', word: 'not started', color: 'gray' },
};

export function StatusBadge({ kind, label }: { kind: BadgeKind; label?: string }): React.JSX.Element {
  const look = LOOK[kind];
  return <Text color={tint(look.color)} bold wrap="wrap">{look.symbol} {label ?? look.word}</Text>;
}
