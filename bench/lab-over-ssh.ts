// Lives in bench/ (compiled with the product) so the bench and the tests share one copy;
// test/harness/lab-over-ssh.ts re-exports it.
// Makes a practice lab reachable over the test sshd: the lab tree is handed to the SSH user (the
// server-side scripts run as that user and write into it), and the inventory host line is rewritten
// so real Ansible — and the wizard, which reads the same line — go over the real SSH transport.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LabInfo } from '../source/lab/lab.js';
import { loginUserAsMatrixUser } from '../source/lab/matrix-user.js';
import type { Sshd } from './sshd.js';

export interface LabOverSsh {
  knownHostsFile: string;
  hostLine: string;
}

export function labOverSsh(lab: LabInfo, sshd: Sshd): LabOverSsh {
  // Every parent must be traversable by the SSH user; a lab under /root is not.
  try {
    execFileSync('runuser', ['-u', sshd.user, '--', 'test', '-x', lab.dir]);
  } catch {
    throw new Error(`the SSH user ${sshd.user} cannot reach ${lab.dir}; create the lab under a world-traversable directory (e.g. mkdtemp in /tmp + chmod 755)`);
  }
  // The server side now runs as the SSH user, without root: it cannot switch to another uid for dump-all.
  loginUserAsMatrixUser(lab.dir, sshd.user, `over SSH the lab's server side runs as ${sshd.user} without root: dump-all writes as ${sshd.user}`);
  execFileSync('chown', ['-R', `${sshd.user}:${sshd.user}`, path.join(lab.dir, 'server')]);
  execFileSync('chmod', ['0644', path.join(lab.dir, 'faults.json'), path.join(lab.dir, 'lab.json')]);
  const knownHostsFile = path.join(lab.dir, 'known_hosts');
  writeFileSync(knownHostsFile, `${sshd.knownHostsLine}\n`, { mode: 0o644 });
  const hosts = path.join(lab.playbookDir, 'inventory', 'hosts');
  const hostLine = `${lab.host} ansible_host=127.0.0.1 ansible_port=${sshd.port} ansible_user=${sshd.user} ansible_ssh_private_key_file=${sshd.clientKey} ansible_python_interpreter=/usr/bin/python3 ansible_ssh_common_args='-o UserKnownHostsFile=${knownHostsFile} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes'`;
  const text = readFileSync(hosts, 'utf8')
    .split('\n')
    .map((line) => (line.startsWith(`${lab.host} `) ? hostLine : line))
    .join('\n');
  writeFileSync(hosts, text);
  return { knownHostsFile, hostLine };
}
