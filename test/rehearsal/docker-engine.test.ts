// The rehearsal's Docker Engine API stand-in, asked by the REAL community.docker.docker_image module
// (Debian's ansible package) exactly as the legacy playbook's "Ensure Matrix Authentication Service
// syn2mas container image is pulled" task asks it: an image the roles pulled is "present" (ok, not
// changed, nothing pulled); any other one must be pulled, which this server cannot do.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, engineSocket, imagesFile, serve } from '../../source/lab/rehearsal/docker-engine.js';

const COLLECTION = '/usr/lib/python3/dist-packages/ansible_collections/community/docker';
const SYN2MAS = 'ghcr.io/element-hq/matrix-authentication-service/syn2mas:0.15.0';
let dir: string;
let server: Server;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-engine-'));
  mkdirSync(path.dirname(imagesFile(dir)), { recursive: true });
  mkdirSync(path.dirname(engineSocket(dir)), { recursive: true });
  writeFileSync(imagesFile(dir), `\n${SYN2MAS}\nghcr.io/element-hq/matrix-authentication-service:0.15.0\n`);
  server = serve(dir);
});
afterAll(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One docker_image call through the real module, as the task makes it (source: pull, force_source: false). */
function dockerImage(name: string): Promise<{ code: number | null; out: string }> {
  const args = [
    'localhost',
    '-c',
    'local',
    '-e',
    'ansible_python_interpreter=/usr/bin/python3',
    '-m',
    'community.docker.docker_image',
    '-a',
    `name=${name} source=pull force_source=false`,
  ];
  return new Promise((resolve) => {
    const child = spawn('ansible', args, {
      env: { ...process.env, DOCKER_HOST: `unix://${engineSocket(dir)}`, ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_INVENTORY_UNPARSED_WARNING: 'false' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('docker engine stand-in', () => {
  it('answers the calls the module makes: version, a reference-filtered list, an inspect; 404 as dockerd for the rest', () => {
    expect((answer(dir, 'GET', '/version').body as { ApiVersion: string }).ApiVersion).toBe('1.43');
    const list = answer(
      dir,
      'GET',
      `/v1.43/images/json?only_ids=0&all=0&filters=${encodeURIComponent(JSON.stringify({ reference: { 'ghcr.io/element-hq/matrix-authentication-service/syn2mas': true } }))}`,
    ).body as { Id: string; RepoTags: string[] }[];
    expect(list.map((i) => i.RepoTags)).toEqual([[SYN2MAS]]);
    expect(answer(dir, 'GET', `/v1.43/images/${list[0]!.Id}/json`).status).toBe(200);
    expect(answer(dir, 'GET', '/v1.43/images/docker.io%2Fnothing:1/json')).toEqual({ status: 404, body: { message: 'No such image: docker.io/nothing:1' } });
    expect(answer(dir, 'GET', '/v1.43/containers/json').status).toBe(404);
  });

  it.skipIf(!existsSync(COLLECTION))(
    'the real docker_image module finds the pulled syn2mas image present: ok, nothing changed',
    async () => {
      const r = await dockerImage(SYN2MAS);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/SUCCESS => \{[\s\S]*"changed": false/);
    },
    60_000,
  );

  it.skipIf(!existsSync(COLLECTION))(
    'an image the roles did not pull must be pulled, which the lab cannot: the task fails with the reason',
    async () => {
      const r = await dockerImage('ghcr.io/element-hq/matrix-authentication-service/syn2mas:9.9.9');
      expect(r.code).not.toBe(0);
      expect(r.out).toContain('no registry access');
    },
    60_000,
  );
});
