// Effective variables as Ansible sees them: every host_vars file (vault.yml too, possibly
// encrypted with ansible-vault), the host line, inventory group_vars, the playbook's
// group_vars/matrix_servers and role defaults, in Ansible's order. Encryption is real
// (ansible-vault of this machine), so is the precedence it is checked against (ansible-inventory).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectCheckout } from '../../source/playbook/checkout.js';
import { effective, layersFor } from '../../source/playbook/effective.js';
import { parseVars } from '../../source/playbook/vars-file.js';
import { runRules } from '../../source/preflight/rules.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'maswiz-effective-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const HOST = 'matrix.example.com';
const hasVault = spawnSync('ansible-vault', ['--version']).status === 0;

/** A checkout whose operator spread settings over several inventory files, as the guide allows. */
function checkout(name: string, opts: { encrypt?: boolean; passwordInCfg?: boolean } = {}) {
  const dir = path.join(root, name);
  const role = path.join(dir, 'roles/custom/matrix-authentication-service');
  mkdirSync(path.join(role, 'tasks'), { recursive: true });
  mkdirSync(path.join(dir, 'group_vars'), { recursive: true });
  mkdirSync(path.join(dir, 'inventory/host_vars', HOST), { recursive: true });
  mkdirSync(path.join(dir, 'inventory/group_vars/matrix_servers'), { recursive: true });
  writeFileSync(path.join(dir, 'setup.yml'), '- hosts: matrix_servers\n');
  writeFileSync(path.join(role, 'tasks/mas_cli_syn2mas.yml'), '---\n');
  writeFileSync(path.join(dir, 'group_vars/matrix_servers'), 'matrix_playbook_reverse_proxy_type: playbook-managed-traefik\nexim_relay_enabled: true\n');
  writeFileSync(
    path.join(dir, 'inventory/hosts'),
    `[matrix_servers]\n${HOST} ansible_host=192.0.2.10 ansible_connection=local matrix_synapse_enable_registration=false\n`,
  );
  writeFileSync(path.join(dir, 'inventory/group_vars/all.yml'), 'matrix_domain: wrong.example\nmatrix_synapse_allow_guest_access: true\n');
  writeFileSync(path.join(dir, 'inventory/group_vars/matrix_servers/main.yml'), 'matrix_domain: example.com\nmatrix_synapse_enable_registration: true\n');
  const vars =
    'matrix_homeserver_generic_secret_key: "{{ vault_generic_secret }}"\nmatrix_synapse_cas_config_enabled: false\nmatrix_playbook_reverse_proxy_type: "{{ vault_proxy }}"\n';
  writeFileSync(path.join(dir, 'inventory/host_vars', HOST, 'vars.yml'), vars);
  const vault = path.join(dir, 'inventory/host_vars', HOST, 'vault.yml');
  writeFileSync(vault, 'vault_generic_secret: s3cr3t-from-the-vault\nvault_proxy: none\nmatrix_synapse_cas_config_enabled: true\n');
  if (opts.encrypt) {
    const pw = path.join(root, `${name}.vault-pass`);
    writeFileSync(pw, 'correct horse\n', { mode: 0o600 });
    execFileSync('ansible-vault', ['encrypt', '--vault-password-file', pw, vault]);
    if (opts.passwordInCfg) writeFileSync(path.join(dir, 'ansible.cfg'), `[defaults]\nvault_password_file = ${pw}\n`);
  }
  const c = detectCheckout(dir, { PATH: '' });
  return {
    dir,
    c,
    layers: (env: NodeJS.ProcessEnv = { PATH: process.env.PATH }) =>
      layersFor(parseVars(vars, 'vars.yml'), `inventory/host_vars/${HOST}/vars.yml`, c, HOST, env),
  };
}

describe("effective variables across the inventory, in Ansible's order", () => {
  it('vault.yml over vars.yml (later file wins), vars over the host line, host line over group_vars, inventory group_vars/matrix_servers over all', () => {
    const { layers } = checkout('plain');
    const l = layers();
    expect(effective(l, 'matrix_synapse_cas_config_enabled')).toMatchObject({ kind: 'value', value: true, source: `inventory/host_vars/${HOST}/vault.yml:3` });
    expect(effective(l, 'matrix_synapse_enable_registration')).toMatchObject({ kind: 'value', value: 'false', source: 'inventory/hosts:2' });
    expect(effective(l, 'matrix_domain')).toMatchObject({ kind: 'value', value: 'example.com', source: 'inventory/group_vars/matrix_servers/main.yml:1' });
    expect(effective(l, 'matrix_synapse_allow_guest_access')).toMatchObject({ value: true, source: 'inventory/group_vars/all.yml:2' });
    // `{{ vault_x }}` is followed to the vault's value
    expect(effective(l, 'matrix_homeserver_generic_secret_key')).toMatchObject({ kind: 'value', value: 's3cr3t-from-the-vault', from: 'vars' });
    expect(effective(l, 'matrix_playbook_reverse_proxy_type')).toMatchObject({ value: 'none' });
  });

  it.skipIf(!hasVault)('the same precedence is what ansible-inventory itself reports', () => {
    const { dir } = checkout('plain-ansible');
    const out = JSON.parse(execFileSync('ansible-inventory', ['-i', 'inventory/hosts', '--host', HOST], { cwd: dir, encoding: 'utf8' })) as Record<
      string,
      unknown
    >;
    expect(out).toMatchObject({
      matrix_synapse_cas_config_enabled: true,
      matrix_synapse_enable_registration: 'false',
      matrix_domain: 'example.com',
      matrix_synapse_allow_guest_access: true,
    });
  });

  it.skipIf(!hasVault)('an ansible-vault encrypted vault.yml is opened with the password file ansible.cfg names', () => {
    const { layers } = checkout('encrypted', { encrypt: true, passwordInCfg: true });
    const l = layers();
    expect(effective(l, 'matrix_synapse_cas_config_enabled')).toMatchObject({ value: true, source: `inventory/host_vars/${HOST}/vault.yml:3` });
    expect(runRules({ layers: l }).map((f) => f.id)).toContain('synapse.cas-enabled');
  });

  it.skipIf(!hasVault)('without a vault password the encrypted file is opaque: everything else is still judged, nothing blocks on it, an info says so', () => {
    const { layers } = checkout('no-password', { encrypt: true });
    const l = layers();
    expect(effective(l, 'matrix_domain')).toMatchObject({ value: 'example.com' });
    expect(effective(l, 'matrix_synapse_cas_config_enabled')).toMatchObject({ value: false, source: `inventory/host_vars/${HOST}/vars.yml:2` });
    expect(effective(l, 'matrix_homeserver_generic_secret_key')).toMatchObject({ kind: 'cannot-judge', reason: 'jinja' });
    const findings = runRules({ layers: l });
    const info = findings.find((f) => f.id === 'inventory.file-unreadable');
    expect(info).toMatchObject({ severity: 'info', source: `inventory/host_vars/${HOST}/vault.yml` });
    expect(info!.detail).toMatch(/no vault password is configured/);
    expect(findings.filter((f) => f.severity === 'block').map((f) => f.id)).toEqual(['playbook.validated-version-missing', 'synapse.guest-access']);
  });
});
