// The rehearsal server's `docker`: it receives the real `docker run …` / `docker exec …` lines the
// playbook's tasks and scripts build and runs what the image would run on this machine — the lab's
// mas-cli for the MAS image, the real legacy syn2mas for the syn2mas image, psql/pg_dumpall for the
// postgres image — with the line's bind mounts (paths mapped, `ro` kept), env files, `-e` values,
// and the container network's `matrix-postgres` host (the lab's PostgreSQL socket). `--user` and
// `--cap-drop` are honoured where this machine can: as root the program runs through setpriv with
// the line's uid:gid, no supplementary groups and the dropped capabilities gone from its inheritable
// and bounding sets (so an uid-0 container with --cap-drop=ALL has none, as in Docker); a non-root
// operator cannot switch user, so the program runs as them (the README's lab section says so).
// Anything else it does not know is refused as docker refuses it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readMeta } from '../lab-meta.js';
import { CONTAINER_ENV, containerProcess, ContainerRefused, hostPath, type ContainerSpec, type Mount } from '../server/container.js';

const PG_HOSTS = ['matrix-postgres', 'postgres'];

interface RunLine {
  mounts: Mount[];
  env: Record<string, string>;
  user?: string;
  capDrop: string[];
  image: string;
  args: string[];
  interactive: boolean;
  entrypoint?: string;
}

class DockerError extends Error {
  constructor(
    message: string,
    readonly code = 125,
  ) {
    super(message);
  }
}

const FLAG_WITH_VALUE = new Set([
  '--name',
  '--log-driver',
  '--user',
  '-u',
  '--cap-drop',
  '--network',
  '--net',
  '--mount',
  '--env-file',
  '-e',
  '--env',
  '--label-file',
  '--entrypoint',
  '--tmpfs',
  '-w',
  '--workdir',
  '--label',
  '-l',
]);
const FLAG_ALONE = new Set(['--rm', '-i', '-t', '-it', '-ti', '--interactive', '--tty', '--read-only', '-d', '--detach', '--init']);

function parseMount(spec: string): Mount {
  const fields = Object.fromEntries(
    spec.split(',').map((kv) => {
      const i = kv.indexOf('=');
      return i < 0 ? [kv, 'true'] : [kv.slice(0, i), kv.slice(i + 1)];
    }),
  );
  if ((fields.type ?? 'volume') !== 'bind') throw new DockerError(`practice lab docker: only bind mounts exist here (got "${spec}")`);
  const src = fields.src ?? fields.source;
  const dst = fields.dst ?? fields.destination ?? fields.target;
  if (!src || !dst) throw new DockerError(`invalid argument "${spec}" for "--mount" flag: src and dst are required`);
  if (!existsSync(src))
    throw new DockerError(`docker: Error response from daemon: invalid mount config for type "bind": bind source path does not exist: ${src}.`);
  return { src, dst, ro: fields.ro === 'true' || fields.readonly === 'true' || fields.ro === '1' };
}

function readEnvFile(file: string, env: Record<string, string>): void {
  if (!existsSync(file)) throw new DockerError(`docker: open ${file}: no such file or directory.`);
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const i = line.indexOf('=');
    if (i < 0) env[line] = process.env[line] ?? '';
    else env[line.slice(0, i)] = line.slice(i + 1);
  }
}

/** The options of `docker run`/`create` or `exec` up to the image (or container) name. */
function parseRunLine(argv: string[]): RunLine {
  const line: RunLine = { mounts: [], env: {}, capDrop: [], image: '', args: [], interactive: false };
  let i = 0;
  for (; i < argv.length; i++) {
    let a = argv[i]!;
    if (!a.startsWith('-')) break;
    let value: string | undefined;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      value = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    if (FLAG_ALONE.has(a)) {
      if (a.includes('i')) line.interactive = true;
      continue;
    }
    if (!FLAG_WITH_VALUE.has(a)) throw new DockerError(`unknown flag: ${a}\nSee 'docker run --help'.`);
    value ??= argv[++i];
    if (value === undefined) throw new DockerError(`flag needs an argument: ${a}`);
    if (a === '--mount') line.mounts.push(parseMount(value));
    else if (a === '--env-file') readEnvFile(value, line.env);
    else if (a === '-e' || a === '--env') {
      const j = value.indexOf('=');
      line.env[j < 0 ? value : value.slice(0, j)] = j < 0 ? (process.env[value] ?? '') : value.slice(j + 1);
    } else if (a === '--user' || a === '-u') line.user = value;
    else if (a === '--cap-drop') line.capDrop.push(value);
    else if (a === '--entrypoint') line.entrypoint = value;
  }
  line.image = argv[i] ?? '';
  if (!line.image) throw new DockerError('"docker run" requires at least 1 argument.');
  line.args = argv.slice(i + 1);
  return line;
}

/** A container path in an argument (`/x` or `--opt=/x`) as the mounted file on the host. */
function mapArg(arg: string, spec: ContainerSpec): string {
  const m = /^(--?[A-Za-z][\w-]*=)?(\/.*)$/.exec(arg);
  return m ? `${m[1] ?? ''}${hostPath(m[2]!, spec)}` : arg;
}

