// Secret canaries: both flows run on the practice lab with known values in every secret the test
// controls — the MAS encryption secret (answers file), the Synapse OIDC client secret (planted in
// vars.yml; conversion carries it into MAS's providers), the first admin's password, and the lab's
// database passwords and generic secret (env-postgres-psql, homeserver.yaml, vars.yml). Then every
// file the wizard wrote (state dir: plans, transcripts, locks, job logs; the server's job and record
// files), its stdout/stderr, `transcript`, `status --json`, `plan --json` and the interactive
// wizard's screens and scrollback in a real tmux terminal must hold none of them.
// vars.yml and its backups are the operator's own config: excluded, but their modes are checked.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import {
  canaryHits,
  CLI,
  filesUnder,
  modeOf,
  newLab,
  outcome,
  runCli,
  waitFor,
  startTerminal,
  writeAnswers,
  type CliRun,
  type TestLab,
} from '../harness/faults.js';
import { sql } from '../lab/helpers.js';

const labs: TestLab[] = [];
const fileStarted = Date.now();

afterAll(async () => {
  for (const t of labs) await t.destroy();
  outcome('canaries.test.ts', `file took ${((Date.now() - fileStarted) / 1000).toFixed(1)} s`);
});

const hex = (n: number) => randomBytes(n).toString('hex');

/** The lab's own secrets, read from where the lab keeps them. */
function labSecrets(t: TestLab): Record<string, string> {
  const env = readFileSync(path.join(t.lab.serverRoot, 'postgres', 'env-postgres-psql'), 'utf8');
  const homeserver = parse(readFileSync(path.join(t.lab.serverRoot, 'synapse', 'config', 'homeserver.yaml'), 'utf8')) as {
    database: { args: { password: string } };
  };
  const vars = parse(readFileSync(t.varsFile, 'utf8')) as Record<string, string>;
  return {
    'postgres password (env-postgres-psql)': /PGPASSWORD=(\S+)/.exec(env)![1],
    'synapse DB password (homeserver.yaml)': homeserver.database.args.password,
    'generic secret (vars.yml)': vars.matrix_homeserver_generic_secret_key,
  };
}

/** Plants an OIDC client secret canary in the lab's Synapse OIDC provider. */
function plantOidcSecret(t: TestLab): string {
  const canary = `oidc-canary-${hex(12)}`;
  const text = readFileSync(t.varsFile, 'utf8');
  expect(text).toContain('client_secret: lab-keycloak-client-secret');
  writeFileSync(t.varsFile, text.replace('client_secret: lab-keycloak-client-secret', `client_secret: ${canary}`));
  return canary;
}

/** Everything the wizard wrote or printed, by label. */
async function sinks(t: TestLab, runs: Record<string, CliRun>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, r] of Object.entries(runs)) {
    out[`${name} stdout`] = r.stdout;
    out[`${name} stderr`] = r.stderr;
  }
  const transcriptFile = path.join(t.parent, 'transcript-out.txt');
  const transcript = await runCli([...t.flags, 'transcript', '--out', transcriptFile], { env: t.env });
  expect(transcript.code, transcript.stderr).toBe(0);
  out['transcript --out'] = readFileSync(transcriptFile, 'utf8');
  out['transcript stdout'] = transcript.stdout;
  for (const cmd of ['status', 'plan']) {
    const r = await runCli([...t.flags, cmd, '--json'], { env: t.env });
    expect(r.code, r.stderr).toBe(0);
    out[`${cmd} --json`] = r.stdout + r.stderr;
  }
  // State dir: plans, transcripts, locks, controller job logs (playbook output).
  for (const f of filesUnder(t.stateDir)) out[path.relative(t.parent, f)] = readFileSync(f, 'utf8');
  // What the wizard wrote on the server: detached job dirs, its lock and record of irreversible steps.
  const masDir = path.join(t.lab.serverRoot, 'matrix-authentication-service');
  for (const f of filesUnder(masDir).filter((f) => /mas-wizard/.test(path.relative(masDir, f)))) out[path.relative(t.parent, f)] = readFileSync(f, 'utf8');
  return out;
}

/** State files hold redacted records but still the operator's business: 0600 files in 0700 directories. */
function expectPrivateState(t: TestLab): number {
  const files = filesUnder(t.stateDir);
  for (const f of files) expect(modeOf(f) & 0o077, `${path.relative(t.stateDir, f)} mode ${modeOf(f).toString(8)}`).toBe(0);
  for (const d of new Set(files.map((f) => path.dirname(f)))) expect(modeOf(d) & 0o077, `${d} mode ${modeOf(d).toString(8)}`).toBe(0);
  return files.length;
}

