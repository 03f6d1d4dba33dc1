// One row: which server, which flow, which playbook generation.
import React from 'react';
import { Text } from 'ink';
import type { Plan } from '../../state/plan.js';

export function Header({ plan }: { plan: Plan | null }): React.JSX.Element {
  if (!plan) return <Text bold wrap="truncate-end">mas-wizard</Text>;
  const flow = plan.flow === 'migrate' ? 'Migrate Synapse to MAS' : 'New homeserver with MAS';
  return (
    <Text wrap="truncate-end">
      <Text bold>mas-wizard</Text> · {flow} · server <Text bold>{plan.serverName}</Text> ({plan.host}) · {plan.generation} playbook
    </Text>
  );
}
