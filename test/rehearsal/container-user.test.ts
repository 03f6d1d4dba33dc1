// The rehearsal's docker honours the run line's `--user` and `--cap-drop` as Docker does: the real
// tasks run syn2mas with `--user=<matrix uid:gid> --cap-drop=ALL` and dump-all with the postgres
// container's uid:gid and `--cap-drop=ALL` (roles/galaxy/postgres/templates/bin/dump-all.j2).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { capChanges, ContainerRefused, containerProcess } from '../../source/lab/server/container.js';

const root = process.getuid?.() === 0;

describe('docker stand-in: --user and --cap-drop', () => {
  it('--cap-drop=ALL drops every capability; named ones drop only those', () => {
    expect(capChanges(['ALL'])).toBe('-all');
    expect(capChanges(['NET_RAW', 'cap_chown'])).toBe('-cap_net_raw,-cap_chown');
    expect(capChanges([])).toBeNull();
    expect(() => capChanges(['NET RAW'])).toThrow(ContainerRefused);
  });

  it('as root the program runs through setpriv with uid:gid, no groups, and gid 0 when the line names none (as Docker)', () => {
    expect(containerProcess({ user: '991:992', capDrop: ['ALL'] }, '/bin/x', ['a'], true)).toEqual({
      program: '/usr/bin/setpriv',
      args: ['--reuid=991', '--regid=992', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--', '/bin/x', 'a'],
    });
    expect(containerProcess({ user: '991', capDrop: [] }, '/bin/x', [], true).args).toEqual(['--reuid=991', '--regid=0', '--clear-groups', '--', '/bin/x']);
    expect(containerProcess({ capDrop: [] }, '/bin/x', ['a'], true)).toEqual({ program: '/bin/x', args: ['a'] });
  });

  it('a non-root operator cannot switch user: the program runs as them', () => {
    expect(containerProcess({ user: '991:992', capDrop: ['ALL'] }, '/bin/x', ['a'], false)).toEqual({ program: '/bin/x', args: ['a'] });
  });

  it.skipIf(!root)('run for real as root, a --user=0:0 --cap-drop=ALL container has uid 0 and no capability at all', () => {
    const p = containerProcess({ user: '0:0', capDrop: ['ALL'] }, '/bin/sh', ['-c', 'id -u; id -G; grep -E "^Cap(Eff|Bnd)" /proc/self/status'], true);
    const r = spawnSync(p.program, p.args, { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('0\n0\nCapEff:\t0000000000000000\nCapBnd:\t0000000000000000\n');
  });

  it.skipIf(!root)('run for real as root, --user=65534:65534 cannot write a root-owned directory (Permission denied, as in the container)', () => {
    const p = containerProcess({ user: '65534:65534', capDrop: ['ALL'] }, '/bin/sh', ['-c', 'id -u; : > /root/.maswiz-h7-probe'], true);
    const r = spawnSync(p.program, p.args, { encoding: 'utf8' });
    expect(r.stdout).toBe('65534\n');
    expect(r.stderr).toMatch(/Permission denied/);
    expect(r.status).not.toBe(0);
  });
});
