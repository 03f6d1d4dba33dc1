// Prerequisites: the preflight rules on vars.yml plus the server probes. Blockers the
// wizard can fix are fixed with consent (answers `fix:`), warnings are accepted one by
// one (answers `accept:`); anything left blocks the plan before a single change is made.
import type { Finding } from '../../preflight/finding.js';
import { runRules } from '../../preflight/rules.js';
import { controllerFindings, installedAnsible } from '../../preflight/controller.js';
import { probeServer } from '../../preflight/probes.js';
import { isPlainObject, PROVIDERS_KEY } from '../../mas/providers.js';
import type { FlowContext } from '../context.js';
import type { StepOutcome, StepRunner } from './step.js';
import { changeVars, varsValues } from './vars-change.js';
import type { Session } from '../../session.js';
import { convertSynapseOidc } from '../../mas/oidc-convert.js';
import { effectiveBool } from '../../playbook/effective.js';
import { forGeneration } from './legacy-limits.js';
import { count, SYNAPSE_MIGRATABLE } from './verify.js';
import { passwordAdvice } from './users.js';
import { SYNAPSE_DB } from '../../playbook/commands.js';
import { applyServerFix } from './server-fixes.js';
import type { Json } from '../../../state/plan.js';

/** Findings a later step of the wizard resolves itself: shown, never blocking here. */
const LATER: Record<string, string> = {
  'mas.secret-invalid': 'secret',
  'mas.path-prefix-invalid': 'url',
  'mas.hostname-needs-dns': 'url',
  'synapse.oidc-needs-conversion': 'providers',
  'mas.provider-invalid': 'providers',
  'mas.unknown-provider-keys': 'providers',
};

/** The operators' guide ("Expectations"): said once, in the prerequisites list. */
export const DEPENDS_ON_MAS: Finding = {
  id: 'mas.synapse-depends-on-mas',
  severity: 'info',
  title: 'Synapse will depend on one more service',
  detail: 'Once logins are delegated, Synapse cannot log anyone in, refresh a session or check a token while matrix-authentication-service is down.',
  fix: 'Nothing to change; watch matrix-authentication-service.service as you watch Synapse (systemctl status, journalctl -fu matrix-authentication-service).',
  source: 'playbook docs: configuring-playbook-matrix-authentication-service.md, "Expectations"',
};

export async function collectFindings(ctx: FlowContext, options: { probe: boolean }): Promise<Finding[]> {
  const s = ctx.session;
  const layers = s.layers();
  const findings = [
    ...controllerFindings({ checkout: s.checkout, layers, installed: installedAnsible() }),
    ...runRules({ layers, checkout: s.checkout, generation: s.generation }),
    DEPENDS_ON_MAS,
  ];
  if (!options.probe) return findings;
  const values = varsValues(ctx);
  const providers = Array.isArray(values[PROVIDERS_KEY]) ? (values[PROVIDERS_KEY] as unknown[]) : [];
  // Users of a Synapse login provider the providers step will convert are not a blocker here;
  // users of one that is neither converted nor already in MAS are (db.external-ids-unmapped):
  // no later step can map them, and syn2mas would refuse after MAS was already installed.
  const synapseOidc = effectiveBool(s.layers(), 'matrix_synapse_oidc_enabled').value === true;
  const converted = synapseOidc ? convertSynapseOidc(values.matrix_synapse_oidc_providers, s.generation).converted.map((c) => c.synapseIdpId) : [];
  const probed = await probeServer(await s.server(), s.cat, {
    become: s.become,
    serverName: s.serverName,
    mappedIdps: [
      ...providers
        .filter(isPlainObject)
        .map((p) => p.synapse_idp_id)
        .filter((v): v is string => typeof v === 'string'),
      ...converted,
    ],
  });
  for (const c of probed.commands) ctx.transcript.note(`probe: ${c}`);
  ctx.io.say(
    `Services: ${Object.entries(probed.services)
      .map(([u, st]) => `${u} ${st}`)
      .join(', ')}`,
  );
  // Judged for this playbook generation: on legacy, phone numbers stop the real run (legacy-limits.ts).
  return forGeneration([...findings, ...probed.findings], s.generation, s.cat);
}

function line(f: Finding): string {
  return `[${f.severity}] ${f.id}: ${f.title} (${f.source})`;
}

/**
 * The new-homeserver flow installs MAS over an EMPTY Synapse: existing users would be left
 * without logins (nothing migrates them). And a first-admin password from the answers file
 * that MAS will refuse is said now, not after the install.
 */
