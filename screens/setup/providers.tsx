// Upstream OAuth2 providers: the list to write, adding one through the form, and the
// "convert from Synapse OIDC" path, where each converted provider is reviewed (accept,
// edit or skip) before it joins the list. Nothing is written until "Done".
import React, { useState } from 'react';
import { Box, Text } from 'ink';
import type { ConvertResult } from '../../source/mas/oidc-convert.js';
import { emptyForm, providerToForm, type ProviderForm } from '../../source/mas/provider-form.js';
import { callbackUrl, type Provider } from '../../source/mas/providers.js';
import { KeyHints } from '../components/key-hints.js';
import { useKeys } from '../components/keys.js';
import { SelectList } from '../components/select-list.js';
import { StatusBadge } from '../components/status-badge.js';
import { ProviderFormScreen } from './provider-form.js';

export interface ProvidersProps {
  providers: Provider[];
  /** Synapse's OIDC providers, converted; absent when Synapse has none. */
  converted?: ConvertResult;
  /** MAS public base URL, for the callback URLs to register at each identity provider. */
  publicBase: string;
  newId: () => string;
  onDone: (providers: Provider[]) => void;
  onBack: () => void;
}

type Mode = { kind: 'list' } | { kind: 'review'; at: number } | { kind: 'form'; form: ProviderForm; replace?: number; title: string; fromReview?: number };

export function ProvidersScreen(props: ProvidersProps): React.JSX.Element {
  const [list, setList] = useState<Provider[]>(props.providers);
  const [mode, setMode] = useState<Mode>({ kind: 'list' });
  const converted = props.converted?.converted ?? [];

  const afterReview = (at: number) => setMode(at + 1 < converted.length ? { kind: 'review', at: at + 1 } : { kind: 'list' });
  const upsert = (p: Provider) => setList((l) => {
    const i = l.findIndex((x) => x.id === p.id);
    return i >= 0 ? l.map((x, j) => (j === i ? p : x)) : [...l, p];
  });

  if (mode.kind === 'form') {
    return (
      <ProviderFormScreen
        initial={mode.form}
        title={mode.title}
        onSave={(p) => {
          if (mode.replace !== undefined) setList((l) => l.map((x, j) => (j === mode.replace ? p : x)));
          else upsert(p);
          if (mode.fromReview !== undefined) afterReview(mode.fromReview);
          else setMode({ kind: 'list' });
        }}
        onCancel={() => setMode(mode.fromReview !== undefined ? { kind: 'review', at: mode.fromReview } : { kind: 'list' })}
      />
    );
  }
  if (mode.kind === 'review') {
    return (
      <Review
        result={props.converted!}
        at={mode.at}
        onAccept={() => { upsert(converted[mode.at].provider); afterReview(mode.at); }}
        onEdit={() => setMode({ kind: 'form', form: providerToForm(converted[mode.at].provider), title: `Edit ${converted[mode.at].synapseIdpId}`, fromReview: mode.at })}
        onSkip={() => afterReview(mode.at)}
        onBack={() => setMode({ kind: 'list' })}
      />
    );
  }
  return (
    <List
      list={list}
      publicBase={props.publicBase}
      canConvert={converted.length > 0 || (props.converted?.failures.length ?? 0) > 0}
      convertCount={converted.length}
      onAdd={() => setMode({ kind: 'form', form: emptyForm(props.newId()), title: 'New provider' })}
      onConvert={() => setMode(converted.length > 0 ? { kind: 'review', at: 0 } : { kind: 'list' })}
      onEdit={(i) => setMode({ kind: 'form', form: providerToForm(list[i]), replace: i, title: `Edit ${list[i].human_name ?? list[i].id}` })}
      onRemove={(i) => setList((l) => l.filter((_, j) => j !== i))}
      onDone={() => props.onDone(list)}
      onBack={props.onBack}
      failures={props.converted?.failures ?? []}
    />
  );
}

interface ListProps {
  list: Provider[];
  publicBase: string;
  canConvert: boolean;
  convertCount: number;
  failures: ConvertResult['failures'];
  onAdd: () => void;
  onConvert: () => void;
  onEdit: (i: number) => void;
  onRemove: (i: number) => void;
  onDone: () => void;
  onBack: () => void;
}

