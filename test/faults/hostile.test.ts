// Hostile input through every path that reaches a shell, SQL or YAML. Generated (fast-check,
// seeded, seed printed) usernames, emails, passwords, paths, provider names and hostnames —
// quotes, $(), backticks, ;, newlines, NUL, very long, unicode — must either be refused with a
// clear error before anything runs, or arrive exactly: argv checked with a RECORDING STAND-IN
// for the server scripts (the real mas-cli/register-user would reject most of these values
// before anyone could see what they received), SQL parameters checked by the lab's real
// PostgreSQL, locally and over the real loopback sshd.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogue, CommandUnavailable, type PlannedCommand } from '../../source/playbook/commands.js';
import { detectCheckout } from '../../source/playbook/checkout.js';
import { applyEdits, commitVarsChange, parseVars, planVarsChange, VarsEditError, VarsSyntaxError } from '../../source/playbook/vars-file.js';
import { QuoteError } from '../../source/targets/quote.js';
import { LocalTarget } from '../../source/targets/local.js';
import { SshTarget } from '../../source/targets/ssh.js';
import type { Target } from '../../source/targets/target.js';
import { AnswersError, parseAnswers } from '../../state/answers.js';
import { labOverSsh } from '../harness/lab-over-ssh.js';
import { startSshd, type Sshd } from '../harness/sshd.js';
import { newLab, outcome, pickSeed, runCli, type TestLab } from '../harness/faults.js';

const FRAGMENTS = [
  "'",
  '"',
  '`id`',
  '$(id)',
  '${HOME}',
  '$1',
  '$2',
  ';',
  '&&',
  '|',
  '\n',
  '\r',
  '\t',
  ' ',
  '\\',
  '\0',
  '-',
  '--help',
  '-rf',
  '*',
  '?',
  '~',
  '#',
  '!',
  '%',
  '\u202e',
  'ü',
  '😀',
  '\x1b[31m',
  "'; DROP TABLE users; --",
  '$$',
  '>',
  '<',
  "\\'",
  '{{ x }}',
  '!vault',
  '&anchor',
  '*alias',
  ': ',
  '- ',
  '%YAML',
];
const hostile = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ unit: 'binary', maxLength: 6 })), { minLength: 1, maxLength: 8 })
      .map((a) => a.join('')),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(5000), `${"a'b".repeat(2000)}`, '😀'.repeat(3000)) },
);
/** Values no shell or C program can carry: refusing them is the only right answer. */
const unpassable = (v: string) => v.includes('\0');

let t: TestLab;
let sshd: Sshd;
let ssh: SshTarget;
let local: LocalTarget;
let standIn: { base: string; calls: string };
const fileStarted = Date.now();

/** Server scripts replaced by one that prints its argv NUL-separated and counts its calls. */
function makeStandIns(): { base: string; calls: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-standin-'));
  chmodSync(dir, 0o755);
  const calls = path.join(dir, 'calls');
  writeFileSync(calls, '');
  chmodSync(calls, 0o666);
  const base = path.join(dir, 'matrix');
  const script = `#!/bin/sh\n# RECORDING STAND-IN (test only): prints what it received.\necho x >> ${calls}\nprintf '%s\\0' "$0" "$@"\n`;
  for (const rel of [
    'matrix-authentication-service/bin/mas-cli',
    'matrix-authentication-service/bin/register-user',
    'postgres/bin/dump-all',
    'postgres/bin/cli-non-interactive',
  ]) {
    mkdirSync(path.dirname(path.join(base, rel)), { recursive: true, mode: 0o755 });
    writeFileSync(path.join(base, rel), script, { mode: 0o755 });
  }
  return { base, calls };
}

const callCount = () => readFileSync(standIn.calls, 'utf8').length / 2;

beforeAll(async () => {
  t = await newLab('hostile');
  sshd = await startSshd();
  const { knownHostsFile } = labOverSsh(t.lab, sshd);
  ssh = await SshTarget.connect({
    host: '127.0.0.1',
    port: sshd.port,
    username: sshd.user,
    identityFiles: [sshd.clientKey],
    knownHostsFile,
    agent: null,
    defaultIdentityFiles: [],
  });
  local = new LocalTarget({ become: null });
  standIn = makeStandIns();
});

afterAll(async () => {
  await ssh?.close();
  await local?.close();
  sshd?.stop();
  await t?.destroy();
  rmSync(path.dirname(standIn.base), { recursive: true, force: true });
  outcome('hostile.test.ts', `file took ${((Date.now() - fileStarted) / 1000).toFixed(1)} s`);
});

