// The rehearsal server's own commands, in <lab>/server/bin (first on the PATH its Ansible modules
// see, through the python3 below): `docker` (docker-cli.ts), the `service` command Ansible's
// service module falls back to on a machine that does not look systemd-booted, and the account
// tools the real matrix-base role calls, which must not change this machine's users.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LabMeta } from '../lab-meta.js';
import { engineSocket } from './docker-engine.js';

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function write(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  writeFileSync(file, text, { mode: 0o755 });
  chmodSync(file, 0o755);
}

export function serverBin(dir: string): string {
  return path.join(dir, 'server', 'bin');
}

export function writeServerBin(dir: string, meta: LabMeta): void {
  const bin = serverBin(dir);
  const dist = path.join(meta.packageRoot, 'dist', 'source', 'lab', 'rehearsal');
  write(
    path.join(bin, 'docker'),
    `#!/bin/bash
# Practice lab: the server's docker (source/lab/rehearsal/docker-cli.ts) — runs what the image would run.
export MAS_LAB_DIR=${q(dir)}
exec ${q(meta.node)} ${q(path.join(dist, 'docker-cli.js'))} "$@"
`,
  );
  // This machine is not booted with systemd (Ansible's service_mgr fact reads /proc/1/comm), a real
  // server is: the server's python answers "systemd" for PID 1, so the service module drives the
  // systemd module, which drives the lab's systemctl.
  const site = path.join(dir, 'server', 'python');
  mkdirSync(site, { recursive: true, mode: 0o755 });
  writeFileSync(
    path.join(site, 'sitecustomize.py'),
    `# Practice lab: the server's PID 1 is systemd, as on a real matrix-docker-ansible-deploy server.
import builtins, io

_open = builtins.open


def _server_open(file, *args, **kwargs):
    if file == '/proc/1/comm':
        return io.StringIO('systemd\\n')
    return _open(file, *args, **kwargs)


builtins.open = _server_open
`,
  );
  write(
    path.join(bin, 'python3'),
    `#!/bin/bash
# Practice lab: the server's python3 (ansible_python_interpreter). Ansible's modules run with the
# server's PATH, where docker, service, systemctl and the account tools are the lab's, and see a
# systemd-booted server (../python/sitecustomize.py); community.docker modules reach the server's
# Docker Engine API stand-in (docker-engine.ts) as they would reach /var/run/docker.sock.
export PATH=${q(bin)}:"$PATH"
export DOCKER_HOST=${q(`unix://${engineSocket(dir)}`)}
export PYTHONPATH=${q(site)}
export MAS_LAB_DIR=${q(dir)}
exec /usr/bin/python3 "$@"
`,
  );
  write(
    path.join(bin, 'service'),
    `#!/bin/bash
# Practice lab: service NAME start|stop|restart|status, as Debian's service(8) hands it to systemctl.
if [ $# -lt 2 ]; then echo "Usage: service < option > | --status-all | [ service_name [ command | --full-restart ] ]" >&2; exit 1; fi
exec ${q(path.join(bin, 'systemctl'))} "$2" "$1.service"
`,
  );
  for (const tool of ['useradd', 'usermod', 'groupadd', 'groupmod']) {
    write(
      path.join(bin, tool),
      `#!/bin/bash
# Practice lab: the server's ${tool}. The lab's matrix user is the login user; nothing on this machine changes.
echo "practice lab: ${tool} $* (not applied: the lab's server accounts are this machine's login user)" >&2
exit 0
`,
    );
  }
}
