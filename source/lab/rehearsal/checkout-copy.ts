// The rehearsal's playbook: a copy of a real matrix-docker-ansible-deploy checkout (the parts a
// playbook run reads), and what the copy says about itself — its generation and its MAS version,
// as they would decide a real server's.
import { cpSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { Generation } from '../lab-meta.js';

export const COPIED = ['setup.yml', 'roles', 'ansible.cfg', 'justfile', 'group_vars'];
const MAS_ROLE = 'roles/custom/matrix-authentication-service';

export interface CopyFacts {
  generation: Generation;
  masVersion: string;
}

export function checkoutFacts(dir: string): CopyFacts {
  const generation: Generation | null = existsSync(path.join(dir, MAS_ROLE, 'tasks', 'mas_cli_syn2mas.yml'))
    ? 'current'
    : existsSync(path.join(dir, MAS_ROLE, 'tasks', 'syn2mas.yml'))
      ? 'legacy'
      : null;
  if (!generation) throw new Error(`${dir} has no ${MAS_ROLE} with syn2mas tasks: not a matrix-docker-ansible-deploy checkout with MAS`);
  const defaults = parse(readFileSync(path.join(dir, MAS_ROLE, 'defaults', 'main.yml'), 'utf8')) as Record<string, unknown>;
  return { generation, masVersion: String(defaults.matrix_authentication_service_version ?? 'unknown') };
}

/** Whether the copy's syn2mas tasks call a community.docker module (the legacy docker_image task): then the collection must be installed. */
export function syn2masUsesCommunityDocker(dir: string): boolean {
  const { generation } = checkoutFacts(dir);
  const tasks = readFileSync(path.join(dir, MAS_ROLE, 'tasks', generation === 'current' ? 'mas_cli_syn2mas.yml' : 'syn2mas.yml'), 'utf8');
  return /^\s*community\.docker\./m.test(tasks);
}

/** Copies the checkout's playbook parts into `dest` (roles/galaxy included: run `just roles` in the checkout first). */
export function copyCheckout(src: string, dest: string): CopyFacts {
  for (const name of COPIED) {
    if (!existsSync(path.join(src, name))) throw new Error(`${src} has no ${name}: not a matrix-docker-ansible-deploy checkout`);
  }
  if (!existsSync(path.join(src, 'roles', 'galaxy'))) throw new Error(`${src} has no roles/galaxy: run "just roles" in the checkout first`);
  const facts = checkoutFacts(src);
  for (const name of COPIED) cpSync(path.join(src, name), path.join(dest, name), { recursive: true });
  return facts;
}
