// The generic "run this step" screen every step reuses: what it is, whether it can be undone
// (said before it starts), the exact command(s) with secrets masked, a confirmation, the live
// log while it runs, then the outcome and the keys for what comes next. Props and callbacks
// only: the step runner in source/ runs the command and feeds the LogSink.
import React, { useState } from 'react';
import { Box, Text, useStdout } from 'ink';
import type { LogSource } from '../source/logs/log-sink.js';
import { redact } from '../source/logs/redact.js';
import type { RunResult } from '../source/targets/target.js';
import { Confirm } from './components/confirm.js';
import { KeyHints, type KeyHint } from './components/key-hints.js';
import { useKeys } from './components/keys.js';
import { LineInput } from './components/line-input.js';
import { LogPane, wrapLine } from './components/log-pane.js';
import { StatusBadge } from './components/status-badge.js';
import { tint } from './components/theme.js';

export type StepOutcome =
  | { kind: 'succeeded' }
  | { kind: 'failed'; code: number | null; signal?: string | null; summary?: string }
  | { kind: 'lost' }
  | { kind: 'cancelled' };

export type RunPhase =
  | { kind: 'confirm' }
  | { kind: 'running'; cancelling?: boolean }
  | { kind: 'done'; outcome: StepOutcome; durationMs?: number };

/** Maps a Target result to what the operator is told: a lost link is never a success. */
export function outcomeOf(result: Pick<RunResult, 'code' | 'signal' | 'lost' | 'cancelled'>): StepOutcome {
  if (result.lost) return { kind: 'lost' };
  if (result.cancelled) return { kind: 'cancelled' };
  if (result.code === 0) return { kind: 'succeeded' };
  return { kind: 'failed', code: result.code, signal: result.signal };
}

export interface RunStepProps {
  title: string;
  /** One or two sentences: what the step does and why. */
  description?: string;
  irreversible: boolean;
  /** What cannot be undone, in plain words (shown when `irreversible`). */
  irreversibleNote?: string;
  /** The exact command(s), as they will run; masked again here before display. */
  commands: readonly string[];
  /** Where they run, e.g. "controller (local)" or "matrix@example.org:22". */
  where: string;
  /** When set, the operator must type this (e.g. the server name) instead of answering y/n. */
  confirmPhrase?: string;
  phase: RunPhase;
  log: LogSource;
  /** Terminal size; defaults to the real one (80×24 if unknown). */
  rows?: number;
  columns?: number;
  onStart: () => void;
  onBack: () => void;
  onCancel: () => void;
  onNext: () => void;
  onRetry: () => void;
  /** After a lost connection: reconnect and find out from the server what happened. */
  onCheck: () => void;
  onQuit: () => void;
}

function outcomeLines(outcome: StepOutcome, durationMs?: number): { badge: React.JSX.Element; text: string } {
  const took = durationMs !== undefined ? ` after ${(durationMs / 1000).toFixed(1)} s` : '';
  switch (outcome.kind) {
    case 'succeeded':
      return { badge: <StatusBadge kind="ok" />, text: `The step finished${took}.` };
    case 'failed': {
      const how = outcome.code !== null ? `exit code ${outcome.code}` : `killed by ${outcome.signal ?? 'a signal'}`;
      return { badge: <StatusBadge kind="fail" label={`failed (${how})`} />, text: outcome.summary ?? `The command failed${took}; its output is above and in the transcript.` };
    }
    case 'lost':
      return { badge: <StatusBadge kind="unknown" label="connection lost — outcome unknown" />, text: 'It may still be running or have finished on the server. Check before doing anything else.' };
    case 'cancelled':
      return { badge: <StatusBadge kind="cancelled" />, text: `Stopped at your request${took}; its work may be partly done.` };
  }
}

function outcomeHints(outcome: StepOutcome): KeyHint[] {
  switch (outcome.kind) {
    case 'succeeded': return [['Enter', 'next step'], ['q', 'quit']];
    case 'failed': return [['r', 'retry'], ['b', 'back'], ['q', 'quit']];
    case 'lost': return [['c', 'check the server'], ['q', 'quit']];
    case 'cancelled': return [['r', 'run again'], ['b', 'back'], ['q', 'quit']];
  }
}