async function newServerRefusals(ctx: FlowContext): Promise<string[]> {
  const reasons: string[] = [];
  const users = await count(ctx, SYNAPSE_DB, SYNAPSE_MIGRATABLE, 'prerequisites');
  if (users > 0)
    reasons.push(
      `Synapse already has ${users} user(s): mode new would switch logins to MAS without moving them, and they could no longer log in. Use mode: migrate for this server.`,
    );
  const password = ctx.answers?.first_admin?.password;
  if (password) {
    ctx.addSecret(password, 'first admin password');
    const advice = passwordAdvice(password);
    if (advice) reasons.push(`first_admin.password: ${advice}. Nothing was changed; choose a stronger one.`);
  }
  return reasons;
}

/**
 * Synapse's users that nothing but a migration would carry over, counted before any plan
 * exists (the first screen judges "new homeserver" with it). Returns the command shown.
 */
export async function synapseUserCount(s: Session): Promise<{ users: number; display: string }> {
  const planned = s.cat.sql(SYNAPSE_DB, SYNAPSE_MIGRATABLE);
  const r = await (await s.server()).run(planned.command, { become: Boolean(planned.become && s.become) });
  const users = Number(r.stdout.trim().split('\n').pop());
  if (r.code !== 0 || r.stdout.trim() === '' || !Number.isInteger(users))
    throw new Error(`cannot count Synapse's users (${planned.display}): ${r.stderr.trim() || `exit ${r.code}`}`);
  return { users, display: planned.display };
}

/**
 * What the server probes run, for `plan`: the same cli-non-interactive call with several
 * read-only SELECTs (each exact query is recorded in the transcript when it runs).
 */
export function probeDisplays(s: Session): string[] {
  const query = s.cat.sql('synapse', 'SELECT 1').display;
  return [
    `${query.slice(0, query.lastIndexOf(' -c ') + 4)}<read-only SELECTs on synapse and matrix_authentication_service>`,
    s.cat.service('is-active', 'matrix-synapse.service').display,
  ];
}

export const prerequisites: StepRunner = {
  id: 'prerequisites',
  commands: probeDisplays,
  async run(ctx): Promise<StepOutcome> {
    const inMigration = ctx.plan().flow === 'migrate';
    let findings = await collectFindings(ctx, { probe: true });
    const relevant = (f: Finding) => inMigration || !f.id.startsWith('db.') || f.id === 'db.mas-not-empty';
    findings = findings.filter(relevant);
    for (const f of findings) ctx.io.say(line(f), f.severity === 'block' ? 'error' : f.severity === 'warn' ? 'warn' : 'info');

    const later = findings.filter((f) => f.severity === 'block' && LATER[f.id]);
    for (const f of later) ctx.io.say(`${f.id} is handled in the "${LATER[f.id]}" step.`);
    const fixable = findings.filter((f) => f.severity === 'block' && !LATER[f.id] && (f.edits?.length || f.action));
    const warnings = findings.filter((f) => f.severity === 'warn');
    const chosen = fixable.length || warnings.length ? await ctx.io.findings({ fixable, warnings }) : { fix: [], accept: [] };

    const edits = fixable.filter((f) => chosen.fix.includes(f.id)).flatMap((f) => f.edits ?? []);
    const written = await changeVars(ctx, 'fix', 'Fixes for the prerequisites', edits);
    // Server fixes (Finding.action): each keeps its own undo before it changes anything.
    const serverFixed: Record<string, Json> = {};
    for (const f of fixable.filter((x) => chosen.fix.includes(x.id) && x.action)) {
      const done = await applyServerFix(ctx, f);
      if (!done.ok) return { status: 'failed', error: `${f.id}: ${done.error}` };
      serverFixed[f.id] = done.outputs;
    }
    if (written.changed || Object.keys(serverFixed).length) findings = (await collectFindings(ctx, { probe: true })).filter(relevant);

    const blockers = findings.filter((f) => f.severity === 'block' && !LATER[f.id]);
    const unaccepted = findings.filter((f) => f.severity === 'warn' && !chosen.accept.includes(f.id));
    const reasons = [
      ...blockers.map((f) => `${f.id}: ${f.title} — ${f.detail} ${f.fix}`),
      ...unaccepted.map((f) => `${f.id} (warning) is not accepted: ${f.title}. Accept it (answers \`accept: [${f.id}]\`) or fix it — ${f.fix}`),
    ];
    if (!inMigration) reasons.push(...(await newServerRefusals(ctx)));
    if (reasons.length) return { status: 'blocked', reasons };
    return {
      status: 'succeeded',
      outputs: {
        findings: findings.map((f) => ({ id: f.id, severity: f.severity })),
        fixed: fixable.filter((f) => chosen.fix.includes(f.id)).map((f) => f.id),
        accepted: warnings.map((f) => f.id),
        vars_changed: written.keys,
        ...(Object.keys(serverFixed).length ? { server_fixes: serverFixed } : {}),
      },
    };
  },
};
