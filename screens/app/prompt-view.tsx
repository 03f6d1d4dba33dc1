// The question of the moment, rendered with the screen made for its kind.
import React from 'react';
import { Box, Text } from 'ink';
import type { Prompt } from '../../source/flow/prompt-io.js';
import type { Plan } from '../../state/plan.js';
import { ConfirmPrompt, SelectPrompt, TextPrompt } from './basic-prompts.js';
import { DiffReview } from './diff-review.js';
import { Gate } from './gate.js';
import { ConnectPrompt, FindingsPrompt, ProvidersPrompt, SecretPrompt, UrlPrompt } from './setup-prompts.js';

/** Prompts whose screen takes letters as text: there only Ctrl+C quits (q and s are typed). */
export function isTyping(prompt: Prompt | null): boolean {
  if (!prompt) return false;
  return !['confirm', 'select', 'diff', 'findings'].includes(prompt.kind);
}

export function PromptView({ prompt, plan, height }: { prompt: Prompt; plan: Plan | null; height: number }): React.JSX.Element {
  const screen = <PromptScreen prompt={prompt} plan={plan} height={height} />;
  if (!prompt.prefillError) return screen;
  return (
    <Box flexDirection="column">
      <Text color="red">The answers file's answer was not used: {prompt.prefillError}</Text>
      {screen}
    </Box>
  );
}

function PromptScreen({ prompt, plan, height }: { prompt: Prompt; plan: Plan | null; height: number }): React.JSX.Element {
  // key = id: a new question gets fresh screen state (nothing typed carries over).
  switch (prompt.kind) {
    case 'confirm': return <ConfirmPrompt key={prompt.id} prompt={prompt} />;
    case 'select': return <SelectPrompt key={prompt.id} prompt={prompt} />;
    case 'text': return <TextPrompt key={prompt.id} prompt={prompt} />;
    case 'type-to-confirm': return <Gate key={prompt.id} prompt={prompt} />;
    case 'diff': return <DiffReview key={prompt.id} prompt={prompt} height={height} />;
    case 'findings': return <FindingsPrompt key={prompt.id} prompt={prompt} />;
    case 'secret': return <SecretPrompt key={prompt.id} prompt={prompt} />;
    case 'url': return <UrlPrompt key={prompt.id} prompt={prompt} />;
    case 'providers': return <ProvidersPrompt key={prompt.id} prompt={prompt} plan={plan} />;
    case 'host-key':
    case 'passphrase':
    case 'become-password': return <ConnectPrompt key={prompt.id} prompt={prompt} plan={plan} />;
  }
}
