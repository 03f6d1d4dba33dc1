// Connect screen: which server, whether to trust its host key, how login went.
// It renders the engine's connection state and reports the operator's answers through
// callbacks; the engine (source/targets) does the connecting and the host-key checks.
import React, { useState } from 'react';
import { Box, Text } from 'ink';
import { KeyHints, type KeyHint } from './components/key-hints.js';
import { useKeys } from './components/keys.js';
import { LineInput } from './components/line-input.js';
import { SelectList } from './components/select-list.js';
import { StatusBadge } from './components/status-badge.js';
import { tint } from './components/theme.js';
import type { SshErrorKind } from '../source/targets/ssh-error.js';

export interface HostChoice {
  /** Inventory name (e.g. "matrix.example.org"). */
  name: string;
  /** What we connect to: "user@address:port". */
  address: string;
  /** Where this host came from, shown so the operator can tell inventory from flags. */
  origin: 'inventory' | 'flag' | 'lab';
}

/** A connection failure as the engine reports it (source/targets/ssh-error.ts `SshError`). */
export interface ConnectFailure {
  kind: SshErrorKind;
  /** Already in plain words, e.g. "the server h:22 refused every key we offered (tried: …)". */
  message: string;
}

export type ConnectState =
  | { kind: 'choose-host'; hosts: HostChoice[] }
  | { kind: 'connecting'; host: HostChoice }
  | { kind: 'unknown-host-key'; host: HostChoice; keyType: string; fingerprint: string }
  /** A known key differs (possible man-in-the-middle) or the offered key is marked @revoked. */
  | { kind: 'changed-host-key'; host: HostChoice; reason: 'changed' | 'revoked'; keyType: string; fingerprint: string; knownFingerprint?: string; knownHostsFile: string; knownHostsLine?: number }
  | { kind: 'passphrase'; host: HostChoice; keyFile: string; wrongBefore?: boolean }
  /** sudo on the server wants a password (ansible_become_password not set). */
  | { kind: 'become-password'; host: HostChoice; user: string; wrongBefore?: boolean }
  | { kind: 'failed'; host: HostChoice; error: ConnectFailure }
  | { kind: 'connected'; host: HostChoice; description: string };

export interface ConnectProps {
  state: ConnectState;
  onChooseHost: (name: string) => void;
  /** The operator typed "yes" for this exact fingerprint. */
  onTrustHostKey: (fingerprint: string) => void;
  onPassphrase: (passphrase: string) => void;
  onBecomePassword: (password: string) => void;
  onRetry: () => void;
  onContinue: () => void;
  onQuit: () => void;
}

/** What to do next for each kind of connection failure. */
export function nextStepFor(kind: SshErrorKind, host: HostChoice): string {
  switch (kind) {
    case 'refused': return `Check the port in inventory/hosts (ansible_port) and that sshd runs on ${host.name}.`;
    case 'unreachable': return 'Check the address, DNS and the network path (VPN, firewall), then try again.';
    case 'auth': return `Check ansible_user in inventory/hosts, load your key with ssh-add, or set ansible_ssh_private_key_file; the public key must be in that user's ~/.ssh/authorized_keys on ${host.name}.`;
    case 'key-file': return 'Check the path in ansible_ssh_private_key_file, that you can read the file, and its passphrase.';
    case 'host-key-unknown': return 'The host key was not trusted, so nothing was sent. Try again and compare the fingerprint.';
    case 'host-key-changed':
    case 'host-key-revoked': return 'Nothing was sent. Find out why the key changed before connecting again.';
    case 'disconnected': return 'The connection dropped. Try again; a step that was running will be checked on the server first.';
    case 'channel': return 'The server refused to run a command (MaxSessions, ForceCommand or a restricted shell?). Check its sshd settings.';
    case 'become': return 'sudo needs a password: set ansible_become_password (for example in a vault) or give it when asked.';
    case 'config': return 'Fix the value named above in inventory/hosts or your ssh config, then start again.';
    case 'protocol': return 'Try again; if it persists, compare with `ssh -v` to the same host.';
  }
}

function HostLine({ host }: { host: HostChoice }): React.JSX.Element {
  return <Text>Server: <Text bold>{host.name}</Text> ({host.address}, from {host.origin === 'flag' ? '--host' : host.origin})</Text>;
}

function ChooseHost({ hosts, onChooseHost }: { hosts: HostChoice[]; onChooseHost: (name: string) => void }): React.JSX.Element {
  return (
    <Box flexDirection="column">
      <Text>The inventory lists {hosts.length} servers. Which one runs Synapse?</Text>
      <SelectList
        visible={10}
        items={hosts.map((h) => ({ label: `${h.name}  (${h.address})`, value: h.name }))}
        onSelect={onChooseHost}
      />
    </Box>
  );
}

function TrustKey({ state, onTrust }: { state: Extract<ConnectState, { kind: 'unknown-host-key' }>; onTrust: (fp: string) => void }): React.JSX.Element {
  const [refusals, setRefusals] = useState(0);
  return (
    <Box flexDirection="column">
      <HostLine host={state.host} />
      <Text> </Text>
      <Text>This server's host key is not in your known_hosts yet.</Text>
      <Text>{state.keyType} key fingerprint is <Text bold>{state.fingerprint}</Text></Text>
      <Text>Compare it with the server's own (on the server: ssh-keygen -lf /etc/ssh/ssh_host_{state.keyType.replace(/^ssh-/, '')}_key.pub).</Text>
      <Text> </Text>
      {refusals > 0 ? <Text>Not trusted. Only the word yes trusts this key.</Text> : null}
      <Box>
        <Text>Type yes to trust it: </Text>
        <LineInput onSubmit={(value) => (value.trim() === 'yes' ? onTrust(state.fingerprint) : setRefusals((n) => n + 1))} />
      </Box>
    </Box>
  );
}

