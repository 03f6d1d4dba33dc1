// The whole plan: a one-row strip always on screen (a symbol per step and the current step
// in words) and the full list one key away (s). Meaning is carried by symbol + word.
import React from 'react';
import { Box, Text } from 'ink';
import type { Plan, StepState } from '../../state/plan.js';
import { stepDefinition } from '../../state/steps.js';
import { tint } from '../components/theme.js';

export const MARK: Record<StepState['status'], string> = { pending: '·', running: '▶', succeeded: '✔', failed: '✖', skipped: '–', 'needs-check': '?' };
export const WORD: Record<StepState['status'], string> = { pending: 'not started', running: 'running', succeeded: 'done', failed: 'failed', skipped: 'skipped', 'needs-check': 'needs a check' };
const COLOR: Record<StepState['status'], string> = { pending: 'gray', running: 'cyan', succeeded: 'green', failed: 'red', skipped: 'gray', 'needs-check': 'magenta' };

/** The step the operator is on: the running one, else the first not done. */
export function currentStep(plan: Plan): StepState | undefined {
  return plan.steps.find((s) => s.status === 'running') ?? plan.steps.find((s) => s.status !== 'succeeded' && s.status !== 'skipped');
}

export function StepStrip({ plan }: { plan: Plan }): React.JSX.Element {
  const cur = currentStep(plan);
  const index = cur ? plan.steps.indexOf(cur) + 1 : plan.steps.length;
  return (
    <Text wrap="truncate-end">
      {plan.steps.map((s) => <Text key={s.id} color={tint(COLOR[s.status])} inverse={s === cur}>{MARK[s.status]}</Text>)}
      {'  '}
      {cur ? <>step {index} of {plan.steps.length}: <Text bold>{stepDefinition(cur.id).title}</Text> — {WORD[cur.status]}</> : <>all {plan.steps.length} steps done</>}
    </Text>
  );
}

export function StepList({ plan }: { plan: Plan }): React.JSX.Element {
  const cur = currentStep(plan);
  return (
    <Box flexDirection="column">
      <Text bold>The plan ({plan.flow === 'migrate' ? 'migrate Synapse to MAS' : 'new homeserver with MAS'})</Text>
      {plan.steps.map((s, i) => {
        const def = stepDefinition(s.id);
        return (
          <Text key={s.id} wrap="truncate-end" inverse={s === cur}>
            {s === cur ? '❯' : ' '}{String(i + 1).padStart(3)} <Text color={tint(COLOR[s.status])}>{MARK[s.status]} {WORD[s.status].padEnd(13)}</Text> {def.title}{def.irreversible ? ' [cannot be undone]' : ''}
          </Text>
        );
      })}
      <Text dimColor wrap="truncate-end">Leave with q at any time: the plan is saved after every step, and `mas-wizard` resumes it.</Text>
    </Box>
  );
}
