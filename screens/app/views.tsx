// What the live area shows when no question is pending: the step at work (command, progress,
// log), a stop (what happened, what to do next, the failing output kept), the final summary.
import React from 'react';
import { Box, Text } from 'ink';
import { Spinner } from '../components/spinner.js';
import type { WizardView } from '../../source/flow/prompt-io.js';
import { LogPane } from '../components/log-pane.js';
import { StatusBadge } from '../components/status-badge.js';
import { stepDefinition } from '../../state/steps.js';

export function StartingView({ status }: { status: string }): React.JSX.Element {
  return <Spinner label={status} />;
}

export function RunningView({ view, logHeight }: { view: WizardView; logHeight: number }): React.JSX.Element {
  return (
    <Box flexDirection="column">
      {view.running ? <Text wrap="truncate-end">▶ <Text bold>$ {view.running.display}</Text> [{view.running.where}]</Text> : <Spinner label="working…" />}
      <Text wrap="truncate-end" dimColor>{view.progress ?? ' '}</Text>
      {view.log ? <LogPane source={view.log} height={logHeight} showHints={false} /> : null}
    </Box>
  );
}

/** At most `max` lines of a long message, so the frame stays within the terminal. */
function clip(text: string, max: number): string {
  const lines = text.split('\n');
  return lines.length <= max ? text : [...lines.slice(0, max - 1), `… (${lines.length - max + 1} more lines: mas-wizard status)`].join('\n');
}

export function StoppedView({ view, logHeight }: { view: WizardView; logHeight: number }): React.JSX.Element {
  const failed = view.plan?.steps.find((s) => s.status === 'failed');
  return (
    <Box flexDirection="column">
      <StatusBadge kind={view.result?.code === 3 ? 'warn' : 'fail'} label={view.result?.code === 3 ? 'Stopped before anything unsafe:' : 'Stopped:'} />
      <Text wrap="wrap">{clip(view.result?.message ?? '', 5)}</Text>
      <Text wrap="wrap">Next: {failed ? `fix what is named above, then press r to run "${stepDefinition(failed.id).title}" again` : 'press r to try again'}; the plan is saved, so q and `mas-wizard` later also resume here.</Text>
      {view.log && view.log.total > 0 ? <LogPane source={view.log} height={logHeight} showHints={false} /> : null}
    </Box>
  );
}

export function SummaryView({ view }: { view: WizardView }): React.JSX.Element {
  const sm = view.summary;
  return (
    <Box flexDirection="column">
      <StatusBadge kind="ok" label={view.result?.message === 'every step is done' ? 'Every step is done.' : view.result?.message ?? 'Done.'} />
      {sm ? (
        <Box flexDirection="column" marginTop={1}>
          <Text bold>Summary</Text>
          <Text>  Synapse users: {sm.synapse_users ?? 'n/a'}   MAS users: {sm.mas_users ?? 'n/a'}   upstream login links: {sm.oidc_links ?? 'n/a'}</Text>
          <Text wrap="truncate-end">  Admins: {sm.admins.join(', ') || 'none'}</Text>
          <Text>  mas-cli doctor: {sm.doctor ? `${sm.doctor.ok} ✅ ok, ${sm.doctor.warn} ⚠️ warnings, ${sm.doctor.fail} ❌ failures` : 'n/a'}</Text>
          <Text wrap="wrap">  vars.yml keys changed: {sm.vars_changed.join(', ') || 'none'}</Text>
          {view.plan?.flow === 'migrate' ? <Text>  Synapse downtime: {sm.synapse_downtime_s === null ? 'not measured' : `${sm.synapse_downtime_s} s`}</Text> : null}
        </Box>
      ) : null}
      <Text dimColor wrap="wrap">A shareable, redacted record: mas-wizard transcript. The plan and its outputs: mas-wizard status.</Text>
    </Box>
  );
}

export function QuitView({ longStep }: { longStep: string | null }): React.JSX.Element {
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold>Quit the wizard?</Text>
      {longStep
        ? <Text wrap="wrap">"{longStep}" keeps running on the server after you leave. Run mas-wizard again to re-attach and see how it ended.</Text>
        : <Text wrap="wrap">The plan is saved. Run mas-wizard again to continue from this step.</Text>}
      <Text>[y/N]</Text>
    </Box>
  );
}
