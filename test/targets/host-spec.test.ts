// Inventory parsing and host resolution: inventory vars merged with an ssh config file
// (a temporary one: the real ~/.ssh is never read).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InventoryError, parseInventory, pickMatrixServer, readInventory } from '../../source/playbook/inventory.js';
import { resolveHostSpec } from '../../source/targets/host-spec.js';

let dir: string;
let sshConfig: string;
const o = () => ({ sshConfigFile: sshConfig, home: '/home/op', localUser: 'op' });

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-hostspec-'));
  sshConfig = path.join(dir, 'config');
  writeFileSync(
    sshConfig,
    `
Host matrix
  HostName 203.0.113.7
  User admin
  Port 2200
  IdentityFile ~/.ssh/matrix_%r
  ProxyJump jumpuser@bastion:2022

Host bastion
  HostName bastion.example.org
  IdentityFile ~/.ssh/bastion

Host twohops
  ProxyJump a,b

Match exec "touch ${dir}/match-exec-ran"
  User wrong

Host *
  User fallback
`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseInventory', () => {
  const text = `# the playbook's examples/hosts
[all:vars]
ansible_python_interpreter=/usr/bin/python3

[matrix_servers]
matrix.example.org ansible_host=matrix ansible_ssh_user="deploy user" ansible_become=true ansible_become_password='p@ss w#rd' # comment

[matrix_servers:vars]
ansible_become_user=root
`;

  it('reads hosts, quoted values, comments and group vars with line numbers', () => {
    const inv = parseInventory(text, 'inventory/hosts');
    const host = pickMatrixServer(inv);
    expect(host).toMatchObject({ name: 'matrix.example.org', line: 6, groups: ['matrix_servers'] });
    expect(host.vars).toEqual({
      ansible_python_interpreter: '/usr/bin/python3',
      ansible_host: 'matrix',
      ansible_ssh_user: 'deploy user',
      ansible_become: 'true',
      ansible_become_password: 'p@ss w#rd',
      ansible_become_user: 'root',
    });
  });

  it('follows [group:children] and picks a host by name', () => {
    const inv = parseInventory('[a]\nh1\n[b]\nh2 ansible_port=2022\n[matrix_servers:children]\na\nb\n');
    expect(() => pickMatrixServer(inv)).toThrow(/several hosts in \[matrix_servers\] \(h1, h2\); choose one with --host NAME/);
    expect(pickMatrixServer(inv, 'h2').vars.ansible_port).toBe('2022');
    expect(() => pickMatrixServer(inv, 'h3')).toThrow(/"h3" is not in \[matrix_servers\] \(found: h1, h2\)/);
  });

  it('errors name file and line', () => {
    expect(() => parseInventory('[matrix_servers]\nhost a=1 "unterminated\n', 'inv')).toThrow('inv:2: unterminated " quote');
    expect(() => parseInventory('[matrix_servers\n', 'inv')).toThrow(/^inv:1: bad section header/);
    expect(() => parseInventory('[matrix_servers:vars]\nnot-an-assignment\n', 'inv')).toThrow('inv:2: expected key=value, found "not-an-assignment"');
    expect(() => pickMatrixServer(parseInventory('[other]\nx\n', 'inv'))).toThrow(InventoryError);
    expect(() => readInventory(path.join(dir, 'no-playbook'))).toThrow(/cannot read the inventory \(ENOENT\).*--playbook DIR/);
  });
});

describe('resolveHostSpec', () => {
  const host = (line: string) => pickMatrixServer(parseInventory(`[matrix_servers]\n${line}\n`, 'inventory/hosts'));

  it('resolves an ssh config alias, with one ProxyJump hop resolved through the config too', () => {
    const spec = resolveHostSpec(host('matrix.example.org ansible_host=matrix'), o());
    expect(spec).toEqual({
      kind: 'ssh',
      inventoryName: 'matrix.example.org',
      host: '203.0.113.7',
      port: 2200,
      username: 'admin',
      identityFiles: ['/home/op/.ssh/matrix_admin'],
      jump: { host: 'bastion.example.org', port: 2022, username: 'jumpuser', identityFiles: ['/home/op/.ssh/bastion'] },
      become: { enabled: false, user: undefined, password: { kind: 'none' } },
    });
  });

  it('inventory values win over ssh config; Match exec is never run', () => {
    const spec = resolveHostSpec(host('m ansible_host=matrix ansible_port=22 ansible_user=root ansible_ssh_private_key_file=/keys/k'), o());
    expect(spec).toMatchObject({ host: '203.0.113.7', port: 22, username: 'root', identityFiles: ['/keys/k'] });
    const plain = resolveHostSpec(host('other.example.org'), o());
    expect(plain).toMatchObject({ host: 'other.example.org', port: 22, username: 'fallback', identityFiles: [], jump: null });
    expect(existsSync(path.join(dir, 'match-exec-ran'))).toBe(false);
  });

  it('become: literal password, vault/Jinja means ask, become user', () => {
    expect(resolveHostSpec(host("m ansible_become=yes ansible_become_pass='s3cret'"), o()).become).toEqual({
      enabled: true,
      user: undefined,
      password: { kind: 'literal', value: 's3cret' },
    });
    const jinja = resolveHostSpec(host('m ansible_become=true ansible_become_user=matrix ansible_become_password="{{ vault_sudo }}"'), o()).become;
    expect(jinja).toMatchObject({ enabled: true, user: 'matrix', password: { kind: 'ask' } });
    expect((jinja.password as { reason: string }).reason).toContain('inventory/hosts:2');
  });

  it('ansible_connection=local selects the local target', () => {
    expect(resolveHostSpec(host('matrix.example.org ansible_connection=local ansible_become=true'), o())).toMatchObject({
      kind: 'local',
      inventoryName: 'matrix.example.org',
      become: { enabled: true },
    });
  });

  it('refuses what it cannot do, saying where', () => {
    expect(() => resolveHostSpec(host('m ansible_port=http'), o())).toThrow('invalid port "http" (ansible_port on inventory/hosts:2)');
    expect(() => resolveHostSpec(host('m ansible_host=twohops'), o())).toThrow(/several hops; only one is supported/);
    expect(() => resolveHostSpec(host('m ansible_connection=community.docker.nsenter'), o())).toThrow(/not supported; use ssh or local/);
    expect(() => resolveHostSpec(host('m ansible_become_method=su'), o())).toThrow(/ansible_become_method=su .* not supported/);
  });
});
