// install / reinstall: the playbook run that installs MAS (and, after the cut-over,
// makes Synapse delegate to MAS and start again).
import type { StepId } from '../../../state/steps.js';
import type { FlowContext } from '../context.js';
import type { Reconciled, StepOutcome, StepRunner } from './step.js';
import { jobOf, jobState, nextJob, resumePlaybook, runPlaybook, type PlaybookRun } from './long-run.js';
import { changeVars, varsValues } from './vars-change.js';
import { oidcRemovalEdits } from '../../mas/oidc-convert.js';
import { runPlanned } from '../exec.js';
import { serviceDiagnosis } from './service-log.js';
import type { Session } from '../../session.js';
import { synapseDowntime } from './downtime.js';

async function synapseActive(ctx: FlowContext, step: StepId): Promise<boolean> {
  const r = await runPlanned(ctx, ctx.session.cat.service('is-active', 'matrix-synapse.service'), { step });
  return r.code === 0;
}

function outcome(run: PlaybookRun): StepOutcome {
  const p = run.summary.progress;
  const outputs = { tasks: p.taskIndex, ok: p.ok, changed: p.changed, failed: p.failed };
  return run.ok ? { status: 'succeeded', outputs } : { status: 'failed', error: run.problem ?? 'the playbook failed', outputs };
}

function installRunner(id: 'install' | 'reinstall'): StepRunner {
  return {
    id,
    commands: (s: Session) => [s.cat.install().display],
    inputs: (ctx) => ({ job: { ...nextJob(ctx, id, 'controller', false) } }),
    async run(ctx): Promise<StepOutcome> {
      if (id === 'install' && ctx.plan().flow === 'new') {
        // The new-homeserver flow has no mark-migration step: MAS is switched on here.
        // No cut-over either: Synapse's own OIDC (converted in the providers step) goes now, or the
        // playbook refuses MAS next to it ("matrix_synapse_oidc_enabled must be disabled").
        await changeVars(ctx, 'install', 'Enable MAS', [
          { op: 'set', key: 'matrix_authentication_service_enabled', value: true },
          ...oidcRemovalEdits(Object.keys(varsValues(ctx))),
        ]);
      }
      const run = await runPlaybook(ctx, id, ctx.session.cat.install());
      const result = outcome(run);
      if (result.status !== 'succeeded' || id !== 'reinstall') return result;
      if (!(await synapseActive(ctx, id))) {
        const diagnosis = await serviceDiagnosis(ctx, id, 'matrix-synapse.service was not detected to be running');
        return {
          status: 'failed',
          error: `the playbook finished but matrix-synapse is not running; fix what its log shows, then run the reinstall again${diagnosis}`,
        };
      }
      ctx.io.say('Synapse is running again and delegates logins to MAS.', 'ok');
      return { ...result, outputs: { ...result.outputs, ...(ctx.plan().flow === 'migrate' ? await synapseDowntime(ctx) : {}) } };
    },
    async reconcile(ctx, step): Promise<Reconciled | null> {
      const job = jobOf(step);
      if (!job) return { to: 'pending', evidence: 'the playbook run never started' };
      const state = await jobState(ctx, job);
      if (state === 'absent') return { to: 'pending', evidence: 'the playbook run never started' };
      const run = await resumePlaybook(ctx, id, job, ctx.session.cat.install().display);
      const result = outcome(run);
      if (result.status === 'succeeded') {
        const measured = id === 'reinstall' && ctx.plan().flow === 'migrate' && (await synapseActive(ctx, id)) ? await synapseDowntime(ctx) : {};
        return { to: 'succeeded', evidence: `the playbook run finished while the wizard was away (exit 0)`, outputs: { ...result.outputs, ...measured } };
      }
      // An install is safe to run again.
      return {
        to: 'pending',
        evidence: `the playbook run did not succeed (${result.status === 'failed' ? result.error.split('\n')[0] : 'unknown'}); it can simply run again`,
      };
    },
  };
}

export const install = installRunner('install');
export const reinstall = installRunner('reinstall');
