// syn2mas-check, dry-run and migrate: the playbook's syn2mas tag for the detected
// generation. The dry run's counts and timings are kept (they estimate the downtime);
// the real run is noted in the server's own record before and after it runs.
import { estimateDowntime, parseSyn2masOutput, syn2masFromResult, type Syn2masItem, type Syn2masReport } from '../../parsers/syn2mas.js';
import { commandResults } from '../../parsers/ansible.js';
import { explainAnsibleFailure } from '../../parsers/ansible-advice.js';
import { probeServer } from '../../preflight/probes.js';
import { ulidToUUID } from 'ulid';
import { LEGACY_MAPPING_KEY } from '../../mas/oidc-convert.js';
import { MAS_DB, UNITS } from '../../playbook/commands.js';
import { runPlanned } from '../exec.js';
import { forGeneration, LEGACY_WARNINGS_FATAL } from './legacy-limits.js';
import { noteServerStep, readServerRecord } from '../../../state/server-record.js';
import type { Json } from '../../../state/plan.js';
import type { Session } from '../../session.js';
import type { FlowContext } from '../context.js';
import type { Reconciled, StepOutcome, StepRunner } from './step.js';
import { jobOf, jobState, nextJob, resumePlaybook, runPlaybook, type PlaybookRun } from './long-run.js';
import { varsValues } from './vars-change.js';
import { probeDisplays } from './prerequisites.js';
import { effectiveBool } from '../../playbook/effective.js';
import { MissingAnswer } from '../../../state/answers.js';
import { Declined } from '../io.js';
import { synapseStopped } from './downtime.js';
import { approveCutOver } from './flags.js';

/**
 * What syn2mas reported, out of the playbook log: the registered result of "Perform syn2mas
 * migration" as Ansible printed it (the task's own `fatal:` line when it failed, else the
 * "Print syn2mas migration command result" task), in JSON or YAML; its stderr (MAS 0.16+)
 * and stdout (legacy) are read. No result in the log (the play stopped before) → an empty report.
 */
export function syn2masReport(log: string): Syn2masReport {
  const results = commandResults(log).filter((r) => /syn2mas/i.test(`${r.task ?? ''} ${r.variable ?? ''}`));
  const last = results[results.length - 1];
  return last ? syn2masFromResult(last) : parseSyn2masOutput('');
}

function counts(report: Syn2masReport): Record<string, number> {
  const out: Record<string, number> = {};
  for (const st of report.stages) out[st.entity] = st.migrated;
  if (report.tool === 'legacy' && report.legacy.completed) out.users = report.legacy.completed.users;
  return out;
}

function timings(report: Syn2masReport): Record<string, number> {
  const out: Record<string, number> = {};
  for (const st of report.stages) out[st.entity] = st.seconds;
  const est = estimateDowntime(report);
  if (est) {
    out.measured_seconds = est.measuredSeconds;
    out.downtime_estimate_seconds = est.estimateSeconds;
  }
  return out;
}

/** `--upstreamProviderMapping synapse_idp:ULID` pairs from the legacy extra-arguments variable. */
function legacyMapping(values: Record<string, unknown>): { synapseIdp: string; ulid: string }[] {
  const args = Array.isArray(values[LEGACY_MAPPING_KEY]) ? (values[LEGACY_MAPPING_KEY] as unknown[]).map(String) : [];
  return args.flatMap((a, i) =>
    args[i - 1] === '--upstreamProviderMapping' && a.includes(':')
      ? [{ synapseIdp: a.slice(0, a.lastIndexOf(':')), ulid: a.slice(a.lastIndexOf(':') + 1) }]
      : [],
  );
}

/**
 * The legacy playbook has no syn2mas check: the wizard's own database checks stand in for it,
 * judged as the legacy tool would (phone numbers are fatal there), plus the one thing the legacy
 * tool needs that the current one does itself: each mapped provider already in the MAS database.
 */
