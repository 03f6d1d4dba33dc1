// Crash anywhere (issue 7 item 1): the whole migrate flow through `run --answers --yes` on the
// practice lab, with the wizard SIGKILLed at N seeded points and restarted after each kill, must
// end exactly like an uninterrupted run with the same answers in a second lab: every step done,
// the real migration run once, the same users, admins and emails in MAS as in Synapse, a vars.yml
// byte-equal to the uninterrupted one (each lab's own directory replaced), a valid plan file, and
// no lock or job left behind. Real ansible-playbook, just, PostgreSQL and syn2mas; nothing mocked.
//
// Replay a run with MAS_WIZARD_CRASH_SEED=<seed>; MAS_WIZARD_CRASH_POINTS sets N (default 20).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPlan } from '../../state/persist.js';
import { serverPaths } from '../../state/remote.js';
import { seededRng } from '../harness/faults.js';
import {
  answers,
  jobDirs,
  labSql,
  MIGRATE_ANSWERS,
  newLab,
  planFile,
  readPlan,
  readVars,
  removeLab,
  serverRecord,
  startWizard,
  status,
  stepStatus,
  type CliRun,
  type E2E,
} from '../harness/e2e.js';

const POINTS = Number(process.env.MAS_WIZARD_CRASH_POINTS ?? 20);
const SEED = process.env.MAS_WIZARD_CRASH_SEED ? Number(process.env.MAS_WIZARD_CRASH_SEED) : Math.floor(Math.random() * 2 ** 31);
// Kill offsets from each process start, from a mixture: half uniform in [0.2 s, 2.5 s] (start-up,
// lock take-over, plan writes, reconciling, the fast vars.yml steps), half uniform in [2.5 s, MAX]
// (inside the detached playbook runs and the backup). A single uniform range either never gets
// past the first half of the ~100 s flow (short) or never hits the fast steps (long).
const SHORT_MS: [number, number] = [200, 2_500];
const LONG_MS: [number, number] = [2_500, Number(process.env.MAS_WIZARD_CRASH_MAX_MS ?? 12_000)];

function killOffset(rng: () => number): number {
  const [lo, hi] = rng() < 0.5 ? SHORT_MS : LONG_MS;
  return Math.round(lo + rng() * (hi - lo));
}

// The vars.yml steps take milliseconds each, so a clock-only schedule almost never lands in one.
// The first kills therefore wait for one of them to show as running in the plan (polled every few
// ms) and strike a seeded 0-30 ms later: inside the edit, or just after it, before the next save.
const FAST_STEPS = ['prerequisites', 'secret', 'url', 'providers', 'mark-migration'] as const;

// Fixed answers, so vars.yml is the same bytes in every run: the secret and the provider that
// convert-synapse-oidc would produce for the lab's Keycloak (with a fixed id instead of a fresh ULID).
const FIXED_ANSWERS = {
  ...MIGRATE_ANSWERS,
  secret: '5f0c2b7a9e41d3c68a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071',
  providers: [
    {
      id: '01HZX0CRA5HTE5TKEYC10AK001',
      synapse_idp_id: 'oidc-keycloak',
      issuer: 'https://keycloak.example.org/realms/matrix',
      human_name: 'Keycloak',
      client_id: 'synapse',
      client_secret: 'lab-keycloak-client-secret',
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid profile email',
      discovery_mode: 'oidc',
      fetch_userinfo: true,
      claims_imports: {
        localpart: { action: 'require', template: '{{ user.preferred_username }}' },
        displayname: { action: 'force', template: '{{ user.name }}' },
      },
    },
  ],
};

let crashed: E2E | undefined;
let clean: E2E | undefined;
afterAll(async () => {
  await Promise.all([removeLab(crashed), removeLab(clean)]);
});

interface KillReport {
  n: number;
  atMs: number;
  during: string;
  lastSaid: string;
  found: string;
}

/** The last thing the killed process printed (the step narration or a command it showed). */
function lastSaid(r: CliRun): string {
  const lines = r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('│'));
  return (lines.at(-1) ?? '(nothing yet)').slice(0, 80);
}

