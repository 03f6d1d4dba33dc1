// One row: which server, which flow, which playbook generation.
import React from 'react';
import { Text } from 'ink';
import type { Plan } from '../../state/plan.js';

export function Header({ plan }: { plan: Plan | null }): React.JSX.Element {
  if (!plan) return <Text bold wrap="truncate-end">mas-wizard</Text>;
  const flow = plan.flow === 'migrate' ? 'migrate to MAS' : 'new homeserver';
  // Least important last: at 80 columns the inventory host is what gets cut.
  return (
    <Text wrap="truncate-end">
      <Text bold>mas-wizard</Text> · {flow} · <Text bold>{plan.serverName}</Text> · {plan.generation} playbook · host {plan.host}
    </Text>
  );
}
