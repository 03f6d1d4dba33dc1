// Prerequisites report: findings grouped by severity. Each blocker that the wizard can fix
// asks "apply this fix?"; each warning must be accepted one by one before Continue.
// The screen only reports choices; the parent applies fixes and re-runs the checks.
import React, { useState } from 'react';
import { Box, Text } from 'ink';
import type { Finding } from '../../source/preflight/finding.js';
import { Confirm } from '../components/confirm.js';
import { KeyHints, type KeyHint } from '../components/key-hints.js';
import { useKeys } from '../components/keys.js';
import { StatusBadge } from '../components/status-badge.js';

export interface PrerequisitesProps {
  findings: Finding[];
  /** Ids of warnings already accepted (e.g. from a saved plan). */
  acknowledged?: string[];
  /** The operator consented to the fix of this finding (its `edits`). */
  onApplyFix: (finding: Finding) => void;
  onRecheck: () => void;
  /** Only offered when nothing blocks and every warning is accepted. */
  onContinue: (acknowledged: string[]) => void;
  onBack: () => void;
}

const LIST_ROWS = 7;

export function PrerequisitesScreen(props: PrerequisitesProps): React.JSX.Element {
  const [acked, setAcked] = useState<string[]>(props.acknowledged ?? []);
  const [declined, setDeclined] = useState<string[]>([]);
  const blockers = props.findings.filter((f) => f.severity === 'block');
  const warnings = props.findings.filter((f) => f.severity === 'warn');
  const infos = props.findings.filter((f) => f.severity === 'info');

  // The one item that needs an answer now: a fixable blocker, then an unaccepted warning.
  const fixable = blockers.find((f) => ((f.edits && f.edits.length > 0) || f.action) && !declined.includes(f.id));
  const pendingWarning = warnings.find((f) => !acked.includes(f.id) && !declined.includes(f.id));
  const current = fixable ?? (blockers.length === 0 ? pendingWarning : undefined) ?? blockers[0];
  const ready = blockers.length === 0 && warnings.every((w) => acked.includes(w.id));

  useKeys((input, key) => {
    if (key.escape) props.onBack();
    else if (input === 'r') props.onRecheck();
    else if (key.return && ready) props.onContinue(acked);
  });

  const ordered = [...blockers, ...warnings, ...infos];
  const status = (f: Finding) => {
    if (f.severity === 'block') return <StatusBadge kind="fail" label="blocks" />;
    if (f.severity === 'info') return <StatusBadge kind="info" label="info" />;
    return acked.includes(f.id) ? <StatusBadge kind="ok" label="accepted" /> : <StatusBadge kind="warn" label="warning" />;
  };
  const start = Math.max(0, Math.min(ordered.indexOf(current as Finding) - 2, ordered.length - LIST_ROWS));

  let question: React.JSX.Element | null = null;
  let hints: KeyHint[] = [['r', 're-check'], ['Esc', 'back']];
  if (current && current === fixable) {
    question = (
      <Box>
        <Text bold>{current.action ? 'Run this fix on the server? ' : 'Apply this fix to vars.yml? '}</Text>
        <Confirm key={current.id} defaultChoice="cancel" submitOnEnter={false} onConfirm={() => props.onApplyFix(current)} onCancel={() => setDeclined((d) => [...d, current.id])} />
      </Box>
    );
    hints = [['y', 'apply fix'], ['n', 'not now'], ...hints];
  } else if (current && current.severity === 'warn' && !acked.includes(current.id)) {
    question = (
      <Box>
        <Text bold>Accept this warning and go on? </Text>
        <Confirm key={current.id} defaultChoice="cancel" submitOnEnter={false} onConfirm={() => setAcked((a) => [...a, current.id])} onCancel={() => setDeclined((d) => [...d, current.id])} />
      </Box>
    );
    hints = [['y', 'accept'], ['n', 'fix it first'], ...hints];
  } else if (ready) {
    hints = [['Enter', 'continue'], ...hints];
  }

  return (
    <Box flexDirection="column">
      <Text bold>Prerequisites — {blockers.length} blocking, {warnings.length} warning{warnings.length === 1 ? '' : 's'}, {infos.length} info</Text>
      <Box flexDirection="column" marginTop={1}>
        {ordered.slice(start, start + LIST_ROWS).map((f) => (
          <Text key={f.id} wrap="wrap">
            {f === current ? '❯ ' : '  '}{status(f)} {f.title}
          </Text>
        ))}
        {ordered.length > LIST_ROWS ? <Text dimColor>  ({ordered.length} in all; the one needing an answer is marked ❯)</Text> : null}
        {ordered.length === 0 ? <Text><StatusBadge kind="ok" label="nothing to fix" /></Text> : null}
      </Box>
      {current ? (
        <Box flexDirection="column" marginTop={1} borderStyle="single" paddingX={1}>
          <Text bold wrap="wrap">{current.title} <Text dimColor>[{current.id}]</Text></Text>
          <Text wrap="wrap">{clip(current.detail, 4)}</Text>
          <Text wrap="wrap"><Text bold>Fix: </Text>{clip(current.fix, 2)}</Text>
          <Text dimColor wrap="truncate-end">From {current.source}</Text>
          {current === fixable && current.edits?.length ? <Text wrap="wrap">The wizard will change: {current.edits.map((e) => `${e.op} ${e.key}`).join(', ')}</Text> : null}
          {current === fixable && current.action ? <Text wrap="wrap">The wizard will {current.action.summary}, running:{current.action.commands.map((c) => `\n  $ ${c}`).join('')}</Text> : null}
        </Box>
      ) : null}
      {ready ? <Text><StatusBadge kind="ok" label="ready: nothing blocks, every warning accepted" /></Text> : null}
      {!ready && !question && blockers.length > 0 ? <Text>Fix the blocking item{blockers.length > 1 ? 's' : ''} in vars.yml, then press r to re-check.</Text> : null}
      {!ready && !question && blockers.length === 0 && declined.length > 0 ? <Text>Not accepted: {declined.length} warning{declined.length > 1 ? 's' : ''}. Change vars.yml, then press r to re-check.</Text> : null}
      {question}
      <KeyHints hints={hints} />
    </Box>
  );
}

/** At most `lines` lines of a long text, so the screen stays within 24 rows. */
function clip(text: string, lines: number): string {
  const all = text.split('\n');
  return all.length <= lines ? text : [...all.slice(0, lines - 1), `… (${all.length - lines + 1} more lines in \`mas-wizard preflight\`)`].join('\n');
}
