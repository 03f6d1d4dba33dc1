// Shared bits of the lab tests: a lab dir the test SSH user could reach, command runs, SQL counts.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import type { LabInfo } from '../../source/lab/lab.js';

export function labParent(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-labtest-'));
  chmodSync(dir, 0o755);
  return dir;
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Run {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: opts.cwd, env: { ...process.env, ...opts.env }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function sql(lab: LabInfo, db: string, query: string): string {
  const r = run('psql', ['-X', '-A', '-t', '-h', lab.psqlSocketDir, '-p', String(lab.pgPort), '-U', 'postgres', '-d', db, '-c', query]);
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

export const KEYCLOAK_ULID = '01JQQABN00CV67WJEZC968JWF5';
export const KEYCLOAK_UUID = '0195eea5-d400-66cc-7e49-df624c8971e5';

/** A MAS config.yaml as the lab's role renders it, with the Keycloak provider mapped (or not). */
export function writeMasConfig(lab: LabInfo, file: string, opts: { mapKeycloak: boolean; v1Scheme?: string }): string {
  writeFileSync(
    file,
    stringify({
      http: { public_base: `https://matrix.${lab.domain}/auth/`, issuer: `https://matrix.${lab.domain}/auth/` },
      database: {
        host: lab.psqlSocketDir,
        port: lab.pgPort,
        username: 'matrix_authentication_service',
        password: 'x',
        database: 'matrix_authentication_service',
      },
      secrets: { encryption: 'a'.repeat(64) },
      matrix: { kind: 'synapse', homeserver: lab.domain, secret: 'hs-secret', endpoint: 'http://matrix-synapse:8008' },
      passwords: {
        enabled: true,
        schemes: [
          { version: 1, algorithm: opts.v1Scheme ?? 'bcrypt', secret: '', unicode_normalization: true },
          { version: 2, algorithm: 'argon2id' },
        ],
        minimum_complexity: 3,
      },
      ...(opts.mapKeycloak
        ? {
            upstream_oauth2: {
              providers: [
                {
                  id: KEYCLOAK_ULID,
                  synapse_idp_id: 'oidc-keycloak',
                  issuer: 'https://keycloak.example.org/realms/matrix',
                  client_id: 'mas',
                  client_secret: 's',
                  scope: 'openid profile email',
                  token_endpoint_auth_method: 'client_secret_basic',
                },
              ],
            },
          }
        : {}),
    }),
  );
  return file;
}
