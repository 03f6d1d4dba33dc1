// One lab playbook driven by the real `just` and real ansible-playbook: a validation failure with
// the role's message, a task failed by the failTask fault, and a successful install over real SSH.
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyLab, ensureLab, type LabInfo } from '../../source/lab/lab.js';
import { writeFaults } from '../../source/lab/faults.js';
import { packageRoot } from '../../source/paths.js';
import { startSshd, type Sshd } from '../harness/sshd.js';
import { labOverSsh } from '../harness/lab-over-ssh.js';
import { labParent, run } from './helpers.js';
import { commandResults, parseAnsibleOutput } from '../../source/parsers/ansible.js';

let parent: string;
let lab: LabInfo;
let sshd: Sshd;
const just = (...args: string[]) =>
  run(path.join(packageRoot(), 'node_modules', 'rust-just-linux-x64', 'bin', 'just'), args, {
    cwd: lab.playbookDir,
    env: { ANSIBLE_FORCE_COLOR: '0', NO_COLOR: '1' },
  });
const varsFile = () => path.join(lab.playbookDir, 'inventory', 'host_vars', lab.host, 'vars.yml');

beforeAll(async () => {
  parent = labParent();
  lab = await ensureLab({ dir: path.join(parent, 'lab') });
  sshd = await startSshd();
});

afterAll(async () => {
  sshd?.stop();
  await destroyLab({ dir: lab.dir });
  rmSync(parent, { recursive: true, force: true });
});

describe('lab playbook (real just + ansible-playbook)', () => {
  it('fails validation with the role message for a short encryption secret', () => {
    appendFileSync(
      varsFile(),
      "\nmatrix_authentication_service_enabled: true\nmatrix_authentication_service_migration_in_progress: true\nmatrix_authentication_service_config_secrets_encryption: 'tooshort'\n",
    );
    const r = just('install-all');
    expect(r.status).not.toBe(0);
    expect(r.stdout).toContain(
      'TASK [custom/matrix-authentication-service : Fail if matrix_authentication_service_config_secrets_encryption is not 64 characters long]',
    );
    expect(r.stdout).toMatch(/fatal: \[matrix\.example\.org\]: FAILED!/);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('must be exactly 64 characters long (it is 8 now)');
    expect(r.stdout).toMatch(/PLAY RECAP \*+\nmatrix\.example\.org +: ok=\d+ +changed=0 +unreachable=0 +failed=1/);
  });

  it('fails the task named by the failTask fault', () => {
    writeFileSync(varsFile(), readFileSync(varsFile(), 'utf8').replace("'tooshort'", `'${'ab'.repeat(32)}'`));
    writeFaults(lab.dir, { failTask: 'Ensure matrix-authentication-service config is installed' });
    const r = just('run-tags', 'install-matrix-authentication-service');
    expect(r.status).not.toBe(0);
    expect(r.stdout).toContain('TASK [custom/matrix-authentication-service : Ensure matrix-authentication-service config is installed]');
    expect(r.stdout).toContain('Practice lab fault');
    writeFaults(lab.dir, {});
    // A name no task has would fail nothing (a test relying on it would pass for nothing): refused.
    expect(() => writeFaults(lab.dir, { failTask: 'Run mas-cli syn2mas' })).toThrow(/no task named "Run mas-cli syn2mas" in the lab's playbook/);
  });

  it('installs MAS over real SSH: config rendered, services started, mas-cli doctor reachable', () => {
    const { hostLine } = labOverSsh(lab, sshd);
    expect(readFileSync(path.join(lab.playbookDir, 'inventory', 'hosts'), 'utf8')).toContain(hostLine);
    const r = just('install-all');
    expect(r.stdout).toMatch(/PLAY RECAP \*+\nmatrix\.example\.org +: ok=\d+ +changed=\d+ +unreachable=0 +failed=0/);
    expect(r.status).toBe(0);
    expect(readFileSync(path.join(lab.serverRoot, 'matrix-authentication-service', 'config', 'config.yaml'), 'utf8')).toContain('homeserver: "example.org"');
    expect(run(lab.systemctl, ['is-active', 'matrix-authentication-service']).stdout.trim()).toBe('active');
    // Migration in progress: Synapse keeps handling logins, so doctor warns about the legacy login API.
    const doctor = run('runuser', ['-u', sshd.user, '--', path.join(lab.serverRoot, 'matrix-authentication-service', 'bin', 'mas-cli'), 'doctor']);
    expect(doctor.status).toBe(0);
    expect(doctor.stderr).toContain("doesn't look to be handled by MAS");
  });

  it('prints task results as JSON like the real ansible.cfg; a syn2mas check that exits 10/11 is one fatal line and the play stops there', () => {
    const r = just(
      'run-tags',
      'matrix-authentication-service-mas-cli-syn2mas',
      '-e',
      'matrix_authentication_service_syn2mas_subcommand=check',
      '-e',
      'matrix_authentication_service_syn2mas_migrate_dry_run=true',
    );
    expect(r.status).not.toBe(0);
    expect(r.stdout).toContain('TASK [custom/matrix-authentication-service : Perform syn2mas migration]');
    expect(r.stdout).toMatch(/\nfatal: \[matrix\.example\.org\]: FAILED! => \{"changed": false, "cmd": \[/);
    const after = r.stdout.slice(r.stdout.indexOf('fatal: [matrix.example.org]'));
    expect(after).not.toContain('TASK [');
    const [result] = commandResults(r.stdout);
    expect([10, 11]).toContain(result.rc);
    expect(result).toMatchObject({ task: 'Perform syn2mas migration', format: 'json', stdout: '' });
    expect(result.stderr).toMatch(/^\n\n===== (Errors|Warnings) =====/);
    expect(parseAnsibleOutput(r.stdout).failures[0].explanation?.title).toMatch(
      /^(syn2mas check found errors \(exit 10\)|the syn2mas check found warnings \(exit 11\))$/,
    );
  });
});