function ChangedKey({ state }: { state: Extract<ConnectState, { kind: 'changed-host-key' }> }): React.JSX.Element {
  const where = `${state.knownHostsFile}${state.knownHostsLine !== undefined ? `:${state.knownHostsLine}` : ''}`;
  return (
    <Box flexDirection="column" borderStyle="double" borderColor={tint('red')} paddingX={1}>
      <Text bold color={tint('red')}>✗ WARNING: {state.reason === 'revoked' ? "THE SERVER'S HOST KEY IS REVOKED" : "THE SERVER'S HOST KEY HAS CHANGED"} — NOT CONNECTING</Text>
      <HostLine host={state.host} />
      {state.knownFingerprint ? <Text>Expected ({where}): {state.knownFingerprint}</Text> : <Text>Expected: the key in {where}</Text>}
      <Text>Offered now ({state.keyType}): <Text bold>{state.fingerprint}</Text></Text>
      {state.reason === 'revoked'
        ? <Text>{where} marks this key @revoked. The wizard will not connect with it.</Text>
        : (
          <>
            <Text>Someone may be intercepting the connection, or the server was reinstalled.</Text>
            <Text>The wizard will not connect to it. If you are sure the change is legitimate,</Text>
            <Text>remove the old key yourself (ssh-keygen -R {state.host.name} -f {state.knownHostsFile}) and start again.</Text>
          </>
        )}
    </Box>
  );
}

export function ConnectScreen({ state, onChooseHost, onTrustHostKey, onPassphrase, onBecomePassword, onRetry, onContinue, onQuit }: ConnectProps): React.JSX.Element {
  // While a text field has focus, letters belong to it: only Esc quits there.
  const typing = state.kind === 'unknown-host-key' || state.kind === 'passphrase' || state.kind === 'become-password';
  useKeys((input, key) => {
    if (key.escape || (!typing && input === 'q')) onQuit();
    else if (state.kind === 'failed' && input === 'r') onRetry();
    else if (state.kind === 'connected' && key.return) onContinue();
  });

  let body: React.JSX.Element;
  let hints: KeyHint[];
  switch (state.kind) {
    case 'choose-host':
      body = <ChooseHost hosts={state.hosts} onChooseHost={onChooseHost} />;
      hints = [['↑↓', 'choose'], ['Enter', 'connect'], ['q', 'quit']];
      break;
    case 'connecting':
      body = <Box flexDirection="column"><HostLine host={state.host} /><StatusBadge kind="running" label="connecting…" /></Box>;
      hints = [['q', 'quit']];
      break;
    case 'unknown-host-key':
      body = <TrustKey state={state} onTrust={onTrustHostKey} />;
      hints = [['yes Enter', 'trust this key'], ['Esc', 'quit without connecting']];
      break;
    case 'changed-host-key':
      body = <ChangedKey state={state} />;
      hints = [['q', 'quit']];
      break;
    case 'passphrase':
      body = (
        <Box flexDirection="column">
          <HostLine host={state.host} />
          {state.wrongBefore ? <StatusBadge kind="fail" label="That passphrase did not unlock the key." /> : null}
          <Box>
            <Text>Passphrase for {state.keyFile}: </Text>
            <LineInput mask onSubmit={onPassphrase} />
          </Box>
        </Box>
      );
      hints = [['Enter', 'unlock'], ['Esc', 'quit']];
      break;
    case 'become-password':
      body = (
        <Box flexDirection="column">
          <HostLine host={state.host} />
          {state.wrongBefore ? <StatusBadge kind="fail" label="sudo did not accept that password." /> : null}
          <Text>Steps run with sudo on the server, and sudo asks {state.user} for a password.</Text>
          <Box>
            <Text>sudo password for {state.user}: </Text>
            <LineInput mask onSubmit={onBecomePassword} />
          </Box>
          <Text dimColor>Kept in memory for this session only; never written or shown.</Text>
        </Box>
      );
      hints = [['Enter', 'continue'], ['Esc', 'quit']];
      break;
    case 'failed':
      body = (
        <Box flexDirection="column">
          <HostLine host={state.host} />
          <StatusBadge kind="fail" label="Could not connect" />
          <Text>{state.error.message.charAt(0).toUpperCase() + state.error.message.slice(1)}.</Text>
          <Text>Next: {nextStepFor(state.error.kind, state.host)}</Text>
        </Box>
      );
      hints = [['r', 'try again'], ['q', 'quit']];
      break;
    case 'connected':
      body = <Box flexDirection="column"><HostLine host={state.host} /><StatusBadge kind="ok" label={`connected to ${state.description}`} /></Box>;
      hints = [['Enter', 'continue'], ['q', 'quit']];
      break;
  }
  return (
    <Box flexDirection="column">
      <Text bold>Connect to the Matrix server</Text>
      {body}
      <KeyHints hints={hints} />
    </Box>
  );
}