export function RunStepScreen(props: RunStepProps): React.JSX.Element {
  const { title, description, irreversible, irreversibleNote, where, confirmPhrase, phase, log } = props;
  const { stdout } = useStdout();
  const rows = props.rows ?? stdout.rows ?? 24;
  const columns = props.columns ?? stdout.columns ?? 80;
  const [askCancel, setAskCancel] = useState(false);
  const [phraseMisses, setPhraseMisses] = useState(0);
  const shown = props.commands.map((c) => redact(c));

  useKeys((input, key) => {
    if (phase.kind === 'running') {
      if (askCancel) {
        if (input === 'y') { setAskCancel(false); props.onCancel(); } else if (input === 'n' || key.escape) setAskCancel(false);
      } else if (input === 'x' && !phase.cancelling) setAskCancel(true);
      return;
    }
    if (phase.kind === 'done') {
      const o = phase.outcome.kind;
      if (input === 'q') props.onQuit();
      else if (o === 'succeeded' && key.return) props.onNext();
      else if ((o === 'failed' || o === 'cancelled') && input === 'r') props.onRetry();
      else if ((o === 'failed' || o === 'cancelled') && input === 'b') props.onBack();
      else if (o === 'lost' && input === 'c') props.onCheck();
      return;
    }
    if (key.escape) props.onBack();
  });

  // Before the start the whole command is shown; while running/after, at most 2 rows of it
  // so the log gets the room (the full text is in the transcript).
  const commandWidth = columns - 2;
  const commandRows = shown.flatMap((c) => wrapLine(`$ ${c}`, commandWidth));
  const compactCommands = phase.kind === 'confirm' ? commandRows : commandRows.slice(0, 2);
  const header = (
    <>
      <Text bold wrap="truncate-end">{title}</Text>
      {irreversible
        ? <Text color={tint('red')} bold wrap="truncate-end">⚠ IRREVERSIBLE{irreversibleNote ? `: ${irreversibleNote}` : ': this cannot be undone'}</Text>
        : <Text wrap="truncate-end">↺ Can be run again safely.</Text>}
      <Text wrap="truncate-end">Runs on: {where}</Text>
      {compactCommands.map((row, i) => <Text key={i} wrap="truncate-end">  {row}</Text>)}
      {compactCommands.length < commandRows.length ? <Text dimColor wrap="truncate-end">  … (full command in the transcript)</Text> : null}
    </>
  );

  if (phase.kind === 'confirm') {
    return (
      <Box flexDirection="column">
        {header}
        {description ? <Text>{description}</Text> : null}
        <Text> </Text>
        {confirmPhrase ? (
          <Box flexDirection="column">
            {phraseMisses > 0 ? <Text>That did not match; nothing was run.</Text> : null}
            <Box>
              <Text>Type <Text bold>{confirmPhrase}</Text> to start: </Text>
              <LineInput onSubmit={(v) => (v.trim() === confirmPhrase ? props.onStart() : setPhraseMisses((n) => n + 1))} />
            </Box>
          </Box>
        ) : (
          <Box>
            <Text>Run it now? </Text>
            <Confirm defaultChoice={irreversible ? 'cancel' : 'confirm'} onConfirm={props.onStart} onCancel={props.onBack} />
          </Box>
        )}
        <KeyHints hints={confirmPhrase ? [['Enter', 'start'], ['Esc', 'back']] : [['y', 'start'], ['n/Esc', 'back']]} />
      </Box>
    );
  }

  const headerRows = 3 + compactCommands.length + (compactCommands.length < commandRows.length ? 1 : 0);
  const footerRows = 2; // status/outcome row + key hints row
  const paneHeight = Math.max(3, rows - 1 - headerRows - footerRows - (phase.kind === 'done' ? 1 : 0));

  let footer: React.JSX.Element;
  if (phase.kind === 'running') {
    footer = (
      <>
        {askCancel
          ? <Text bold wrap="truncate-end">Cancel the running command? Its work may be left half done. y/n</Text>
          : <StatusBadge kind="running" label={phase.cancelling ? 'cancelling…' : 'running…'} />}
        <KeyHints hints={[['x', 'cancel'], ['↑↓ PgUp PgDn', 'scroll'], ['End', 'follow']]} />
      </>
    );
  } else {
    const { badge, text } = outcomeLines(phase.outcome, phase.durationMs);
    footer = (
      <>
        {badge}
        <Text wrap="truncate-end">{text}</Text>
        <KeyHints hints={[...outcomeHints(phase.outcome), ['↑↓ PgUp PgDn', 'scroll']]} />
      </>
    );
  }

  return (
    <Box flexDirection="column">
      {header}
      <LogPane source={log} height={paneHeight} width={columns} isActive={!askCancel} showHints={false} />
      {footer}
    </Box>
  );
}