/** vars.yml backups hold what vars.yml holds: they must be no more readable than vars.yml itself. */
function expectBackupModes(t: TestLab): number {
  const dir = path.dirname(t.varsFile);
  const mode = modeOf(t.varsFile);
  const backups = readdirSync(dir).filter((f) => f.startsWith('vars.yml.bak-'));
  for (const b of backups) expect([0o600, mode], `${b} mode ${modeOf(path.join(dir, b)).toString(8)}`).toContain(modeOf(path.join(dir, b)));
  return backups.length;
}

describe('secret canaries never leave in clear', () => {
  it('migrate flow: encryption secret, OIDC client secret, DB passwords', async () => {
    const t = await newLab('canary-migrate');
    labs.push(t);
    const canaries: Record<string, string> = {
      'encryption secret (answers)': `c0ffee${hex(29)}`,
      'OIDC client secret (vars.yml)': plantOidcSecret(t),
      ...labSecrets(t),
    };
    const answers = writeAnswers(
      t.parent,
      'answers.yml',
      `mode: migrate
secret: "${canaries['encryption secret (answers)']}"
providers: convert-synapse-oidc
accept: [db.non-email-3pids, syn2mas.warnings]
backup: {enabled: true}
confirm_server_name: example.org
`,
    );
    const run = await runCli([...t.flags, 'run', '--answers', answers, '--yes'], { env: t.env });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // The canaries really went through the flow: vars.yml now carries both into MAS's settings.
    const vars = parse(readFileSync(t.varsFile, 'utf8')) as Record<string, unknown>;
    expect(vars.matrix_authentication_service_config_secrets_encryption).toBe(canaries['encryption secret (answers)']);
    expect(JSON.stringify(vars.matrix_authentication_service_config_upstream_oauth2_providers)).toContain(canaries['OIDC client secret (vars.yml)']);
    const found = await sinks(t, { run });
    const hits = canaryHits(found, canaries);
    const backups = expectBackupModes(t);
    const stateFiles = expectPrivateState(t);
    // The detector itself works: vars.yml (excluded from the sinks) does hold the canaries.
    expect(canaryHits({ 'vars.yml': readFileSync(t.varsFile, 'utf8') }, { enc: canaries['encryption secret (answers)'] })).toHaveLength(1);
    outcome(
      'canaries migrate',
      `${Object.keys(canaries).length} canaries × ${Object.keys(found).length} sinks: ${hits.length} leaks${hits.length ? `: ${hits.join('; ')}` : ''}; ${backups} vars.yml backups at vars.yml's mode, ${stateFiles} state files 0600 (${(run.ms / 1000).toFixed(1)} s run)`,
    );
    expect(hits).toEqual([]);
  }, 150_000);

  it('new flow: first admin password, sudo password, encryption secret, OIDC client secret, DB passwords', async () => {
    const t = await newLab('canary-new');
    labs.push(t);
    // A fresh homeserver: no Synapse users yet (mode new refuses a Synapse with users).
    sql(t.lab, 'synapse', 'DELETE FROM user_external_ids; DELETE FROM user_threepids; DELETE FROM users');
    // A sudo password on the inventory line (Ansible's become; we run as root, so sudo never asks for it).
    const sudoCanary = `sudo-canary-${hex(10)}`;
    const hosts = path.join(t.lab.playbookDir, 'inventory', 'hosts');
    writeFileSync(hosts, readFileSync(hosts, 'utf8').replace(/^(matrix\.example\.org .*)$/m, `$1 ansible_become=true ansible_become_password=${sudoCanary}`));
    expect(readFileSync(hosts, 'utf8')).toContain(sudoCanary);
    const canaries: Record<string, string> = {
      'sudo password (inventory)': sudoCanary,
      'first admin password (answers)': `Canary-${hex(8)}-staple-42!`,
      'encryption secret (answers)': `beef${hex(30)}`,
      'OIDC client secret (vars.yml)': plantOidcSecret(t),
      ...labSecrets(t),
    };
    const answers = writeAnswers(
      t.parent,
      'answers.yml',
      `mode: new
secret: "${canaries['encryption secret (answers)']}"
providers: convert-synapse-oidc
first_admin:
  username: admin
  password: "${canaries['first admin password (answers)']}"
`,
    );
    const run = await runCli([...t.flags, 'run', '--answers', answers, '--yes'], { env: t.env });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(sql(t.lab, 'matrix_authentication_service', 'SELECT username FROM users')).toBe('admin');
    const found = await sinks(t, { run });
    const hits = canaryHits(found, canaries);
    const backups = expectBackupModes(t);
    const stateFiles = expectPrivateState(t);
    // The detector itself works: vars.yml (excluded from the sinks) does hold the canaries.
    expect(canaryHits({ 'vars.yml': readFileSync(t.varsFile, 'utf8') }, { enc: canaries['encryption secret (answers)'] })).toHaveLength(1);
    outcome(
      'canaries new',
      `${Object.keys(canaries).length} canaries × ${Object.keys(found).length} sinks: ${hits.length} leaks${hits.length ? `: ${hits.join('; ')}` : ''}; ${backups} vars.yml backups at vars.yml's mode, ${stateFiles} state files 0600 (${(run.ms / 1000).toFixed(1)} s run)`,
    );
    expect(hits).toEqual([]);
  }, 150_000);

  it('the interactive wizard (real tmux terminal): no canary on any screen or in the scrollback, up to the providers written', async () => {
    const t = await newLab('canary-tui');
    labs.push(t);
    const canaries: Record<string, string> = { 'OIDC client secret (vars.yml)': plantOidcSecret(t), ...labSecrets(t) };
    const term = startTerminal(['node', CLI, ...t.flags], { MAS_WIZARD_STATE_DIR: t.stateDir, HOME: t.parent, NO_COLOR: '1' });
    const frames: string[] = [];
    const key = async (k: string, then: string, ms = 20_000) => {
      term.send(k);
      await term.waitFor(then, ms);
      frames.push(term.screen());
    };
    try {
      // The same path as test/tui/wizard.tmux.test.ts: migrate, accept the warning, generate the secret, keep the URL,
      // convert the Synapse OIDC provider (its client secret is on the review screen and in the diff), write it.
      await term.waitFor('What do you want to do on example.org?', 30_000);
      await key('Enter', 'Accept this warning and go on?');
      await key('y', 'ready: nothing blocks');
      await key('Enter', 'MAS encryption secret');
      await key('Enter', 'Write this change to vars.yml?');
      await key('y', 'Where MAS is served');
      await key('Enter', '❯ Path prefix');
      await key('Enter', 'Upstream login providers (optional)');
      await key('Enter', 'a accept');
      await key('a', 'Done: write 1 provider');
      // One Down at a time, each awaited on screen: the list wraps, so Downs sent ahead of a slow
      // frame would pass "Done" by.
      const cursor = () =>
        term
          .screen()
          .split('\n')
          .find((l) => l.includes('❯'));
      for (let i = 0; i < 6 && !term.screen().includes('❯ Done'); i++) {
        const at = cursor();
        term.send('Down');
        await waitFor('the cursor to move down', () => cursor() !== at, 20_000, 50);
        frames.push(term.screen());
      }
      await key('Enter', 'Upstream login providers — change to vars.yml');
      await key('y', 'Enable MAS in migration mode');
      await key('C-c', 'Quit the wizard?');
      await key('y', 'EXITED rc=130');
      const vars = parse(readFileSync(t.varsFile, 'utf8')) as Record<string, unknown>;
      // The generated secret is known now: it must not have been shown either.
      canaries['encryption secret (generated)'] = String(vars.matrix_authentication_service_config_secrets_encryption);
      expect(canaries['encryption secret (generated)']).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(vars.matrix_authentication_service_config_upstream_oauth2_providers)).toContain(canaries['OIDC client secret (vars.yml)']);
      const found: Record<string, string> = { 'terminal (screen + scrollback)': term.everything() };
      frames.forEach((f, i) => {
        found[`frame ${i}`] = f;
      });
      for (const f of filesUnder(t.stateDir)) found[path.relative(t.parent, f)] = readFileSync(f, 'utf8');
      // The review and the diff of the converted provider really were on screen (live frames; the
      // scrollback keeps only the narration).
      expect(frames.some((f) => f.includes('keycloak.example.org'))).toBe(true);
      const hits = canaryHits(found, canaries);
      outcome(
        'canaries tui',
        `${Object.keys(canaries).length} canaries × ${frames.length} frames + scrollback + ${filesUnder(t.stateDir).length} state files: ${hits.length} leaks${hits.length ? `: ${[...new Set(hits)].join('; ')}` : ''}`,
      );
      expect(hits).toEqual([]);
    } finally {
      term.kill();
    }
  }, 120_000);
});