function standInCatalogue() {
  const checkout = detectCheckout(t.lab.playbookDir);
  return catalogue({ checkout, host: t.lab.host, layout: { base: standIn.base } });
}

/** Builds the command (may refuse), runs it on `target`, returns what the stand-in received. */
async function received(target: Target, build: () => PlannedCommand): Promise<{ refused: string } | { argv: string[]; pc: PlannedCommand }> {
  let pc: PlannedCommand;
  try {
    pc = build();
  } catch (e) {
    if (e instanceof CommandUnavailable || e instanceof QuoteError) return { refused: e.message };
    throw e;
  }
  const before = callCount();
  let r;
  try {
    r = await target.run(pc.command, {});
  } catch (e) {
    // A target may refuse a line it cannot send (too long, NUL): then nothing may have run.
    expect(callCount(), `refused by the target but the stand-in ran: ${(e as Error).message}`).toBe(before);
    return { refused: (e as Error).message };
  }
  if (r.code !== 0) {
    expect(callCount(), `exit ${r.code} but the stand-in ran: ${r.stderr}`).toBe(before);
    return { refused: r.stderr.trim() || `exit ${r.code}` };
  }
  return { argv: r.stdout.split('\0').slice(0, -1), pc };
}

describe('catalogue commands with hostile values: refused first, or the server gets exactly the argv', () => {
  for (const where of ['local', 'ssh'] as const) {
    it(`register-user, add-email, promote-admin, dump-all, sql (${where}, recording stand-in)`, async () => {
      const seed = pickSeed(`argv over ${where}`);
      const cat = standInCatalogue();
      const target = () => (where === 'local' ? local : ssh);
      let refused = 0;
      let exact = 0;
      await fc.assert(
        fc.asyncProperty(hostile, hostile, hostile, fc.boolean(), async (user, email, password, admin) => {
          const cases: [string, () => PlannedCommand, string[]][] = [
            ['register-user', () => cat.registerUserScript(user, password, admin), [user, password, admin ? '1' : '0']],
            ['add-email', () => cat.addEmail(user, email), ['manage', 'add-email', user, email]],
            ['promote-admin', () => cat.promoteAdmin(user), ['manage', 'promote-admin', user]],
            ['dump-all', () => cat.backupDumpAll(`/var/backups/${user}`), [`/var/backups/${user}`]],
            [
              'sql',
              () => cat.sql('synapse', 'SELECT $1, $2', [user, email]),
              [
                '-d',
                'synapse',
                '-v',
                'ON_ERROR_STOP=1',
                '-X',
                '-A',
                '-t',
                '-F',
                '\t',
                '-c',
                `SELECT '${user.replaceAll("'", "''")}', '${email.replaceAll("'", "''")}'`,
              ],
            ],
          ];
          for (const [name, build, args] of cases) {
            const got = await received(target(), build);
            if ('refused' in got) {
              expect(got.refused.length, `${name}: an empty refusal`).toBeGreaterThan(10);
              refused++;
              continue;
            }
            expect(args.some(unpassable), `${name} accepted a NUL byte`).toBe(false);
            expect(got.argv.slice(1), name).toEqual(args);
            // The shown command never carries the password.
            if (name === 'register-user' && password.length >= 4) expect(got.pc.display).not.toContain(password);
            exact++;
          }
        }),
        { seed, numRuns: 40 },
      );
      outcome(`argv over ${where}`, `${exact} commands arrived byte-exact, ${refused} refused before running (seed ${seed})`);
    }, 120_000);
  }

  it('refuses bad database names before anything runs', () => {
    const cat = standInCatalogue();
    for (const db of ['syn apse', 'x;id', "a'b", '$(id)', '', '-c']) expect(() => cat.sql(db, 'SELECT 1')).toThrow(CommandUnavailable);
  });
});

