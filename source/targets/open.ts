// One call from a resolved HostSpec to a connected Target, with the operator's
// answers (host key, key passphrase, sudo password) asked through injected prompts.
import os from 'node:os';
import path from 'node:path';
import type { Target } from './target.js';
import type { HostSpec } from './host-spec.js';
import type { BecomeSettings } from './remote-command.js';
import { LocalTarget } from './local.js';
import { SshTarget, type SshTargetOptions } from './ssh.js';

export interface OpenTargetDeps
  extends Partial<
    Pick<
      SshTargetOptions,
      | 'confirmUnknownHost'
      | 'askPassphrase'
      | 'agent'
      | 'defaultIdentityFiles'
      | 'keepaliveInterval'
      | 'keepaliveCountMax'
      | 'readyTimeout'
      | 'hashKnownHosts'
      | 'onConnectionLost'
    >
  > {
  /** Default ~/.ssh/known_hosts. */
  knownHostsFile?: string;
  /** Asked when the inventory's become password is a vault/Jinja value; null = try without a password (sudo -n). */
  askBecomePassword?: (reason: string) => Promise<string | null>;
  /** The sudo program (tests, unusual installs). */
  sudo?: string;
}

async function becomeSettings(spec: HostSpec, deps: OpenTargetDeps): Promise<BecomeSettings> {
  const settings: BecomeSettings = { user: spec.become.user, sudo: deps.sudo };
  const pw = spec.become.password;
  if (pw.kind === 'literal') settings.password = pw.value;
  if (pw.kind === 'ask') settings.password = (await deps.askBecomePassword?.(pw.reason)) ?? undefined;
  return settings;
}

export async function openTarget(spec: HostSpec, deps: OpenTargetDeps = {}): Promise<Target & { reconnect?: () => Promise<void> }> {
  const become = await becomeSettings(spec, deps);
  if (spec.kind === 'local') return new LocalTarget({ become });
  const { kind: _kind, inventoryName: _name, become: _become, ...endpoint } = spec;
  return SshTarget.connect({
    ...deps,
    ...endpoint,
    knownHostsFile: deps.knownHostsFile ?? path.join(os.homedir(), '.ssh', 'known_hosts'),
    become,
  });
}
