// The JSON shapes of `plan --json` and `status --json` (DESIGN.md contract), and the
// final summary of what changed on the server and in vars.yml.
import type { Json, Plan } from '../../state/plan.js';
import { createPlan } from '../../state/reducer.js';
import { stepDefinition, type Flow } from '../../state/steps.js';
import type { Session } from '../session.js';
import { RUNNERS } from './steps/index.js';

export interface PlanView {
  server_name: string;
  generation: string;
  flow: Flow;
  steps: {
    id: string;
    title: string;
    status: string;
    irreversible: boolean;
    commands: string[];
    outputs?: Record<string, Json>;
    error?: string;
    note?: string;
  }[];
  summary?: Summary;
}

export interface Summary {
  synapse_users: number | null;
  mas_users: number | null;
  admins: string[];
  oidc_links: number | null;
  doctor: { ok: number; warn: number; fail: number } | null;
  vars_changed: string[];
  /** Seconds from Synapse's stop by the migration to its start after the reinstall, from the server's systemd (null: not measured). */
  synapse_downtime_s: number | null;
}

/** A plan not started yet: every step pending (used by `plan` before the first run). */
export function freshPlan(session: Session, flow: Flow): Plan {
  return createPlan({
    id: 'not-started',
    flow,
    serverName: session.serverName,
    host: session.host.name,
    generation: session.generation,
    at: new Date().toISOString(),
  });
}

function commandsOf(session: Session | null, plan: Plan, id: Plan['steps'][number]['id'], recorded: string[]): string[] {
  if (recorded.length || !session) return recorded;
  try {
    return RUNNERS[id].commands(session);
  } catch (error) {
    return [`(not available: ${(error as Error).message})`];
  }
}

const num = (v: Json | undefined): number | null => (typeof v === 'number' ? v : null);

export function summary(plan: Plan): Summary | undefined {
  if (plan.steps.some((s) => s.status !== 'succeeded' && s.status !== 'skipped')) return undefined;
  const out = (id: string) => plan.steps.find((s) => s.id === id)?.outputs ?? {};
  const verify = out('verify');
  const users = plan.flow === 'migrate' ? out('users') : out('first-admin');
  const doctor = verify.doctor && typeof verify.doctor === 'object' && !Array.isArray(verify.doctor) ? (verify.doctor as Record<string, Json>) : null;
  const changed = new Set<string>();
  for (const s of plan.steps) {
    const v = s.outputs.vars_changed;
    if (Array.isArray(v)) for (const k of v) if (typeof k === 'string') changed.add(k);
  }
  return {
    synapse_users: num(verify.synapse_users),
    mas_users: num(users.mas_users) ?? num(verify.mas_users),
    admins: Array.isArray(users.admins) ? users.admins.filter((a): a is string => typeof a === 'string') : [],
    oidc_links: num(users.oidc_links),
    doctor: doctor ? { ok: num(doctor.ok) ?? 0, warn: num(doctor.warn) ?? 0, fail: num(doctor.fail) ?? 0 } : null,
    vars_changed: [...changed].sort(),
    synapse_downtime_s: num(out('reinstall').synapse_downtime_s),
  };
}

export function planView(plan: Plan, session: Session | null, options: { withOutputs: boolean }): PlanView {
  const view: PlanView = {
    server_name: plan.serverName,
    generation: plan.generation,
    flow: plan.flow,
    steps: plan.steps.map((s) => ({
      id: s.id,
      title: stepDefinition(s.id).title,
      status: s.status,
      irreversible: stepDefinition(s.id).irreversible,
      commands: commandsOf(session, plan, s.id, s.commands),
      ...(options.withOutputs ? { outputs: s.outputs, ...(s.error ? { error: s.error } : {}), ...(s.note ? { note: s.note } : {}) } : {}),
    })),
  };
  if (options.withOutputs) {
    const sum = summary(plan);
    if (sum) view.summary = sum;
  }
  return view;
}

const MARK: Record<string, string> = { pending: '·', running: '▶', succeeded: '✔', failed: '✖', skipped: '–', 'needs-check': '?' };

export function planText(view: PlanView): string {
  const lines = [`${view.flow === 'migrate' ? 'Migrate Synapse to MAS' : 'New homeserver with MAS'} — ${view.server_name} (${view.generation} playbook)`, ''];
  for (const s of view.steps) {
    lines.push(`${MARK[s.status] ?? ' '} ${s.id.padEnd(14)} ${s.status.padEnd(11)} ${s.title}${s.irreversible ? '  [cannot be undone]' : ''}`);
    for (const c of s.commands) lines.push(`      $ ${c}`);
    if (s.error) lines.push(`      error: ${s.error.split('\n').join('\n             ')}`);
    if (s.note) lines.push(`      note: ${s.note}`);
  }
  if (view.summary) {
    const sm = view.summary;
    lines.push(
      '',
      'Summary:',
      `  Synapse users migrated: ${sm.synapse_users ?? 'n/a'}   MAS users: ${sm.mas_users ?? 'n/a'}   upstream links: ${sm.oidc_links ?? 'n/a'}`,
      `  admins: ${sm.admins.join(', ') || 'none'}`,
      `  doctor: ${sm.doctor ? `${sm.doctor.ok} ✅ ${sm.doctor.warn} ⚠️ ${sm.doctor.fail} ❌` : 'n/a'}`,
      `  vars.yml keys changed: ${sm.vars_changed.join(', ') || 'none'}`,
      ...(view.flow === 'migrate' ? [`  Synapse downtime: ${sm.synapse_downtime_s === null ? 'not measured' : `${sm.synapse_downtime_s} s`}`] : []),
    );
  }
  return `${lines.join('\n')}\n`;
}