describe("SQL parameters reach the lab's real PostgreSQL exactly (local and over SSH)", () => {
  for (const where of ['local', 'ssh'] as const) {
    it(`SELECT the bound value back as hex (${where})`, async () => {
      const seed = pickSeed(`sql over ${where}`);
      const cat = catalogue({ checkout: detectCheckout(t.lab.playbookDir), host: t.lab.host, layout: { base: t.lab.serverRoot } });
      let exact = 0;
      let refused = 0;
      await fc.assert(
        fc.asyncProperty(hostile, async (value) => {
          let pc: PlannedCommand;
          try {
            pc = cat.sql('synapse', "SELECT encode(convert_to($1, 'UTF8'), 'hex')", [value]);
          } catch (e) {
            expect(e).toBeInstanceOf(CommandUnavailable);
            expect(unpassable(value)).toBe(true);
            refused++;
            return;
          }
          const r = await (where === 'local' ? local : ssh).run(pc.command, {});
          expect(r.code, r.stderr).toBe(0);
          expect(r.stdout.trim()).toBe(Buffer.from(value, 'utf8').toString('hex'));
          exact++;
        }),
        { seed, numRuns: 25 },
      );
      outcome(`sql over ${where}`, `${exact} parameters read back byte-exact from PostgreSQL, ${refused} refused (NUL) (seed ${seed})`);
    }, 120_000);
  }
});

describe('vars.yml edits with hostile values', () => {
  const bases = () => ({
    lab: readFileSync(t.varsFile, 'utf8'),
    examples: readFileSync('test/fixtures/upstream/playbook/examples-vars.yml', 'utf8'),
  });

  it('set provider names/values and hostnames: re-parse to exactly the value, nothing else changed', () => {
    const seed = pickSeed('vars edits');
    let written = 0;
    let refused = 0;
    for (const [name, text] of Object.entries(bases())) {
      const before = parseVars(text, name).values;
      fc.assert(
        fc.property(hostile, hostile, hostile, (providerName, hostname, secret) => {
          const providers = [
            {
              id: '01JQQABN00CV67WJEZC968JWF5',
              human_name: providerName,
              issuer: `https://${hostname}/`,
              client_id: providerName,
              client_secret: secret,
              synapse_idp_id: `oidc-${providerName}`,
            },
          ];
          const edits = [
            { op: 'set' as const, key: 'matrix_authentication_service_config_upstream_oauth2_providers', value: providers },
            { op: 'set' as const, key: 'matrix_authentication_service_hostname', value: hostname },
          ];
          let result;
          try {
            result = applyEdits(text, edits, name);
          } catch (e) {
            expect(e instanceof VarsEditError || e instanceof VarsSyntaxError, String(e)).toBe(true);
            refused++;
            return;
          }
          const after = parseVars(result.text, name).values;
          expect(after.matrix_authentication_service_config_upstream_oauth2_providers).toEqual(providers);
          expect(after.matrix_authentication_service_hostname).toBe(hostname);
          for (const key of Object.keys(before)) if (!edits.some((e) => e.key === key)) expect(after[key], key).toEqual(before[key]);
          written++;
        }),
        { seed, numRuns: 60 },
      );
    }
    outcome('vars edits', `${written} edits re-parsed to exactly the intended values, ${refused} refused (seed ${seed})`);
    expect(written).toBeGreaterThan(0);
  });

  it('hostile variable names are refused, naming the key', () => {
    const text = bases().lab;
    for (const key of ['a: b', 'x\ny', '$(id)', "k'", '', '1abc', 'matrix_x: {{', 'é']) {
      expect(() => applyEdits(text, [{ op: 'set', key, value: 'v' }]), JSON.stringify(key)).toThrow(VarsEditError);
    }
  });
});

describe('answers files with hostile values', () => {
  it('every value is taken exactly or refused with file:line:column at its key, never quoting a password', () => {
    const seed = pickSeed('answers');
    let exact = 0;
    let refused = 0;
    // Half the time a value is plausible, so both branches (taken exactly / refused) are exercised.
    const or = (...benign: string[]) => fc.oneof(hostile, fc.constantFrom(...benign));
    fc.assert(
      fc.property(
        or('alice', 'ops.admin', 'a_b-c=d/e+f'),
        or('Correct-Horse-42', "it's $(not) `run`; \n"),
        or('auth.example.org', 'matrix.example.org'),
        or('matrix.example.org'),
        (username, password, hostname, host) => {
          const text = stringify({ mode: 'new', host, hostname, first_admin: { username, password } });
          let parsed;
          try {
            parsed = parseAnswers(text, 'answers.yml');
          } catch (e) {
            expect(e).toBeInstanceOf(AnswersError);
            const err = e as AnswersError;
            for (const issue of err.issues) {
              expect(issue.line).toBeGreaterThanOrEqual(1);
              expect(issue.column).toBeGreaterThanOrEqual(1);
              const keyName = issue.path.split('.').pop()!;
              if (keyName) expect(text.split('\n')[issue.line - 1], `${issue.path} points at line ${issue.line}`).toContain(keyName);
            }
            expect(err.message).toMatch(/answers\.yml:\d+:\d+: /);
            if (password.length >= 6) expect(err.message).not.toContain(password);
            refused++;
            return;
          }
          expect(parsed.answers.first_admin).toEqual({ username, password });
          expect(parsed.answers.host).toBe(host);
          expect(parsed.answers.hostname).toBe(hostname);
          exact++;
        },
      ),
      { seed, numRuns: 150 },
    );
    outcome('answers', `${exact} files taken exactly, ${refused} refused with line:column (seed ${seed})`);
  });
});

