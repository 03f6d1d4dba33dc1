// The full-flow bench's plain script (bench/flow.ts), built from a wizard transcript, run by
// real bash and real GNU sed on temp files. The server side is `sh -c` instead of ssh here
// (a stand-in: no sshd needed to check the script's shape); the bench itself uses OpenSSH.
// No timing assertions: `npm run bench` measures, this proves the replay is faithful.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { flowScript, varsEditLines, type ScriptInput } from '../../bench/flow.js';
import type { TranscriptRecord } from '../../source/logs/transcript.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-flow-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const bash = (script: string) => {
  const file = path.join(dir, 'flow.sh');
  writeFileSync(file, script);
  return spawnSync('bash', [file], { encoding: 'utf8' });
};

const LAB_VARS = `---
matrix_domain: example.org
postgres_connection_password: 'x'

# Users have been logging in through Keycloak.
matrix_synapse_oidc_enabled: true
matrix_synapse_oidc_providers:
  - idp_id: oidc-keycloak
    scopes:
      - openid
    user_mapping_provider:
      config:
        localpart_template: "{{ user.preferred_username }}"
matrix_authentication_service_enabled: true
# remove after syn2mas (the wizard does it at cut-over)
matrix_authentication_service_migration_in_progress: true
`;
const CUT_OVER = `---
matrix_domain: example.org
postgres_connection_password: 'x'

# Users have been logging in through Keycloak.
matrix_authentication_service_enabled: true
# remove after syn2mas (the wizard does it at cut-over)
`;

describe('vars.yml changes as plain cat >> / sed -i', () => {
  it("an appended key becomes a cat >> heredoc that gives the wizard's file byte for byte", () => {
    const vars = path.join(dir, 'vars.yml');
    const before = 'a: 1\n';
    const after = 'a: 1\n# why\nb: "{{ x }}"\n';
    writeFileSync(vars, before);
    const lines = varsEditLines({ keys: ['b'], before, after }, vars);
    expect(lines[0]).toMatch(/^cat >>/);
    expect(bash(lines.join('\n') + '\n').status).toBe(0);
    expect(readFileSync(vars, 'utf8')).toBe(after);
  });

  it('removed keys (a scalar, a nested list block) become sed -i, and real sed leaves what the wizard left', () => {
    const vars = path.join(dir, 'vars.yml');
    writeFileSync(vars, LAB_VARS);
    const keys = ['matrix_authentication_service_migration_in_progress', 'matrix_synapse_oidc_enabled', 'matrix_synapse_oidc_providers'];
    const lines = varsEditLines({ keys, before: LAB_VARS, after: CUT_OVER }, vars);
    expect(lines.every((l) => l.startsWith('sed -i '))).toBe(true);
    const r = bash(lines.join('\n') + '\n');
    expect(r.status, r.stderr).toBe(0);
    expect(parse(readFileSync(vars, 'utf8'))).toEqual(parse(CUT_OVER));
    expect(readFileSync(vars, 'utf8')).not.toContain('oidc');
  });

  it('refuses a change that is neither an append nor a removal (a value rewritten in place)', () => {
    expect(() => varsEditLines({ keys: ['a'], before: 'a: 1\nb: 2\n', after: 'a: 3\nb: 2\n' }, '/x')).toThrow(/neither an append nor a removal/);
  });

  it('refuses a key that is not a plain identifier (it would reach a sed expression)', () => {
    expect(() => varsEditLines({ keys: ['a/d;'], before: 'a: 1\n', after: '' }, '/x')).toThrow(/not a plain identifier/);
  });
});

describe('the script replays the transcript in order', () => {
  const at = '2026-01-01T00:00:00Z';
  const end = (id: string, code: number | null): TranscriptRecord => ({
    type: 'end',
    id,
    at,
    code,
    signal: null,
    lost: false,
    cancelled: false,
    durationMs: 1,
  });
  const input = (records: TranscriptRecord[], over: Partial<ScriptInput> = {}): ScriptInput => ({
    records,
    varsChanges: [],
    checkout: dir,
    varsFile: path.join(dir, 'vars.yml'),
    ssh: ['sh', '-c'],
    rewrite: (t) => t.replaceAll('/WIZ', dir),
    ...over,
  });

  it("probes (any exit), controller commands in the checkout and server commands, each expecting the wizard's exit code; paths rewritten", () => {
    const log = path.join(dir, 'order.log');
    const records: TranscriptRecord[] = [
      { type: 'note', at, text: `probe: echo probe >>/WIZ/order.log; exit 3` },
      { type: 'command', id: 'c1', at, display: `pwd >>/WIZ/order.log`, target: 'controller', step: 'install' },
      { out: 'ignored output' },
      end('c1', 0),
      { type: 'command', id: 'c2', at, display: `echo server >>/WIZ/order.log; exit 2`, target: 'maswiz@127.0.0.1:22', step: 'syn2mas-check' },
      end('c2', 2),
    ];
    const r = bash(flowScript(input(records)));
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(log, 'utf8')).toBe(`probe\n${dir}\nserver\n`);
  });

  it("stops with the command's name when an exit code differs from the wizard's", () => {
    const records: TranscriptRecord[] = [
      { type: 'command', id: 'c1', at, display: 'exit 1', target: 'controller' },
      end('c1', 0),
      { type: 'command', id: 'c2', at, display: `touch /WIZ/not-reached`, target: 'controller' },
      end('c2', 0),
    ];
    const r = bash(flowScript(input(records)));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('flow script: exit 1 exited 1; the wizard saw 0');
    expect(spawnSync('test', ['-e', path.join(dir, 'not-reached')]).status).toBe(1);
  });

  it('puts each vars.yml change where the wizard noted it', () => {
    const vars = path.join(dir, 'vars.yml');
    writeFileSync(vars, 'a: 1\n');
    const records: TranscriptRecord[] = [
      { type: 'note', at, text: 'vars.yml changed (b); backup /WIZ/vars.yml.bak' },
      { type: 'command', id: 'c1', at, display: `grep -q '^b: 2' ${vars}`, target: 'controller' },
      end('c1', 0),
    ];
    const r = bash(flowScript(input(records, { varsChanges: [{ keys: ['b'], before: 'a: 1\n', after: 'a: 1\nb: 2\n' }] })));
    expect(r.status, r.stderr).toBe(0);
  });

  it('refuses what it cannot replay: a masked value, a command without an end, notes and changes that do not match', () => {
    expect(() => flowScript(input([{ type: 'command', id: 'c1', at, display: 'register-user bob ••••••', target: 'x' }, end('c1', 0)]))).toThrow(
      /masked value/,
    );
    expect(() => flowScript(input([{ type: 'command', id: 'c1', at, display: 'true', target: 'controller' }]))).toThrow(/no end record/);
    expect(() => flowScript(input([{ type: 'note', at, text: 'vars.yml changed (b); backup /b' }]))).toThrow(/more vars.yml notes/);
    expect(() => flowScript(input([], { varsChanges: [{ keys: ['b'], before: '', after: 'b: 1\n' }] }))).toThrow(/1 vars.yml changes given, 0 noted/);
  });
});
