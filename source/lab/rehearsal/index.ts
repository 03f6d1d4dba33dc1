// `lab reset --playbook DIR [--vars FILE]`: the lab built around a copy of a real playbook checkout
// (the dress rehearsal). The server side is the lab's usual one plus the commands a real server has
// (server-bin.ts); the copy's install-all / setup-all are stood in for (stand-in-play.ts), its
// syn2mas, doctor and register-user tasks and scripts are the real ones.
import { execFileSync } from 'node:child_process';
import { rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { clusterOf, type LabMeta } from '../lab-meta.js';
import { psql } from '../postgres.js';
import { copyCheckout } from './checkout-copy.js';
import { ensureEngine } from './docker-engine.js';
import { writeInventory, type OperatorVars } from './inventory.js';
import { writeServerBin } from './server-bin.js';
import { STAND_IN_PLAY, STAND_IN_TAG, writeStandIn } from './stand-in-play.js';

export { checkoutFacts, syn2masUsesCommunityDocker } from './checkout-copy.js';
export { ensureEngine, stopEngine } from './docker-engine.js';
export { readOperatorVars } from './inventory.js';

export interface RehearsalSource {
  playbook: string;
  vars?: OperatorVars;
}

/** The seed's Keycloak links follow the operator's Synapse providers: the first one's id, or none. */
export function seedLinksFor(meta: LabMeta, vars: OperatorVars | undefined): void {
  if (!vars) return;
  const first = vars.synapseIdpIds[0];
  psql(
    clusterOf(meta),
    'synapse',
    {
      text: first
        ? `UPDATE user_external_ids SET auth_provider = '${first.replace(/'/g, "''")}' WHERE auth_provider = 'oidc-keycloak';`
        : "DELETE FROM user_external_ids WHERE auth_provider = 'oidc-keycloak';",
    },
    'synapse',
  );
}

/** Copies the checkout, writes the inventory and the server's commands, and lets the stand-in lay out the server as the playbook would have. */
export function writeRehearsal(dir: string, meta: LabMeta, secrets: { postgresPassword: string; genericSecret: string }, source: RehearsalSource): void {
  const playbook = path.join(dir, 'playbook');
  copyCheckout(source.playbook, playbook);
  writeStandIn(playbook);
  writeInventory(dir, meta, secrets, source.vars);
  writeServerBin(dir, meta);
  // The postgres role's run directory holds the server's socket (the MAS container mounts it).
  const run = path.join(dir, 'server', 'matrix', 'postgres', 'run');
  rmSync(run, { recursive: true, force: true });
  symlinkSync(meta.socketDir, run);
  ensureEngine(dir, meta.node, meta.packageRoot);
  // The server before the wizard: what this playbook (MAS as vars.yml says) installed.
  try {
    execFileSync('ansible-playbook', ['-i', 'inventory/hosts', STAND_IN_PLAY, `--tags=${STAND_IN_TAG}`, '--extra-vars=lab_stand_in_for=lab-reset'], {
      cwd: playbook,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
  } catch (error) {
    const out = `${(error as { stdout?: string }).stdout ?? ''}`.trim().split('\n').slice(-25).join('\n');
    throw new Error(`the copy's playbook could not lay out the lab's server:\n${out}`);
  }
}
