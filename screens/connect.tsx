// Connect screen: which server, whether to trust its host key, how login went.
// It renders the engine's connection state and reports the operator's answers through
// callbacks; the engine (source/targets) does the connecting and the host-key checks.
import React, { useState } from 'react';
import { Box, Text, useInput } from 'ink';
import { Select } from '@inkjs/ui';
import { KeyHints, type KeyHint } from './components/key-hints.js';
import { LineInput } from './components/line-input.js';
import { StatusBadge } from './components/status-badge.js';
import { tint } from './components/theme.js';

export interface HostChoice {
  /** Inventory name (e.g. "matrix.example.org"). */
  name: string;
  /** What we connect to: "user@address:port". */
  address: string;
  /** Where this host came from, shown so the operator can tell inventory from flags. */
  origin: 'inventory' | 'flag' | 'lab';
}

export type AuthProblem =
  | { kind: 'no-credentials' }
  | { kind: 'rejected'; user: string; triedKeys: string[] }
  | { kind: 'key-unreadable'; keyFile: string; reason: string }
  | { kind: 'unreachable'; reason: string }
  | { kind: 'timeout'; seconds: number };

export type ConnectState =
  | { kind: 'choose-host'; hosts: HostChoice[] }
  | { kind: 'connecting'; host: HostChoice }
  | { kind: 'unknown-host-key'; host: HostChoice; keyType: string; fingerprint: string }
  | { kind: 'changed-host-key'; host: HostChoice; keyType: string; fingerprint: string; knownFingerprint?: string; knownHostsFile: string; knownHostsLine?: number }
  | { kind: 'passphrase'; host: HostChoice; keyFile: string; wrongBefore?: boolean }
  | { kind: 'auth-failed'; host: HostChoice; problem: AuthProblem }
  | { kind: 'connected'; host: HostChoice; description: string };

export interface ConnectProps {
  state: ConnectState;
  onChooseHost: (name: string) => void;
  /** The operator typed "yes" for this exact fingerprint. */
  onTrustHostKey: (fingerprint: string) => void;
  onPassphrase: (passphrase: string) => void;
  onRetry: () => void;
  onContinue: () => void;
  onQuit: () => void;
}

/** Plain-words explanation and next step for each login problem. */
export function describeAuthProblem(problem: AuthProblem, host: HostChoice): { what: string; next: string } {
  switch (problem.kind) {
    case 'no-credentials':
      return { what: 'No SSH key or agent was available to log in with.', next: 'Load your key with ssh-add, or set ansible_ssh_private_key_file for this host in inventory/hosts.' };
    case 'rejected':
      return {
        what: `The server refused to let ${problem.user} log in with ${problem.triedKeys.length ? problem.triedKeys.join(', ') : 'any key we had'}.`,
        next: `Check ansible_user in inventory/hosts and that your public key is in ~${problem.user}/.ssh/authorized_keys on ${host.name}.`,
      };
    case 'key-unreadable':
      return { what: `The key file ${problem.keyFile} could not be used: ${problem.reason}.`, next: 'Check the path in ansible_ssh_private_key_file and that the file is readable by you.' };
    case 'unreachable':
      return { what: `Could not reach ${host.address}: ${problem.reason}.`, next: 'Check the address and port in inventory/hosts, your network, and that sshd runs on the server.' };
    case 'timeout':
      return { what: `${host.address} did not answer within ${problem.seconds} s.`, next: 'Check the network path (VPN, firewall) and try again.' };
  }
}

function HostLine({ host }: { host: HostChoice }): React.JSX.Element {
  return <Text>Server: <Text bold>{host.name}</Text> ({host.address}, from {host.origin === 'flag' ? '--host' : host.origin})</Text>;
}

function ChooseHost({ hosts, onChooseHost }: { hosts: HostChoice[]; onChooseHost: (name: string) => void }): React.JSX.Element {
  return (
    <Box flexDirection="column">
      <Text>The inventory lists {hosts.length} servers. Which one runs Synapse?</Text>
      <Select
        visibleOptionCount={Math.min(hosts.length, 10)}
        options={hosts.map((h) => ({ label: `${h.name}  (${h.address})`, value: h.name }))}
        onChange={onChooseHost}
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
      <Text bold color={tint('red')}>✗ WARNING: THE SERVER'S HOST KEY HAS CHANGED — NOT CONNECTING</Text>
      <HostLine host={state.host} />
      {state.knownFingerprint ? <Text>Expected ({where}): {state.knownFingerprint}</Text> : <Text>Expected: the key in {where}</Text>}
      <Text>Offered now ({state.keyType}): <Text bold>{state.fingerprint}</Text></Text>
      <Text>Someone may be intercepting the connection, or the server was reinstalled.</Text>
      <Text>The wizard will not connect to it. If you are sure the change is legitimate,</Text>
      <Text>remove the old key yourself (ssh-keygen -R {state.host.name} -f {state.knownHostsFile}) and start again.</Text>
    </Box>
  );
}

export function ConnectScreen({ state, onChooseHost, onTrustHostKey, onPassphrase, onRetry, onContinue, onQuit }: ConnectProps): React.JSX.Element {
  // While a text field has focus, letters belong to it: only Esc quits there.
  const typing = state.kind === 'unknown-host-key' || state.kind === 'passphrase';
  useInput((input, key) => {
    if (key.escape || (!typing && input === 'q')) onQuit();
    else if (state.kind === 'auth-failed' && input === 'r') onRetry();
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
    case 'auth-failed': {
      const { what, next } = describeAuthProblem(state.problem, state.host);
      body = (
        <Box flexDirection="column">
          <HostLine host={state.host} />
          <StatusBadge kind="fail" label="Could not log in" />
          <Text>{what}</Text>
          <Text>Next: {next}</Text>
        </Box>
      );
      hints = [['r', 'try again'], ['q', 'quit']];
      break;
    }
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
