// The controller (this machine) runs the playbook: ansible-playbook must be installed and new
// enough for the tasks this checkout will run (real-outputs.md §7). The requirement comes from the
// checkout itself: the Docker role's `min_ansible_version` when that role runs (at the current
// generation it uses ansible.builtin.deb822_repository, new in ansible-core 2.15), else the
// lowest version docs/ansible.md says was confirmed to work.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Checkout } from '../playbook/checkout.js';
import { findOnPath } from '../playbook/checkout.js';
import { effectiveBool, type VarsLayer } from '../playbook/effective.js';
import { compareVersions } from './rules.js';
import type { Finding } from './finding.js';

export const DOCKER_INSTALL_KEY = 'matrix_playbook_docker_installation_enabled';
const DOCKER_META = 'roles/galaxy/docker/meta/main.yml';
const DOCKER_TASKS = 'roles/galaxy/docker/tasks';

export interface AnsibleRequirement {
  version: string;
  /** Why, in words, and the file:line it comes from. */
  why: string;
  source: string;
  /** True when the Docker role sets it, so `matrix_playbook_docker_installation_enabled: false` lifts it. */
  dockerRole: boolean;
}

/** `ansible-playbook [core 2.14.18]` (2.11+) or `ansible-playbook 2.9.27` (older): the version, or null. */
export function parseAnsibleVersion(output: string): string | null {
  const first = output.split('\n')[0] ?? '';
  return /\[core (\d+\.\d+(?:\.\d+)?)[^\]]*\]/.exec(first)?.[1] ?? /^ansible-playbook (\d+\.\d+(?:\.\d+)?)/.exec(first)?.[1] ?? null;
}

/** The installed ansible-core, asked of ansible-playbook itself; null when it is missing or says nothing readable. */
export function installedAnsible(env: NodeJS.ProcessEnv = process.env): { path: string; version: string | null } | null {
  const bin = findOnPath('ansible-playbook', env);
  if (!bin) return null;
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', env, timeout: 30_000 });
  return { path: bin, version: r.status === 0 ? parseAnsibleVersion(r.stdout) : null };
}

function lineOf(text: string, re: RegExp): number | null {
  const i = text.split('\n').findIndex((l) => re.test(l));
  return i < 0 ? null : i + 1;
}

/** The ansible-core this checkout needs for the runs the wizard makes (install-all, syn2mas, …). */
export function ansibleRequirement(checkout: Pick<Checkout, 'dir'>, layers: readonly VarsLayer[]): AnsibleRequirement | null {
  const meta = path.join(checkout.dir, DOCKER_META);
  const dockerOn = effectiveBool(layers, DOCKER_INSTALL_KEY).value !== false;
  if (dockerOn && existsSync(meta)) {
    const text = readFileSync(meta, 'utf8');
    const m = /^\s*min_ansible_version:\s*['"]?([\d.]+)/m.exec(text);
    const tasksDir = path.join(checkout.dir, DOCKER_TASKS);
    const deb822 =
      existsSync(tasksDir) &&
      ['setup-Debian.yml', 'main.yml'].some(
        (f) => existsSync(path.join(tasksDir, f)) && /deb822_repository/.test(readFileSync(path.join(tasksDir, f), 'utf8')),
      );
    // Only a hard requirement when the role really uses a 2.15+ module; its meta is informational.
    if (m && deb822) {
      return {
        version: m[1],
        dockerRole: true,
        source: `${DOCKER_META}:${lineOf(text, /min_ansible_version/)}`,
        why: 'the playbook installs Docker with roles/galaxy/docker, which uses ansible.builtin.deb822_repository (ansible-core 2.15 or newer)',
      };
    }
  }
  const docs = path.join(checkout.dir, 'docs', 'ansible.md');
  if (existsSync(docs)) {
    const text = readFileSync(docs, 'utf8');
    const m = /lowest version that we've confirmed[^:]*: `ansible-core` \(`([\d.]+)`\)/.exec(text);
    if (m)
      return {
        version: m[1],
        dockerRole: false,
        source: `docs/ansible.md:${lineOf(text, /lowest version that we've confirmed/)}`,
        why: "the playbook's docs name it as the lowest version confirmed to work",
      };
  }
  return null;
}

export function controllerFindings(input: {
  checkout?: Pick<Checkout, 'dir'>;
  layers: readonly VarsLayer[];
  installed: ReturnType<typeof installedAnsible>;
}): Finding[] {
  const { installed } = input;
  if (!installed) {
    return [
      {
        id: 'controller.ansible-missing',
        severity: 'block',
        title: 'ansible-playbook is not installed on this machine',
        detail:
          'The wizard runs the playbook (install, syn2mas, re-install) from this machine, like `just` would; without ansible-playbook on PATH every one of those steps fails.',
        fix: 'Install Ansible (Debian/Ubuntu: apt install ansible-core; or pipx install ansible-core), then run the wizard again.',
        source: 'this machine: PATH',
      },
    ];
  }
  const need = input.checkout ? ansibleRequirement(input.checkout, input.layers) : null;
  if (!need || !installed.version) return [];
  const cmp = compareVersions(installed.version, need.version);
  if (cmp === null || cmp >= 0) return [];
  const ways = need.dockerRole
    ? `Either upgrade ansible-core to ${need.version} or newer (pipx install ansible-core, or the playbook's "Using Ansible via Docker"), or, if Docker is already installed on the server, set \`${DOCKER_INSTALL_KEY}: false\` in vars.yml (the wizard can do it) so the Docker role does not run.`
    : `Upgrade ansible-core to ${need.version} or newer (pipx install ansible-core, or the playbook's "Using Ansible via Docker").`;
  return [
    {
      id: 'controller.ansible-too-old',
      severity: 'block',
      title: `ansible-core ${installed.version} is older than this playbook needs (${need.version})`,
      detail:
        `This machine has ansible-core ${installed.version} (${installed.path}); this checkout needs ${need.version} or newer: ${need.why}.` +
        (need.dockerRole ? " The install step would stop with \"couldn't resolve module/action 'ansible.builtin.deb822_repository'\" (exit 4)." : ''),
      fix: ways,
      source: need.source,
      ...(need.dockerRole ? { edits: [{ op: 'set' as const, key: DOCKER_INSTALL_KEY, value: false }] } : {}),
    },
  ];
}
