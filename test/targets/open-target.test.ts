// From an inventory line to a connected Target, end to end over the real loopback sshd.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSshd, type Sshd } from '../harness/sshd.js';
import { parseInventory, pickMatrixServer } from '../../source/playbook/inventory.js';
import { resolveHostSpec } from '../../source/targets/host-spec.js';
import { openTarget } from '../../source/targets/open.js';

let sshd: Sshd;
let dir: string;
beforeAll(async () => {
  sshd = await startSshd();
  dir = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-open-'));
  writeFileSync(path.join(dir, 'config'), `Host lab\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${sshd.user}\n  IdentityFile ${sshd.clientKey}\n`);
});
afterAll(() => {
  sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('openTarget', () => {
  it('inventory alias + ssh config -> SSH target; unknown host confirmed once and remembered', async () => {
    const host = pickMatrixServer(parseInventory('[matrix_servers]\nmatrix.example.org ansible_host=lab\n'));
    const spec = resolveHostSpec(host, { sshConfigFile: path.join(dir, 'config'), home: dir, localUser: 'op' });
    const knownHostsFile = path.join(dir, 'known_hosts');
    let asked = 0;
    const target = await openTarget(spec, {
      knownHostsFile,
      agent: null,
      confirmUnknownHost: async () => {
        asked++;
        return true;
      },
    });
    try {
      expect(target.kind).toBe('ssh');
      expect((await target.run({ argv: ['id', '-un'] })).stdout).toBe(`${sshd.user}\n`);
      expect(asked).toBe(1);
    } finally {
      await target.close();
    }
  });

  it('ansible_connection=local -> local target', async () => {
    const host = pickMatrixServer(parseInventory('[matrix_servers]\nmatrix.example.org ansible_connection=local\n'));
    const target = await openTarget(resolveHostSpec(host, { sshConfigFile: path.join(dir, 'none') }));
    expect(target.kind).toBe('local');
    expect((await target.run({ argv: ['echo', 'here'] })).stdout).toBe('here\n');
  });

  it('a vault/Jinja become password is asked for, with the reason', async () => {
    const host = pickMatrixServer(
      parseInventory('[matrix_servers]\nm ansible_connection=local ansible_become=true ansible_become_password="{{ vault_pw }}"\n', 'inventory/hosts'),
    );
    const reasons: string[] = [];
    await openTarget(resolveHostSpec(host, { sshConfigFile: path.join(dir, 'none') }), {
      askBecomePassword: async (r) => {
        reasons.push(r);
        return 'x';
      },
    });
    expect(reasons).toEqual(['ansible_become_password on inventory/hosts:2 is a vault/Jinja value the wizard does not evaluate']);
  });
});