async function legacyCheck(ctx: FlowContext): Promise<StepOutcome> {
  const s = ctx.session;
  ctx.io.say("The legacy playbook (MAS ≤ 0.15) has no syn2mas check; running the wizard's own read-only database checks instead.");
  const mapping = legacyMapping(varsValues(ctx));
  const probed = await probeServer(await s.server(), s.cat, { become: s.become, serverName: s.serverName, mappedIdps: mapping.map((m) => m.synapseIdp) });
  for (const c of probed.commands) ctx.transcript.note(`probe: ${c}`);
  const findings = forGeneration(probed.findings, s.generation, s.cat);
  const blockers = findings.filter((f) => f.severity === 'block').map((f) => `${f.id}: ${f.title} — ${f.detail} ${f.fix}`);
  for (const f of findings) ctx.io.say(`[${f.severity}] ${f.id}: ${f.title}`, f.severity === 'block' ? 'error' : 'info');
  let missing = await unsyncedProviders(ctx, mapping);
  if (typeof missing === 'string') return { status: 'failed', error: missing };
  const fixed: string[] = [];
  if (missing.length) {
    // MAS writes its configured providers to its database whenever it starts (`mas-cli server`
    // syncs unless --no-sync), so this means MAS has not started since they were configured.
    // `mas-cli config sync` runs inside the MAS container: it needs MAS running; else start MAS.
    const masUp = (await serviceState(ctx, UNITS.mas, 'syn2mas-check')) === 'active';
    const fix = masUp ? s.cat.configSync() : s.cat.service('start', UNITS.mas);
    ctx.io.say(
      `${missing.map((m) => `Provider ${m.ulid} (for Synapse's ${m.synapseIdp})`).join(', ')} is not in the MAS database yet: MAS has not ${masUp ? 'synced its configuration' : 'started'} since it was configured, ` +
        `and the legacy syn2mas only looks providers up ("Could not find upstream provider"). MAS writes them itself ${masUp ? 'with' : 'when it starts'}: ${fix.display}. ` +
        'It only adds the configured providers (no user data); nothing needs undoing.',
      'warn',
    );
    if (await ctx.io.confirm({ key: `fix: ${PROVIDERS_NOT_SYNCED}`, question: `Run ${fix.display} now?`, defaultYes: true })) {
      const r = await runPlanned(ctx, fix, { step: 'syn2mas-check' });
      if (r.code === 0) fixed.push(PROVIDERS_NOT_SYNCED);
      const again = await unsyncedProviders(ctx, mapping);
      if (typeof again === 'string') return { status: 'failed', error: again };
      missing = again;
    }
  }
  for (const m of missing)
    blockers.push(
      `provider ${m.ulid} (for Synapse's ${m.synapseIdp}) is not in the MAS database yet; the legacy syn2mas only looks providers up and stops with "Could not find upstream provider". MAS writes its configured providers to its database when it starts: start it (${s.cat.services('start').display}), or run ${s.cat.configSync().display} (answers \`fix: [${PROVIDERS_NOT_SYNCED}]\` lets the wizard do it), then run the wizard again.`,
    );
  if (blockers.length) return { status: 'failed', error: blockers.join('\n') };
  return {
    status: 'succeeded',
    outputs: {
      checks: findings.map((f) => f.id),
      mapped_providers: mapping.map((m) => `${m.synapseIdp}:${m.ulid}`),
      tool: 'wizard probes (legacy playbook)',
      ...(fixed.length ? { fixed } : {}),
    },
  };
}

/** The finding id of a mapped provider MAS has not written to its database yet (legacy check). */
export const PROVIDERS_NOT_SYNCED = 'mas.providers-not-synced';

/** Mapped providers missing from the MAS database, or why they could not be looked up. */
async function unsyncedProviders(ctx: FlowContext, mapping: { synapseIdp: string; ulid: string }[]): Promise<{ synapseIdp: string; ulid: string }[] | string> {
  const missing: { synapseIdp: string; ulid: string }[] = [];
  for (const m of mapping) {
    const uuid = ulidToUUID(m.ulid).toLowerCase();
    const r = await runPlanned(
      ctx,
      ctx.session.cat.sql(MAS_DB, 'SELECT count(*) FROM upstream_oauth_providers WHERE upstream_oauth_provider_id = $1::uuid', [uuid]),
      { step: 'syn2mas-check' },
    );
    const n = Number(r.output.trim().split('\n').pop());
    if (r.code !== 0 || !Number.isInteger(n)) return `cannot look up provider ${m.ulid} in the MAS database: ${r.output.trim() || `exit ${r.code}`}`;
    if (n === 0) missing.push(m);
  }
  return missing;
}

/** The question for one syn2mas warning: its whole text (screens wrap it at word boundaries). */
export function warningQuestion(w: Pick<Syn2masItem, 'text'>): string {
  return `Accept this syn2mas warning and go on? "${w.text}"`;
}

/**
 * syn2mas warnings that restate a finding the operator already accepted in the prerequisites
 * (the advice kind is that finding's id: non-email 3PIDs ↔ db.non-email-3pids, guests ↔
 * db.guests-present): they are not asked again.
 */
export function acceptedEarlier(warnings: readonly Syn2masItem[], accepted: readonly string[]): { earlier: Syn2masItem[]; ask: Syn2masItem[] } {
  const earlier = warnings.filter((w) => accepted.includes(w.kind));
  return { earlier, ask: warnings.filter((w) => !earlier.includes(w)) };
}

/** Asks about each warning not accepted earlier; returns the refused one's text, or the accepted texts. */
async function acknowledgeWarnings(ctx: FlowContext, warnings: Syn2masItem[]): Promise<{ refused: string } | { accepted: string[]; earlier: string[] }> {
  const prior = ctx.plan().steps.find((s) => s.id === 'prerequisites')?.outputs.accepted;
  const { earlier, ask } = acceptedEarlier(warnings, Array.isArray(prior) ? prior.filter((x): x is string => typeof x === 'string') : []);
  for (const w of earlier) ctx.io.say(`syn2mas warning, accepted earlier: ${w.kind} (in the prerequisites) — "${w.text}"`);
  for (const w of ask) {
    ctx.io.say(`syn2mas warning: ${w.text}\n  ${w.explanation}${w.fix ? `\n  What to do: ${w.fix}` : ''}`, 'warn');
    const yes = await ctx.io.confirm({ key: `accept: syn2mas.warnings`, question: warningQuestion(w) });
    if (!yes) return { refused: w.text };
  }
  return { accepted: ask.map((w) => `syn2mas: ${w.text}`), earlier: earlier.map((w) => w.kind) };
}

export const syn2masCheck: StepRunner = {
  id: 'syn2mas-check',
  commands: (s: Session) => (s.generation === 'legacy' ? probeDisplays(s) : [s.cat.syn2mas('check').display]),
  inputs: (ctx) => ({ job: { ...nextJob(ctx, 'syn2mas-check', 'controller', false) } }),
  async run(ctx): Promise<StepOutcome> {
    if (ctx.session.generation === 'legacy') return legacyCheck(ctx);
    const run = await runPlaybook(ctx, 'syn2mas-check', ctx.session.cat.syn2mas('check'));
    return judgeCheck(ctx, run);
  },
  async reconcile(ctx, step) {
    return reconcileReadOnly(ctx, step, 'syn2mas-check');
  },
};

async function judgeCheck(ctx: FlowContext, run: PlaybookRun): Promise<StepOutcome> {
  const failure = run.summary.failures[0];
  // A failed check's items come from the failed task's own stdout/stderr (parsed out of
  // Ansible's result), not from scanning the whole log, which also holds Ansible's YAML.
  const items = failure
    ? (explainAnsibleFailure(failure)?.syn2masItems ?? [])
    : [...syn2masReport(run.ran.output).errors, ...syn2masReport(run.ran.output).warnings];
  const errors = items.filter((i) => i.severity === 'error');
  const warnings = items.filter((i) => i.severity === 'warning');
  const rc = failure?.rc;
  const outputs: Record<string, Json> = { errors: errors.map((e) => e.text), warnings: warnings.map((w) => w.text) };
  if (run.ok) return { status: 'succeeded', outputs };
  if (rc === 11 && errors.length === 0) {
    const answered = await acknowledgeWarnings(ctx, warnings);
    if ('refused' in answered) return { status: 'failed', error: `a syn2mas warning was not accepted: ${answered.refused}`, outputs };
    return { status: 'succeeded', outputs: { ...outputs, accepted_warnings: answered.accepted, accepted_earlier: answered.earlier } };
  }
  return { status: 'failed', error: run.problem ?? 'syn2mas check failed', outputs };
}

/** The dry run judged from its playbook run, the same way whether it was followed live or after a restart. */
function judgeDryRun(ctx: FlowContext, run: PlaybookRun, configHash: string): StepOutcome {
  const report = syn2masReport(run.ran.output);
  if (!run.ok) return { status: 'failed', error: run.problem ?? 'the dry run failed', outputs: { errors: report.errors.map((e) => e.text) } };
  const legacyWarnings = report.legacy.completed?.warnings ?? 0;
  if (ctx.session.generation === 'legacy' && legacyWarnings > 0) {
    const texts = report.legacy.items.filter((i) => i.severity === 'warning').map((i) => i.text);
    return {
      status: 'failed',
      error: `the dry run passed with ${legacyWarnings} warning(s), but ${LEGACY_WARNINGS_FATAL}. Resolve each one before the real run:\n  - ${texts.join('\n  - ') || 'see the log above'}`,
      outputs: { warnings: texts },
    };
  }
  const record = dryRunRecord(ctx, report, configHash);
  return { status: 'succeeded', outputs: { counts: record.counts, timings: record.timings }, dryRun: record };
}

/**
 * Check and dry run write nothing lasting: an interrupted one is judged from its whole log
 * exactly as a followed run would be (a check that ended with accepted warnings, exit 11, is a
 * pass, not a reason to run it again), or simply run again.
 */
async function reconcileReadOnly(
  ctx: FlowContext,
  step: Parameters<NonNullable<StepRunner['reconcile']>>[1],
  id: 'syn2mas-check' | 'dry-run',
): Promise<Reconciled> {
  const job = jobOf(step);
  if (!job || (await jobState(ctx, job)) === 'absent') return { to: 'pending', evidence: 'it never started' };
  const run = await resumePlaybook(ctx, id, job, ctx.session.cat.syn2mas(id === 'dry-run' ? 'dry-run' : 'check').display);
  let judged: StepOutcome;
  try {
    judged = id === 'dry-run' ? judgeDryRun(ctx, run, String(step.inputs.varsHash ?? '')) : await judgeCheck(ctx, run);
  } catch (error) {
    // A warning needs the operator's answer and there is none here: the step asks again when it runs.
    if (error instanceof MissingAnswer || error instanceof Declined)
      return { to: 'pending', evidence: `it finished, but ${(error as Error).message}; it runs again and asks` };
    throw error;
  }
  if (judged.status === 'succeeded') {
    return {
      to: 'succeeded',
      evidence: `the ${id === 'dry-run' ? 'dry run' : 'check'} finished while the wizard was away`,
      outputs: judged.outputs,
      dryRun: judged.dryRun,
    };
  }
  const why = judged.status === 'failed' ? judged.error.split('\n')[0] : 'it did not finish cleanly';
  return { to: 'pending', evidence: `it did not pass (${why}); it changes nothing, so it simply runs again` };
}

function dryRunRecord(ctx: FlowContext, report: Syn2masReport, configHash: string) {
  return { configHash, passedAt: ctx.now(), counts: counts(report), timings: timings(report) };
}

export const dryRun: StepRunner = {
  id: 'dry-run',
  commands: (s: Session) => [s.cat.syn2mas('dry-run').display],
  inputs: (ctx) => ({ job: { ...nextJob(ctx, 'dry-run', 'controller', false) }, varsHash: ctx.varsHash() }),
  async run(ctx): Promise<StepOutcome> {
    const configHash = ctx.varsHash();
    const run = await runPlaybook(ctx, 'dry-run', ctx.session.cat.syn2mas('dry-run'));
    const judged = judgeDryRun(ctx, run, configHash);
    if (judged.status === 'succeeded' && judged.dryRun) {
      const est = judged.dryRun.timings.downtime_estimate_seconds;
      ctx.io.say(
        `Dry run passed: ${
          Object.entries(judged.dryRun.counts)
            .map(([k, v]) => `${v} ${k}`)
            .join(', ') || 'no counts reported'
        }.${est ? ` Expect about ${est} s of downtime for the real run.` : ''}`,
        'ok',
      );
    }
    return judged;
  },
  async reconcile(ctx, step) {
    return reconcileReadOnly(ctx, step, 'dry-run');
  },
};

async function note(ctx: FlowContext, outcome: 'started' | 'succeeded' | 'failed' | 'unknown', detail?: string): Promise<void> {
  const step = ctx.plan().steps.find((s) => s.id === 'migrate');
  await noteServerStep(
    await ctx.session.server(),
    {
      step: 'migrate',
      outcome,
      at: ctx.now(),
      planId: ctx.plan().id,
      attempt: step?.attempt ?? 0,
      ...(detail ? { detail } : {}),
    },
    { baseDir: ctx.session.layout.base, become: ctx.session.become },
  );
}

export type ServiceState = 'active' | 'inactive' | 'unknown';

/** `systemctl is-active`: exit 0 "active"; "inactive"/"failed" (exit 3) is down; anything else (a lost link) is unknown. */
async function serviceState(ctx: FlowContext, unit: string, step: 'migrate' | 'syn2mas-check' = 'migrate'): Promise<ServiceState> {
  const r = await runPlanned(ctx, ctx.session.cat.service('is-active', unit), { step, quiet: true });
  const said = r.output.trim().split('\n').pop() ?? '';
  if (r.code === 0 && said === 'active') return 'active';
  if (!r.lost && /^(inactive|failed|unknown|deactivating)$/.test(said)) return 'inactive';
  return 'unknown';
}

/**
 * What a failed real migration left, in plain words, and the two ways on: retry, or back to Synapse's
 * own logins. A failed syn2mas task stops the play before the tasks that start Synapse and MAS
 * again (real-outputs.md §1, §6), so they normally stay stopped; what was observed is said.
 */
export function failedMigrateAdvice(observed: { synapse: ServiceState; mas: ServiceState }, backupPath?: string): string {
  const synapse = {
    inactive:
      'Synapse is DOWN (matrix-synapse is stopped: the failed syn2mas ended the play before the task that starts it again). Users are locked out: nobody can log in or use the homeserver until you act.',
    active: 'Synapse is running: users can still log in with their old logins (the play stopped before it stopped Synapse).',
    unknown: "Synapse's state could not be checked: assume it is down and users are locked out (check: systemctl status matrix-synapse).",
  }[observed.synapse];
  const mas = { inactive: 'MAS is stopped too.', active: 'MAS is running.', unknown: "MAS's state could not be checked." }[observed.mas];
  return [
    `${synapse} ${mas}`,
    "The way back, now: mas-wizard rollback --yes — switches MAS off and runs the playbook again (the rollback shows the exact command); Synapse starts again with its old logins (syn2mas deleted nothing in Synapse's database).",
    'To retry instead: the wizard never runs syn2mas twice in one plan (a failed run may have written part of the users into MAS). Fix the problem shown above, roll back as just said, ' +
      'empty the MAS database if syn2mas wrote to it (drop and re-create it: syn2mas refuses a non-empty one), then run the wizard again: it takes a new backup and dry run before migrating.',
    ...(backupPath ? [`The verified backup ${backupPath} (restore commands in the backup step) is there if Synapse's database itself is in doubt.`] : []),
  ].join('\n');
}

async function failedMigrate(ctx: FlowContext, problem: string, counted: Record<string, number>): Promise<{ error: string; outputs: Record<string, Json> }> {
  const observed = { synapse: await serviceState(ctx, UNITS.synapse), mas: await serviceState(ctx, UNITS.mas) };
  const advice = failedMigrateAdvice(observed, ctx.plan().backup?.path);
  ctx.io.say(advice, 'error');
  return {
    error: `${problem}\n${advice}`,
    outputs: { counts: counted, synapse_running: observed.synapse === 'active', mas_running: observed.mas === 'active' },
  };
}

/**
 * After a real syn2mas that exited 0, Synapse must stay down until the cut-over. Playbook checkouts
 * from May 2025 to March 2026 start it again, and the legacy playbook always does (real-outputs.md §6):
 * then it is stopped here. Returns whether Synapse is running after that, as observed. A Synapse that
 * will not stop does not fail the step: the migration itself is done and cannot be run again, and the
 * cut-over that follows restarts Synapse with MAS in charge; the operator is told to stop it meanwhile.
 */
async function keepSynapseStopped(ctx: FlowContext): Promise<boolean> {
  if ((await serviceState(ctx, UNITS.synapse)) === 'inactive') return false;
  ctx.io.say(
    'Synapse is running again after syn2mas (this playbook checkout starts it after a real run). Stopping it: until the cut-over, ' +
      'new logins and registrations would land in Synapse and never reach MAS, and those users would be missing or out of date in MAS.',
    'warn',
  );
  await runPlanned(ctx, ctx.session.cat.service('stop', UNITS.synapse), { step: 'migrate' });
  const now = await serviceState(ctx, UNITS.synapse);
  if (now === 'inactive') return false;
  ctx.io.say(
    `Synapse is ${now === 'active' ? 'still running' : 'in a state that could not be checked'} after \`systemctl stop matrix-synapse\`: logins and registrations ` +
      'land in Synapse and never reach MAS until the cut-over. Stop it by hand now (systemctl stop matrix-synapse) unless the cut-over follows right away.',
    'error',
  );
  return true;
}

/** Users in the MAS database, or -1 when they cannot be counted (never taken as empty). */
async function masUsers(ctx: FlowContext): Promise<number> {
  const r = await runPlanned(ctx, ctx.session.cat.sql(MAS_DB, 'SELECT count(*) FROM users', []), { step: 'migrate', quiet: true });
  const n = Number(r.output.trim().split('\n').pop());
  return r.code === 0 && Number.isInteger(n) ? n : -1;
}

export const migrate: StepRunner = {
  id: 'migrate',
  commands: (s: Session) => [s.cat.syn2mas('migrate').display],
  inputs: (ctx) => ({ job: { ...nextJob(ctx, 'migrate', 'controller', false) } }),
  beforeGate: approveCutOver,
  async run(ctx): Promise<StepOutcome> {
    for (const key of ['matrix_authentication_service_syn2mas_migrate_dry_run', 'matrix_authentication_service_syn2mas_dry_run']) {
      const v = effectiveBool(ctx.session.layers(), key).value;
      if (v === true || v === 'cannot-judge')
        return {
          status: 'blocked',
          reasons: [`${key} is set in vars.yml (${String(v)}): the "real" migration would only be a dry run. Remove it, then run again.`],
        };
    }
    await note(ctx, 'started');
    const run = await runPlaybook(ctx, 'migrate', ctx.session.cat.syn2mas('migrate'));
    const report = syn2masReport(run.ran.output);
    if (run.ok && (report.dryRunFinished || report.legacy.completed?.dryRun)) {
      run.ok = false;
      run.problem = 'syn2mas ran in dry-run mode although the real migration was asked for: nothing was migrated';
    }
    if (!run.ok) {
      await note(ctx, run.ran.lost ? 'unknown' : 'failed', (run.problem ?? '').split('\n')[0]);
      const failed = await failedMigrate(ctx, run.problem ?? 'the migration failed', counts(report));
      return { status: 'failed', ...failed };
    }
    await note(ctx, 'succeeded');
    const stopped = await synapseStopped(ctx);
    const running = await keepSynapseStopped(ctx);
    if (!running) ctx.io.say('The migration finished. Synapse stays stopped until the cut-over and reinstall.', 'ok');
    return { status: 'succeeded', outputs: { counts: counts(report), synapse_running: running, ...stopped } };
  },
  async reconcile(ctx, step): Promise<Reconciled> {
    // Never re-run: find out what the run did, from its job and the server's record.
    const job = jobOf(step);
    const state = job ? await jobState(ctx, job) : 'absent';
    if (state === 'absent') {
      const record = await readServerRecord(await ctx.session.server(), { baseDir: ctx.session.layout.base, become: ctx.session.become });
      const entry = record?.steps.migrate;
      if (!entry || (entry.planId === ctx.plan().id && entry.attempt < step.attempt)) {
        return { to: 'pending', evidence: 'the migration never started (no job on record, and the server record has no entry for this attempt)' };
      }
      // Killed between noting the intent on the server and launching syn2mas: the job directory
      // is the launch's claim and it is not there, so syn2mas never ran. An empty MAS database
      // confirms it (syn2mas's first write is users); anything else is treated as a partial run.
      if (entry.planId === ctx.plan().id && entry.attempt === step.attempt && entry.outcome === 'started' && (await masUsers(ctx)) === 0) {
        return {
          to: 'pending',
          evidence: 'the intent was noted on the server but syn2mas never started (no job directory, MAS database still empty); it can start again',
        };
      }
      return {
        to: 'failed',
        evidence: `the server record says the migration ${entry.outcome} at ${entry.at} but its job is gone; check the MAS database, restore the backup if it is partly filled`,
      };
    }
    const run = await resumePlaybook(ctx, 'migrate', job!, ctx.session.cat.syn2mas('migrate').display);
    const report = syn2masReport(run.ran.output);
    if (run.ok) {
      await note(ctx, 'succeeded', 'confirmed after the wizard restarted');
      const stopped = await synapseStopped(ctx);
      const running = await keepSynapseStopped(ctx);
      return {
        to: 'succeeded',
        evidence: 'the migration finished while the wizard was away (exit 0)',
        outputs: { counts: counts(report), synapse_running: running, ...stopped },
      };
    }
    await note(ctx, 'failed', 'found failed after the wizard restarted');
    const failed = await failedMigrate(ctx, run.problem ?? 'the migration did not succeed', counts(report));
    return { to: 'failed', evidence: failed.error, outputs: failed.outputs };
  },
};