function List(p: ListProps): React.JSX.Element {
  useKeys((_input, key) => { if (key.escape) p.onBack(); });
  const name = (x: Provider) => x.human_name ?? x.client_id;
  const options = [
    ...(p.canConvert ? [{ label: `Convert from Synapse OIDC (${p.convertCount} found) and review`, value: 'convert' }] : []),
    { label: 'Add a provider', value: 'add' },
    ...p.list.map((x, i) => ({ label: `Edit ${name(x)}`, value: `edit:${i}` })),
    ...p.list.map((x, i) => ({ label: `Remove ${name(x)}`, value: `remove:${i}` })),
    { label: `Done: write ${p.list.length} provider${p.list.length === 1 ? '' : 's'} to vars.yml`, value: 'done' },
  ];
  return (
    <Box flexDirection="column">
      <Text bold>Upstream login providers (optional)</Text>
      {p.list.length === 0 ? <Text>None yet. Users log in with their MAS password only.</Text> : null}
      {p.list.slice(0, 5).map((x) => (
        <Box key={x.id} flexDirection="column">
          <Text wrap="truncate-end">• {name(x)} <Text dimColor>{x.id}</Text>{x.synapse_idp_id ? ` ← Synapse ${x.synapse_idp_id}` : ''}</Text>
          <Text dimColor wrap="truncate-end">  callback: {callbackUrl(p.publicBase, x.id)}</Text>
        </Box>
      ))}
      {p.list.length > 5 ? <Text dimColor>… and {p.list.length - 5} more</Text> : null}
      {p.failures.map((f) => (
        <Text key={f.synapseIdpId} wrap="wrap"><StatusBadge kind="fail" label={`Synapse ${f.synapseIdpId} cannot convert:`} /> {f.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}</Text>
      ))}
      <Box marginTop={1}>
        <SelectList
          visible={6}
          items={options}
          onSelect={(v) => {
            if (v === 'add') p.onAdd();
            else if (v === 'convert') p.onConvert();
            else if (v === 'done') p.onDone();
            else if (v.startsWith('edit:')) p.onEdit(Number(v.slice(5)));
            else if (v.startsWith('remove:')) p.onRemove(Number(v.slice(7)));
          }}
        />
      </Box>
      <KeyHints hints={[['↑↓', 'choose'], ['Enter', 'select'], ['Esc', 'back']]} />
    </Box>
  );
}

function Review({ result, at, onAccept, onEdit, onSkip, onBack }: { result: ConvertResult; at: number; onAccept: () => void; onEdit: () => void; onSkip: () => void; onBack: () => void }): React.JSX.Element {
  useKeys((input, key) => {
    if (key.escape) onBack();
    else if (input === 'a') onAccept();
    else if (input === 'e') onEdit();
    else if (input === 's') onSkip();
  });
  const { synapseIdpId, provider: x } = result.converted[at];
  const claims = x.claims_imports ?? {};
  const warnings = result.warnings.filter((w) => w.startsWith(`${synapseIdpId}:`));
  const rows: [string, string][] = [
    ['MAS id', x.id],
    ['syn2mas link', x.synapse_idp_id ? `synapse_idp_id: ${x.synapse_idp_id}` : `--upstreamProviderMapping ${synapseIdpId}:${x.id}`],
    ['Name / brand', `${x.human_name ?? '(none)'} / ${x.brand_name ?? '(none)'}`],
    ['Issuer', x.issuer ?? '(none)'],
    ['Discovery', x.discovery_mode ?? 'oidc'],
    ['Client id', x.client_id],
    ['Client auth', `${x.token_endpoint_auth_method}${x.client_secret ? ', secret set (hidden)' : ''}`],
    ['Scopes', x.scope ?? 'openid'],
    ['Username', claims.localpart ? `${claims.localpart.action ?? 'ignore'}: ${claims.localpart.template ?? '(default)'}` : '(MAS default)'],
    ['Display name', claims.displayname ? `${claims.displayname.action ?? 'ignore'}: ${claims.displayname.template ?? '(default)'}` : '(MAS default)'],
    ['Email', claims.email ? `${claims.email.action ?? 'ignore'}: ${claims.email.template ?? '(default)'}` : '(MAS default)'],
  ];
  return (
    <Box flexDirection="column">
      <Text bold>Converted from Synapse {synapseIdpId} ({at + 1} of {result.converted.length})</Text>
      {rows.map(([k, v]) => <Text key={k} wrap="truncate-end">  {k.padEnd(14)} {v}</Text>)}
      {warnings.length === 0 ? <Text><StatusBadge kind="ok" label="everything carried over" /></Text> : null}
      {warnings.slice(0, 4).map((w) => <Text key={w} wrap="wrap"><StatusBadge kind="warn" label="" />{w.slice(synapseIdpId.length + 2)}</Text>)}
      {warnings.length > 4 ? <Text dimColor>… {warnings.length - 4} more notes</Text> : null}
      <KeyHints hints={[['a', 'accept'], ['e', 'edit'], ['s', 'skip'], ['Esc', 'back to list']]} />
    </Box>
  );
}
