// The rehearsal server's Docker Engine API, as far as a real task asks it: the legacy playbook's
// syn2mas task file runs `community.docker.docker_image` ("Ensure … syn2mas container image is
// pulled"), whose client asks GET /version, lists /images/json with a reference filter and inspects
// /images/<id>/json. It answers "present" for the images the stand-in for install-all pulled (the
// roles' own image variables, written to <lab>/server/docker/images), and 404 as dockerd does for
// anything else. It never pulls, builds or runs: `docker run` is the docker stand-in (docker-cli.ts).
// Started with the lab (`lab reset --playbook`) and again by ensureLab when it is gone; stopped by
// `lab destroy`. Reached through DOCKER_HOST, which the server's python3 exports.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

export const ENGINE_API_VERSION = '1.43';

/** Where the engine listens: in the lab, or under /var/tmp when that path is too long for a unix socket. */
export function engineSocket(dir: string): string {
  const inLab = path.join(dir, 'server', 'run', 'docker.sock');
  return inLab.length < 100 ? inLab : path.join('/var/tmp', `mas-wizard-lab-docker-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}.sock`);
}
export function imagesFile(dir: string): string {
  return path.join(dir, 'server', 'docker', 'images');
}
const pidFile = (dir: string) => path.join(dir, 'server', 'run', 'docker-engine.pid');

interface Image {
  ref: string;
  repo: string;
  tag: string;
  id: string;
}

function images(dir: string): Image[] {
  if (!existsSync(imagesFile(dir))) return [];
  return readFileSync(imagesFile(dir), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((ref) => {
      const colon = ref.lastIndexOf(':');
      const hasTag = colon > ref.lastIndexOf('/');
      const repo = hasTag ? ref.slice(0, colon) : ref;
      const tag = hasTag ? ref.slice(colon + 1) : 'latest';
      return { ref: `${repo}:${tag}`, repo, tag, id: `sha256:${createHash('sha256').update(`${repo}:${tag}`).digest('hex')}` };
    });
}

function inspect(image: Image): Record<string, unknown> {
  return {
    Id: image.id,
    RepoTags: [image.ref],
    RepoDigests: [],
    Created: '1970-01-01T00:00:00Z',
    Os: 'linux',
    Architecture: 'amd64',
    Size: 0,
    Config: { Labels: { 'org.mas-wizard.practice-lab': 'image present (not pulled)' } },
  };
}

/** The answer to one Engine API request (method, path with query) over the lab's images. */
export function answer(dir: string, method: string, url: string): { status: number; body: unknown } {
  const u = new URL(url, 'http://docker');
  const route = u.pathname.replace(/^\/v\d+\.\d+(?=\/)/, '');
  if (method === 'GET' && route === '/_ping') return { status: 200, body: 'OK' };
  if (method === 'GET' && route === '/version') {
    return {
      status: 200,
      body: { Version: 'practice-lab', ApiVersion: ENGINE_API_VERSION, MinAPIVersion: '1.12', Os: 'linux', Arch: 'amd64', KernelVersion: 'practice-lab' },
    };
  }
  if (method === 'GET' && route === '/images/json') {
    const filters = JSON.parse(u.searchParams.get('filters') ?? '{}') as { reference?: string[] | Record<string, boolean> };
    const refs = Array.isArray(filters.reference) ? filters.reference : Object.keys(filters.reference ?? {});
    const legacy = u.searchParams.get('filter');
    const wanted = [...refs, ...(legacy ? [legacy] : [])];
    const found = images(dir).filter((i) => !wanted.length || wanted.some((w) => w === i.repo || w === i.ref));
    return { status: 200, body: found.map((i) => ({ Id: i.id, RepoTags: [i.ref], RepoDigests: [], Created: 0, Size: 0, Labels: {} })) };
  }
  const m = /^\/images\/(.+)\/json$/.exec(route);
  if (method === 'GET' && m) {
    const name = decodeURIComponent(m[1]!);
    const image = images(dir).find((i) => i.id === name || i.ref === name || i.ref === `${name}:latest`);
    return image ? { status: 200, body: inspect(image) } : { status: 404, body: { message: `No such image: ${name}` } };
  }
  if (method === 'POST' && (route === '/images/create' || route === '/build')) {
    return {
      status: 500,
      body: { message: "practice lab: this server has no registry access and builds nothing; the image must be present (lab reset pulls the roles' images)" },
    };
  }
  return { status: 404, body: { message: 'page not found' } };
}

export function serve(dir: string): http.Server {
  const socket = engineSocket(dir);
  rmSync(socket, { force: true });
  const server = http.createServer((req, res) => {
    const { status, body } = answer(dir, req.method ?? 'GET', req.url ?? '/');
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
      'Api-Version': ENGINE_API_VERSION,
      Server: 'Docker/practice-lab (linux)',
    });
    res.end(text);
  });
  server.listen(socket);
  return server;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function runningPid(dir: string): number | null {
  if (!existsSync(pidFile(dir))) return null;
  const pid = Number(readFileSync(pidFile(dir), 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && alive(pid) && existsSync(engineSocket(dir)) ? pid : null;
}

/** Starts the engine in the background unless it already runs (the lab's own process, by its pid file). */
export function ensureEngine(dir: string, node: string, packageRoot: string): void {
  if (runningPid(dir)) return;
  mkdirSync(path.dirname(pidFile(dir)), { recursive: true });
  const child = spawn(node, [path.join(packageRoot, 'dist', 'source', 'lab', 'rehearsal', 'docker-engine-main.js'), dir], { detached: true, stdio: 'ignore' });
  child.unref();
  writeFileSync(pidFile(dir), `${child.pid}\n`);
}

/** Stops the lab's engine (only the pid it recorded). */
export function stopEngine(dir: string): void {
  const pid = runningPid(dir);
  if (pid) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  rmSync(engineSocket(dir), { force: true });
}
