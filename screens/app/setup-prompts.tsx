// The step questions that have their own screens (screens/setup/*, screens/connect.tsx),
// bridged to prompts: each screen's callbacks answer (or cancel) the pending prompt.
import React, { useState } from 'react';
import { ulid } from 'ulid';
import type { PromptOf } from '../../source/flow/prompt-io.js';
import type { ConvertResult } from '../../source/mas/oidc-convert.js';
import type { DnsCheck } from '../../source/mas/url.js';
import type { Plan } from '../../state/plan.js';
import { PrerequisitesScreen } from '../setup/prerequisites.js';
import { SecretScreen } from '../setup/secret.js';
import { UrlScreen } from '../setup/url.js';
import { ProvidersScreen } from '../setup/providers.js';
import { ConnectScreen, type HostChoice } from '../connect.js';
import { useActions } from './contexts.js';

export function FindingsPrompt({ prompt }: { prompt: PromptOf<'findings'> }): React.JSX.Element {
  const { answer } = useActions();
  // A fix the operator consents to leaves the list (the step applies it after this answer).
  const [fix, setFix] = useState<string[]>(prompt.prefill?.fix ?? []);
  const findings = [...prompt.fixable, ...prompt.warnings].filter((f) => !fix.includes(f.id));
  const done = (accept: string[]) => answer<'findings'>(prompt.id, { fix, accept });
  return (
    <PrerequisitesScreen
      findings={findings}
      acknowledged={prompt.prefill?.accept}
      onApplyFix={(f) => setFix((x) => [...x, f.id])}
      onRecheck={() => done(prompt.prefill?.accept ?? [])}
      onContinue={done}
      onBack={() => done([])}
    />
  );
}

export function SecretPrompt({ prompt }: { prompt: PromptOf<'secret'> }): React.JSX.Element {
  const { answer, cancel } = useActions();
  return (
    <SecretScreen
      existing={prompt.existing}
      onSubmit={(choice) => answer<'secret'>(prompt.id, choice)}
      onBack={() => cancel(prompt.id, 'no encryption secret chosen')}
    />
  );
}

export function UrlPrompt({ prompt }: { prompt: PromptOf<'url'> }): React.JSX.Element {
  const { answer, cancel, checkDns } = useActions();
  const [dns, setDns] = useState<{ hostname: string; result: DnsCheck | 'checking' } | undefined>();
  return (
    <UrlScreen
      domain={prompt.domain}
      initial={prompt.prefill ?? { hostname: prompt.hostname, prefix: prompt.prefix }}
      dns={dns}
      onCheckDns={(hostname) => {
        setDns({ hostname, result: 'checking' });
        void checkDns(hostname, prompt.domain).then((result) => setDns({ hostname, result }));
      }}
      onSubmit={(url) => answer<'url'>(prompt.id, url)}
      onBack={() => cancel(prompt.id, 'no MAS URL chosen')}
    />
  );
}

/** The MAS base URL chosen in the url step (for the callback URLs shown with each provider). */
function chosenBase(plan: Plan | null, domain: string): string {
  const base = plan?.steps.find((s) => s.id === 'url')?.outputs.public_base;
  return typeof base === 'string' ? base : `https://matrix.${domain}/auth/`;
}

export function ProvidersPrompt({ prompt, plan }: { prompt: PromptOf<'providers'>; plan: Plan | null }): React.JSX.Element {
  const { answer, cancel } = useActions();
  const converted: ConvertResult | undefined = prompt.converted.length || prompt.warnings.length ? {
    converted: prompt.converted.map((p) => ({ synapseIdpId: p.synapse_idp_id ?? p.id, provider: p })),
    mappingArgs: [], warnings: prompt.warnings, failures: [], secrets: [],
  } : undefined;
  const initial = Array.isArray(prompt.prefill) ? prompt.prefill : prompt.existing;
  return (
    <ProvidersScreen
      providers={initial}
      converted={converted}
      publicBase={chosenBase(plan, plan?.serverName ?? '')}
      newId={ulid}
      // Nothing chosen and nothing there: "keep" lets the step decide (skip, or refuse when Synapse users need a provider).
      onDone={(list) => answer<'providers'>(prompt.id, list.length === 0 && prompt.existing.length === 0 ? 'keep' : list)}
      onBack={() => cancel(prompt.id, 'no login providers chosen')}
    />
  );
}

type ConnectKinds = PromptOf<'host-key'> | PromptOf<'passphrase'> | PromptOf<'become-password'>;

export function ConnectPrompt({ prompt, plan }: { prompt: ConnectKinds; plan: Plan | null }): React.JSX.Element {
  const { answer } = useActions();
  const name = plan?.host ?? (prompt.kind === 'host-key' ? prompt.host : 'the Matrix server');
  const host: HostChoice = { name, address: prompt.kind === 'host-key' ? `${prompt.host}:${prompt.port}` : name, origin: 'inventory' };
  const state = prompt.kind === 'host-key'
    ? { kind: 'unknown-host-key' as const, host, keyType: prompt.keyType, fingerprint: prompt.fingerprint }
    : prompt.kind === 'passphrase'
      ? { kind: 'passphrase' as const, host, keyFile: prompt.keyFile, wrongBefore: prompt.attempt > 1 }
      : { kind: 'become-password' as const, host, user: 'the login user' };
  const refuse = () => answer(prompt.id, prompt.kind === 'host-key' ? false : null);
  return (
    <ConnectScreen
      state={state}
      onChooseHost={() => undefined}
      onTrustHostKey={() => answer<'host-key'>(prompt.id, true)}
      onPassphrase={(p) => answer<'passphrase'>(prompt.id, p)}
      onBecomePassword={(p) => answer<'become-password'>(prompt.id, p)}
      onRetry={() => undefined}
      onContinue={() => undefined}
      onQuit={refuse}
    />
  );
}
