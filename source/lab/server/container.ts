// Inside a practice-lab "container": what the lab's `docker` stand-in (source/lab/rehearsal/
// docker-cli.ts) hands the program it starts — the bind mounts of the `docker run`/`docker create`
// line and where the container network's PostgreSQL host really is. Without it (the built-in lab
// runs its stand-ins directly) every path and host is left as it is.
import { realpathSync } from 'node:fs';
import path from 'node:path';

export const CONTAINER_ENV = 'MAS_LAB_CONTAINER';

export interface Mount {
  src: string;
  dst: string;
  ro: boolean;
}
export interface ContainerSpec {
  mounts: Mount[];
  /** The lab's PostgreSQL: its socket directory and port, and the host names it answers to on the container network. */
  pg: { socketDir: string; port: number; hosts: string[] };
}

export function containerSpec(env: NodeJS.ProcessEnv = process.env): ContainerSpec | null {
  const raw = env[CONTAINER_ENV];
  return raw ? (JSON.parse(raw) as ContainerSpec) : null;
}

/** A path as the container sees it, as a file on the host (through the longest mount that holds it); null when no mount holds it. */
export function mountedPath(p: string, spec: ContainerSpec): string | null {
  let best: Mount | null = null;
  for (const m of spec.mounts) {
    if ((p === m.dst || p.startsWith(`${m.dst.replace(/\/+$/, '')}/`)) && (!best || m.dst.length > best.dst.length)) best = m;
  }
  return best ? path.join(best.src, path.relative(best.dst, p)) : null;
}

/** A container path on the host; outside a container, or where nothing is mounted, the path itself. */
export function hostPath(p: string, spec = containerSpec()): string {
  return (spec && mountedPath(p, spec)) ?? p;
}

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** Where a PostgreSQL connection made inside the container arrives: the lab's socket for its network host name or its mounted socket directory. */
export function pgEndpoint(host: string, port: number, spec = containerSpec()): { host: string; port: number } {
  if (!spec) return { host, port };
  if (spec.pg.hosts.includes(host)) return { host: spec.pg.socketDir, port: spec.pg.port };
  if (host.startsWith('/')) {
    const onHost = mountedPath(host, spec);
    if (onHost && real(onHost) === real(spec.pg.socketDir)) return { host: spec.pg.socketDir, port: spec.pg.port };
  }
  return { host, port };
}

/** A `docker run` option docker itself would refuse (exit 125). */
export class ContainerRefused extends Error {}

/** `--cap-drop` values as setpriv capability changes (`ALL` → every one; `CAP_NET_RAW`/`net_raw` → that one). */
export function capChanges(capDrop: string[]): string | null {
  if (!capDrop.length) return null;
  if (capDrop.some((c) => c.toUpperCase() === 'ALL')) return '-all';
  return capDrop
    .map((c) => {
      const name = c.toLowerCase().replace(/^cap_/, '');
      if (!/^[a-z_]+$/.test(name)) throw new ContainerRefused(`invalid argument "${c}" for "--cap-drop" flag`);
      return `-cap_${name}`;
    })
    .join(',');
}

/**
 * How the container's program is started: as root through setpriv with the line's `--user` (uid or
 * name, `:gid` or gid 0 as Docker does without one) and `--cap-drop`; otherwise as the operator.
 */
export function containerProcess(
  line: { user?: string; capDrop: string[] },
  program: string,
  args: string[],
  root: boolean,
): { program: string; args: string[] } {
  const caps = capChanges(line.capDrop);
  if (!root || (!line.user && !caps)) return { program, args };
  const opts: string[] = [];
  if (line.user) {
    const [uid, gid] = line.user.split(':');
    if (!uid) throw new ContainerRefused(`invalid argument "${line.user}" for "--user" flag`);
    opts.push(`--reuid=${uid}`, `--regid=${gid || '0'}`, '--clear-groups');
  }
  if (caps) opts.push(`--inh-caps=${caps}`, `--bounding-set=${caps}`);
  return { program: '/usr/bin/setpriv', args: [...opts, '--', program, ...args] };
}