/** What the wizard was doing when it died, from the plan it left (and the job of the running step). */
function whatWasRunning(e: E2E): string {
  let plan;
  try {
    plan = readPlan(e);
  } catch {
    return 'before the plan was first written';
  }
  const running = plan.steps.find((s) => s.status === 'running' || s.status === 'needs-check');
  if (!running) {
    const next = plan.steps.find((s) => s.status !== 'succeeded' && s.status !== 'skipped');
    return next ? `between steps (next: ${next.id}, ${next.status})` : 'after the last step';
  }
  const job = running.inputs.job as { jobId?: string; dir?: string } | undefined;
  const what = running.status === 'needs-check' ? `reconciling ${running.id}` : running.id;
  if (!job?.jobId || !job.dir) return `${what} (attempt ${running.attempt})`;
  const dir = path.join(job.dir, job.jobId);
  const jobState = !existsSync(dir) ? 'job not started' : existsSync(path.join(dir, 'exit')) ? 'job finished' : 'job running';
  return `${what} (attempt ${running.attempt}, ${jobState})`;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves once the plan shows `step` running (or already past it). */
async function stepReached(e: E2E, step: string, ended: () => boolean): Promise<void> {
  while (!ended()) {
    try {
      const s = readPlan(e).steps.find((st) => st.id === step);
      if (s && s.status !== 'pending') return;
    } catch {
      /* no plan yet, or between two saves */
    }
    await sleep(3);
  }
}

/** What a restart reported about the previous process: lock take-over and each reconciled step. */
function whatRestartFound(r: CliRun): string {
  const found: string[] = [];
  if (r.stderr.includes('took over the local lock')) found.push('took over the lock');
  for (const m of r.stdout.matchAll(/"([a-z0-9-]+)": (succeeded|pending|failed) — ([^\n]*)/g)) found.push(`${m[1]} → ${m[2]} (${m[3].slice(0, 70)})`);
  return found.length ? found.join('; ') : 'nothing to reconcile';
}

/**
 * A lab's vars.yml with what is the lab's own replaced (its directory, and the secrets each lab
 * generates for itself, given as their values before the run), so two labs compare byte for byte.
 */
function normalisedVars(e: E2E, own: Record<string, string>): string {
  let text = readFileSync(e.varsFile, 'utf8').replaceAll(e.stateDir, '<lab>');
  for (const [key, value] of Object.entries(own)) text = text.replaceAll(value, `<lab's ${key}>`);
  return text;
}

/** Top-level vars.yml values that differ between two fresh labs (generated per lab), per lab. */
function labOwnValues(a: E2E, b: E2E): [Record<string, string>, Record<string, string>] {
  const va = readVars(a);
  const vb = readVars(b);
  const ownA: Record<string, string> = {};
  const ownB: Record<string, string> = {};
  for (const key of Object.keys(va)) {
    if (typeof va[key] === 'string' && typeof vb[key] === 'string' && va[key] !== vb[key] && !String(va[key]).includes(a.stateDir)) {
      ownA[key] = String(va[key]);
      ownB[key] = String(vb[key]);
    }
  }
  return [ownA, ownB];
}

const localpart = (id: string) => id.replace(/^@(.*):.*$/, '$1');

function synapseUsers(e: E2E): string[] {
  return labSql(e, 'synapse', 'SELECT name, admin FROM users WHERE appservice_id IS NULL AND is_guest = 0 ORDER BY 1').map(
    ([name, admin]) => `${localpart(name)} admin=${admin === '1'}`,
  );
}

function masUsers(e: E2E): string[] {
  return labSql(e, 'matrix_authentication_service', 'SELECT username, can_request_admin FROM users ORDER BY 1').map(
    ([name, admin]) => `${name} admin=${admin === 't'}`,
  );
}

function synapseEmails(e: E2E): string[] {
  return labSql(e, 'synapse', "SELECT user_id, lower(address) FROM user_threepids WHERE medium = 'email' ORDER BY 1, 2").map(
    ([user, address]) => `${localpart(user)} ${address}`,
  );
}

function masEmails(e: E2E): string[] {
  return labSql(e, 'matrix_authentication_service', 'SELECT u.username, lower(e.email) FROM user_emails e JOIN users u USING (user_id) ORDER BY 1, 2').map(
    ([user, address]) => `${user} ${address}`,
  );
}

describe('crash anywhere', () => {
  it(`SIGKILLed at ${POINTS} seeded points across the migrate flow, the wizard resumes each time and ends exactly like an uninterrupted run`, async () => {
    console.log(
      `crash-anywhere: seed ${SEED} (replay with MAS_WIZARD_CRASH_SEED=${SEED}), ${POINTS} kills at ${SHORT_MS.join('-')} or ${LONG_MS.join('-')} ms after each start`,
    );
    const rng = seededRng(SEED);
    [crashed, clean] = await Promise.all([newLab(), newLab()]);
    const a = crashed;
    const b = clean;
    const [ownA, ownB] = labOwnValues(a, b);
    // Only generated values and the directory differ before the run; that is all that gets replaced.
    expect(Object.keys(ownA).sort()).toEqual(['matrix_homeserver_generic_secret_key', 'postgres_connection_password']);
    expect(normalisedVars(a, ownA)).toEqual(normalisedVars(b, ownB));
    const args = (e: E2E) => ['run', '--answers', answers(e, FIXED_ANSWERS), '--yes'];

    // The uninterrupted run goes on in the second lab meanwhile.
    const uninterrupted = startWizard(b, args(b)).done;

    const started = Date.now();
    const reports: KillReport[] = [];
    let last: CliRun | undefined;
    for (let n = 1; n <= POINTS; n++) {
      const target = FAST_STEPS[n - 1];
      const run = startWizard(a, args(a));
      const t0 = Date.now();
      let ended = false;
      void run.done.then(() => {
        ended = true;
      });
      const first = target
        ? await Promise.race([
            run.done,
            stepReached(a, target, () => ended)
              .then(() => sleep(Math.round(rng() * 30)))
              .then(() => null),
          ])
        : await Promise.race([run.done, sleep(killOffset(rng)).then(() => null)]);
      const atMs = Date.now() - t0;
      if (first) {
        // Ended before its kill: the flow is finished (anything else is a failure to explain).
        last = first;
        console.log(`kill ${n}: not needed, the wizard exited ${first.code} after ${first.ms} ms — ${whatRestartFound(first)}`);
        expect(first.code, `a restart after a kill ended with ${first.code}:\n${first.stdout}\n${first.stderr}`).toBe(0);
        break;
      }
      run.child.kill('SIGKILL');
      const killed = await run.done;
      expect(killed.signal, killed.stdout + killed.stderr).toBe('SIGKILL');
      const report = { n, atMs, during: whatWasRunning(a), lastSaid: lastSaid(killed), found: n === 1 ? '(first start)' : whatRestartFound(killed) };
      reports.push(report);
      console.log(`kill ${n} at ${atMs} ms: plan says ${report.during}; last printed "${report.lastSaid}"; this start found: ${report.found}`);
    }
    if (!last) {
      last = await startWizard(a, args(a)).done;
      console.log(`final run: exit ${last.code} after ${last.ms} ms — ${whatRestartFound(last)}`);
    }
    const hit = [...new Set(reports.map((r) => /^(?:reconciling )?([a-z0-9-]+) \(/.exec(r.during)?.[1] ?? r.during.replace(/ \(.*$/, '')))];
    console.log(
      `crash-anywhere: ${reports.length} kills, ${Math.round((Date.now() - started) / 1000)} s to the end of the flow; kills landed in: ${hit.join(', ')}`,
    );
    expect(last.code, last.stdout + last.stderr).toBe(0);

    const reference = await uninterrupted;
    expect(reference.code, reference.stdout + reference.stderr).toBe(0);

    // Every step done, and the summary agrees.
    const view = await status(a);
    expect(
      Object.values(stepStatus(view)).every((s) => s === 'succeeded'),
      JSON.stringify(stepStatus(view)),
    ).toBe(true);

    // The real migration ran exactly once: one launched syn2mas job, one 'started' per attempt.
    expect(jobDirs(a, 'migrate')).toHaveLength(1);
    const migrateNotes = serverRecord(a)!.history.filter((h) => h.step === 'migrate' && h.outcome === 'started');
    const attempts = migrateNotes.map((h) => (h as { attempt?: number }).attempt);
    expect(new Set(attempts).size, JSON.stringify(migrateNotes)).toBe(attempts.length);
    expect(attempts.length).toBeGreaterThanOrEqual(1);

    // The same users (with admin flags) and emails in MAS as in Synapse.
    const users = synapseUsers(a);
    expect(users.length).toBeGreaterThan(0);
    expect(masUsers(a)).toEqual(users);
    expect(masEmails(a)).toEqual(synapseEmails(a));
    expect(view.summary!.mas_users).toBe(users.length);

    // vars.yml byte-equal to the uninterrupted run's, each lab's own directory replaced.
    expect(normalisedVars(a, ownA)).toEqual(normalisedVars(b, ownB));
    expect(normalisedVars(a, ownA)).toContain('matrix_authentication_service_enabled: true');

    // The plan file loads through the real loader; nothing was set aside as corrupt.
    const plan = loadPlan(planFile(a));
    expect(plan?.steps.every((s) => s.status === 'succeeded')).toBe(true);
    expect(readdirSync(path.dirname(planFile(a))).filter((f) => f !== path.basename(planFile(a)))).toEqual([]);

    // No lock left, and no detached job still running.
    const locks = path.join(a.stateDir, 'locks');
    expect(existsSync(locks) ? readdirSync(locks) : []).toEqual([]);
    expect(existsSync(serverPaths(path.join(a.lab.serverRoot)).lock), 'the server lock is still there').toBe(false);
    const jobs = path.join(a.stateDir, 'jobs');
    for (const d of readdirSync(jobs)) expect(existsSync(path.join(jobs, d, 'exit')), `job ${d} has no exit status`).toBe(true);
  }, 600_000);
});
