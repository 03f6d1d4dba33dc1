// Inside a practice-lab "container": what the lab's `docker` stand-in (source/lab/rehearsal/
// docker-cli.ts) hands the program it starts — the bind mounts of the `docker run`/`docker create`
// line and where the container network's PostgreSQL host really is. Without it (the built-in lab
// runs its stand-ins directly) every path and host is left as it is.
import { realpathSync } from 'node:fs';
import path from 'node:path';

export const CONTAINER_ENV = 'MAS_LAB_CONTAINER';

export interface Mount { src: string; dst: string; ro: boolean }
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
  try { return realpathSync(p); } catch { return p; }
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