describe('fuzz: mutated vars.yml files to preflight and the editor', () => {
  const sources = () => [readFileSync(t.varsFile, 'utf8'), readFileSync('test/fixtures/upstream/playbook/examples-vars.yml', 'utf8')];
  const mutate = fc.tuple(
    fc.nat(),
    fc.nat(20),
    fc.oneof(fc.constantFrom(...FRAGMENTS, '\t', ': :', '[', '{', '"', '  - ', '\n  ', '&a', '*a', '!!binary', '---\n', '...\n'), fc.string({ maxLength: 6 })),
  );
  const apply = (text: string, [at, del, insert]: [number, number, string]) => {
    const i = at % (text.length + 1);
    return text.slice(0, i) + insert + text.slice(i + del);
  };

  it('preflight --vars F --json: exit 2 with line and column, or a correct report; never a stack trace; file untouched', async () => {
    const seed = pickSeed('fuzz preflight');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-fuzz-'));
    const samples = fc.sample(fc.tuple(fc.constantFrom(0, 1), fc.array(mutate, { minLength: 1, maxLength: 3 })), { seed, numRuns: 24 });
    const counts = { bad: 0, report: 0 };
    try {
      for (const [n, [src, muts]] of samples.entries()) {
        const text = muts.reduce(apply, sources()[src]);
        const file = path.join(dir, `vars-${n}.yml`);
        writeFileSync(file, text);
        const mtime = statSync(file).mtimeMs;
        const r = await runCli(['preflight', '--vars', file, '--json'], { env: t.env });
        const what = `sample ${n} (seed ${seed}): exit ${r.code}\n${r.stderr}`;
        expect(r.stderr, what).not.toMatch(/\n\s+at .+:\d+:\d+/);
        if (r.code === 2) {
          expect(r.stderr, what).toMatch(/line \d+, column \d+/);
          counts.bad++;
        } else {
          expect([0, 3], what).toContain(r.code);
          const report = JSON.parse(r.stdout) as { ready: boolean; findings: unknown[] };
          expect(report.ready).toBe(r.code === 0);
          counts.report++;
        }
        expect(readFileSync(file, 'utf8')).toBe(text);
        expect(statSync(file).mtimeMs).toBe(mtime);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    outcome('fuzz preflight', `${counts.bad} clear syntax errors (exit 2, line/column), ${counts.report} reports, 0 crashes (seed ${seed})`);
  }, 120_000);

  it('the editor: a clear error with nothing written, or exactly the intended value', async () => {
    const seed = pickSeed('fuzz editor');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-fuzz-'));
    const counts = { refused: 0, written: 0 };
    try {
      const samples = fc.sample(fc.tuple(fc.constantFrom(0, 1), fc.array(mutate, { minLength: 1, maxLength: 3 }), hostile), { seed, numRuns: 120 });
      for (const [n, [src, muts, value]] of samples.entries()) {
        const text = muts.reduce(apply, sources()[src]);
        const file = path.join(dir, `vars-${n}.yml`);
        writeFileSync(file, text);
        const mtime = statSync(file).mtimeMs;
        try {
          const plan = await planVarsChange(file, [{ op: 'set', key: 'matrix_authentication_service_hostname', value }]);
          await commitVarsChange(plan);
        } catch (e) {
          expect(e instanceof VarsEditError || e instanceof VarsSyntaxError, `sample ${n} (seed ${seed}): ${String(e)}`).toBe(true);
          if (e instanceof VarsSyntaxError) expect(e.message).toMatch(/:\d+:\d+: /);
          expect(readFileSync(file, 'utf8')).toBe(text);
          expect(statSync(file).mtimeMs).toBe(mtime);
          counts.refused++;
          continue;
        }
        expect(parseVars(readFileSync(file, 'utf8'), file).values.matrix_authentication_service_hostname).toBe(value);
        counts.written++;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    outcome('fuzz editor', `${counts.written} edits exact, ${counts.refused} refused with the file untouched (seed ${seed})`);
  }, 60_000);
});