/** A shell script run in the container, with every mounted container path written as the host path. */
function mapScript(script: string, spec: ContainerSpec): string {
  const byLength = [...spec.mounts].sort((a, b) => b.dst.length - a.dst.length);
  return script.replace(/(^|[\s'"=<>|])(\/[^\s'"|;&<>]*)/g, (_, pre: string, p: string) => {
    const m = byLength.find((mount) => p === mount.dst || p.startsWith(`${mount.dst}/`));
    return `${pre}${m ? path.join(m.src, path.relative(m.dst, p)) : p}`;
  });
}

/** A script's `-h <network host>` (e.g. dump-all's `pg_dumpall -h matrix-postgres`) as the lab's socket directory (PGPORT carries its port). */
function networkHosts(script: string, spec: ContainerSpec): string {
  const hosts = spec.pg.hosts.map((h) => h.replace(/[.]/g, '\\.')).join('|');
  return script.replace(new RegExp(`(\\s(?:-h\\s+|--host[=\\s]+))(${hosts})(?=[\\s'";|&)]|$)`, 'g'), (_, flag: string) => `${flag}${spec.pg.socketDir}`);
}

function labPaths() {
  const lab = process.env.MAS_LAB_DIR;
  if (!lab) throw new DockerError('MAS_LAB_DIR is not set (this docker stand-in runs inside the practice lab only)', 1);
  const meta = readMeta(lab);
  const bin = path.join(lab, 'server', 'bin');
  return { lab, meta, bin, dist: path.join(meta.packageRoot, 'dist', 'source', 'lab') };
}

function isActive(lab: string, unit: string): boolean {
  return existsSync(path.join(lab, 'server', 'run', `${unit}.service`));
}

/** What the image runs: [program, args] on this machine. */
function entrypoint(line: RunLine, spec: ContainerSpec, bin: string): string[] {
  const args = line.args.map((a) => mapArg(a, spec));
  if (/\/syn2mas:/.test(line.image)) return [path.join(bin, 'syn2mas'), ...args];
  if (/\/matrix-authentication-service:/.test(line.image)) return [path.join(bin, 'mas-cli-in-container'), ...(args[0] === 'mas-cli' ? args.slice(1) : args)];
  if (/(^|\/)postgres:/.test(line.image)) {
    if (line.entrypoint === '/bin/sh' && line.args[0] === '-c' && line.args[1] !== undefined)
      return ['/bin/bash', '-c', networkHosts(mapScript(line.args[1], spec), spec)];
    const [program, ...rest] = args;
    if (!program || !['psql', 'pg_dump', 'pg_dumpall'].includes(program))
      throw new DockerError(`practice lab docker: the postgres image runs psql, pg_dump or pg_dumpall here (got "${program ?? ''}")`, 127);
    // -h <network host or mounted socket dir> → the lab's socket, with its port.
    const out: string[] = [];
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i]!;
      if (a === '-h' || a === '--host') {
        out.push('-h', spec.pg.socketDir, '-p', String(spec.pg.port));
        i++;
        continue;
      }
      out.push(a);
    }
    return [program, ...out];
  }
  throw new DockerError(`Unable to find image '${line.image}' locally\ndocker: Error response from daemon: the practice lab has no image "${line.image}".`);
}

function run(line: RunLine, spec: ContainerSpec): number {
  const { bin, dist } = labPaths();
  const [inImage, ...imageArgs] = entrypoint(line, spec, bin);
  const { program, args } = containerProcess(line, inImage!, imageArgs, process.getuid?.() === 0);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...line.env,
    [CONTAINER_ENV]: JSON.stringify(spec),
  };
  // The postgres image's tools reach the lab's server through its socket, whose file carries the lab's port.
  if (/(^|\/)postgres:/.test(line.image)) env.PGPORT = String(spec.pg.port);
  // The real legacy syn2mas connects over TCP to the network host; the lab's network sends that to the socket.
  if (/\/syn2mas:/.test(line.image)) env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import=${path.join(dist, 'rehearsal', 'pg-network.js')}`.trim();
  const r = spawnSync(program, args, { stdio: 'inherit', env });
  if (r.error) throw new DockerError(`docker: Error response from daemon: failed to create task for container: exec: "${inImage}": ${r.error.message}`, 127);
  return r.status ?? 128 + 9;
}

/** The bind mounts a running container was created with (the `docker create` line of its systemd unit). */
function unitMounts(lab: string, container: string): Mount[] {
  const unit = path.join(lab, 'server', 'systemd', `${container}.service`);
  if (!existsSync(unit)) return [];
  return [...readFileSync(unit, 'utf8').matchAll(/--mount\s+(type=bind,\S+)/g)].map((m) => parseMount(m[1]!));
}

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  const { lab, meta } = labPaths();
  const pg = { socketDir: meta.socketDir, port: meta.pgPort, hosts: PG_HOSTS };
  if (command === 'run') {
    const line = parseRunLine(rest);
    return run(line, { mounts: line.mounts, pg });
  }
  if (command === 'exec') {
    const line = parseRunLine(rest);
    const container = line.image;
    if (!isActive(lab, container)) {
      process.stderr.write(`Error response from daemon: No such container: ${container}\n`);
      return 1;
    }
    const [program, ...args] = line.args;
    const image =
      container === 'matrix-authentication-service'
        ? 'element-hq/matrix-authentication-service:lab'
        : container === 'matrix-postgres'
          ? 'docker.io/postgres:lab'
          : '';
    if (!image || !program) {
      process.stderr.write(
        `OCI runtime exec failed: exec failed: unable to start container process: exec: "${program ?? ''}": executable file not found in $PATH: unknown\n`,
      );
      return 126;
    }
    return run({ ...line, image, args: [program, ...args] }, { mounts: unitMounts(lab, container), pg });
  }
  if (command === 'image' && rest[0] === 'inspect') return 0;
  throw new DockerError(`docker: '${command ?? ''}' is not a docker command here (practice lab stand-in: run, exec).`, 1);
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = error instanceof DockerError ? error.code : error instanceof ContainerRefused ? 125 : 1;
}
