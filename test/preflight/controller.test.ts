import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controllerFindings, installedAnsible, parseAnsibleVersion } from '../../source/preflight/controller.js';
import { layersFor } from '../../source/playbook/effective.js';
import { parseVars } from '../../source/playbook/vars-file.js';
import { detectCheckout } from '../../source/playbook/checkout.js';
import { snapshotAvailable, unpackSnapshot } from '../harness/snapshot.js';

const VARS =
  'matrix_domain: example.org\nmatrix_playbook_migration_validated_version: v2026.05.18.0\nmatrix_homeserver_generic_secret_key: abc\npostgres_connection_password: x\n';
const cli = 'dist/source/cli.js';
const layersOf = (dir: string, vars: string) => layersFor(parseVars(vars, 'vars.yml'), 'vars.yml', detectCheckout(dir));

describe('ansible-playbook --version, as real ansible-core prints it', () => {
  it('reads 2.11+ ("[core X]") and older ("ansible-playbook X") first lines', () => {
    expect(parseAnsibleVersion('ansible-playbook [core 2.14.18]\n  config file = None\n')).toBe('2.14.18');
    expect(parseAnsibleVersion('ansible-playbook [core 2.16.3.post0]\n')).toBe('2.16.3');
    expect(parseAnsibleVersion('ansible-playbook 2.9.27\n')).toBe('2.9.27');
    expect(parseAnsibleVersion('nonsense')).toBeNull();
  });
});

describe.skipIf(!snapshotAvailable('current') || !snapshotAvailable('legacy'))('controller.ansible-too-old on the real playbook snapshots', () => {
  let current: ReturnType<typeof unpackSnapshot>;
  let legacy: ReturnType<typeof unpackSnapshot>;
  beforeAll(() => {
    current = unpackSnapshot('current', VARS);
    legacy = unpackSnapshot('legacy', VARS);
  });
  afterAll(() => {
    for (const s of [current, legacy]) if (s) rmSync(path.dirname(s.dir), { recursive: true, force: true });
  });
  const at = (version: string) => ({ path: '/usr/bin/ansible-playbook', version });

  it('current: roles/galaxy/docker uses deb822_repository, so ansible-core 2.14 blocks with both ways out', () => {
    const [f] = controllerFindings({ checkout: { dir: current.dir }, layers: layersOf(current.dir, VARS), installed: at('2.14.18') });
    expect(f).toMatchObject({ id: 'controller.ansible-too-old', severity: 'block', source: 'roles/galaxy/docker/meta/main.yml:10' });
    expect(f.title).toContain('2.14.18');
    expect(f.title).toContain('2.15.1');
    expect(f.fix).toContain('matrix_playbook_docker_installation_enabled: false');
    expect(f.fix).toMatch(/upgrade ansible-core to 2\.15\.1/i);
    expect(f.edits).toEqual([{ op: 'set', key: 'matrix_playbook_docker_installation_enabled', value: false }]);
    expect(controllerFindings({ checkout: { dir: current.dir }, layers: layersOf(current.dir, VARS), installed: at('2.15.1') })).toEqual([]);
  });

  it('current: with matrix_playbook_docker_installation_enabled: false the Docker role does not run and 2.14 is enough', () => {
    const vars = `${VARS}matrix_playbook_docker_installation_enabled: false\n`;
    expect(controllerFindings({ checkout: { dir: current.dir }, layers: layersOf(current.dir, vars), installed: at('2.14.18') })).toEqual([]);
  });

  it('legacy: its own requirement, the ansible-core 2.11.7 its docs/ansible.md confirmed (its Docker role has no deb822)', () => {
    const layers = layersOf(legacy.dir, VARS);
    expect(controllerFindings({ checkout: { dir: legacy.dir }, layers, installed: at('2.14.18') })).toEqual([]);
    const [f] = controllerFindings({ checkout: { dir: legacy.dir }, layers, installed: at('2.10.17') });
    expect(f).toMatchObject({ id: 'controller.ansible-too-old', source: 'docs/ansible.md:23' });
    expect(f.title).toContain('2.11.7');
    expect(f.edits).toBeUndefined();
  });

  const installed = installedAnsible();
  it.skipIf(!installed?.version?.startsWith('2.14.'))(
    'preflight --playbook <current snapshot> --offline --json on this machine (ansible-core 2.14) lists it, and not once Docker installation is off',
    () => {
      const run = () => spawnSync('node', [cli, 'preflight', '--playbook', current.dir, '--offline', '--json'], { encoding: 'utf8' });
      writeFileSync(current.varsFile, VARS);
      const r = run();
      expect(r.status, r.stderr).toBe(3);
      const report = JSON.parse(r.stdout) as { ready: boolean; findings: { id: string; severity: string; detail: string }[] };
      expect(report.ready).toBe(false);
      const f = report.findings.find((x) => x.id === 'controller.ansible-too-old');
      expect(f?.severity).toBe('block');
      expect(f?.detail).toContain(`ansible-core ${installed!.version}`);
      writeFileSync(current.varsFile, `${VARS}matrix_playbook_docker_installation_enabled: false\n`);
      const after = JSON.parse(run().stdout) as { findings: { id: string }[] };
      expect(after.findings.map((x) => x.id)).not.toContain('controller.ansible-too-old');
    },
  );
});
