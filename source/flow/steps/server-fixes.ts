// Fixes the wizard runs on the server for a blocking finding (Finding.action), with consent
// (interactively, or answers `fix: [id]`). Each keeps what undoes it before it changes anything.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Finding } from '../../preflight/finding.js';
import { SYNAPSE_DB, sqlLiteral } from '../../playbook/commands.js';
import { stateDir } from '../../paths.js';
import type { Json } from '../../../state/plan.js';
import type { FlowContext } from '../context.js';
import { runPlanned } from '../exec.js';
import { NON_EMAIL_3PIDS, sqlClient } from './legacy-limits.js';

export type FixResult = { ok: true; outputs: Record<string, Json> } | { ok: false; error: string };

type Row = Record<(typeof NON_EMAIL_3PIDS.columns)[number], string | number | null>;

/** The file that puts the rows back: plain SQL, one INSERT per row, in a transaction. */
export function restoreSql(rows: readonly Row[], header: string[]): string {
  const cols = NON_EMAIL_3PIDS.columns;
  const values = rows.map((r) => `INSERT INTO user_threepids (${cols.join(', ')}) VALUES (${cols.map((c) => sqlLiteral(r[c] ?? null)).join(', ')});`);
  return `${header.map((h) => `-- ${h}`).join('\n')}\nBEGIN;\n${values.join('\n')}\nCOMMIT;\n`;
}

/** `(user_id, medium, address) IN (…)` for exactly the exported rows. */
export function deleteSql(rows: readonly Row[]): string {
  const keys = rows.map((r) => `(${sqlLiteral(String(r.user_id))}, ${sqlLiteral(String(r.medium))}, ${sqlLiteral(String(r.address))})`);
  return `DELETE FROM user_threepids WHERE ${NON_EMAIL_3PIDS.where} AND (user_id, medium, address) IN (${keys.join(', ')})`;
}

/**
 * Non-email 3PIDs on the legacy generation: export them to a 0600 file on this machine first
 * (written before anything is deleted), then delete exactly the exported rows from Synapse.
 * The file is the undo: run on the Synapse database, it inserts them again.
 */
async function removeNonEmail3pids(ctx: FlowContext): Promise<FixResult> {
  const s = ctx.session;
  const cols = NON_EMAIL_3PIDS.columns.join(', ');
  const select = s.cat.sql(
    SYNAPSE_DB,
    `SELECT coalesce(json_agg(t ORDER BY t.user_id, t.medium, t.address), '[]'::json) FROM (SELECT ${cols} FROM user_threepids WHERE ${NON_EMAIL_3PIDS.where}) t`,
  );
  const read = await runPlanned(ctx, select, { step: 'prerequisites', privateOutput: "users' phone numbers; they go to the export file only" });
  let rows: Row[];
  try {
    if (read.code !== 0) throw new Error(read.output.trim() || `exit ${read.code}`);
    rows = JSON.parse(read.output.trim().split('\n').pop() ?? '') as Row[];
    if (!Array.isArray(rows)) throw new Error('not a list');
  } catch (error) {
    return { ok: false, error: `could not export the non-email 3PIDs (${(error as Error).message}); nothing was deleted` };
  }
  if (rows.length === 0) return { ok: true, outputs: { rows: 0 } };
  const dir = path.join(stateDir(), 'exports');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${ctx.plan().id}-non-email-3pids-${ctx.now().replace(/[:.]/g, '-')}.sql`);
  const restore = `${sqlClient(s.cat)} < ${path.basename(file)}`;
  writeFileSync(
    file,
    restoreSql(rows, [
      `${rows.length} non-email 3PID(s) (${cols}) the wizard removed from Synapse's user_threepids at ${ctx.now()} (plan ${ctx.plan().id}),`,
      'because the legacy syn2mas (MAS ≤ 0.15) stops half-way on them in a real run.',
      `To put them back, copy this file to the server and run it on the Synapse database: ${restore}`,
    ]),
    { mode: 0o600, flag: 'wx' },
  );
  ctx.io.say(`Exported ${rows.length} non-email 3PID(s) to ${file} (mode 0600).`, 'ok');
  // The DELETE names each address: masked wherever it is shown or logged, like a secret.
  for (const r of rows) ctx.addSecret(String(r.address), 'non-email 3PID address');
  const del = await runPlanned(ctx, s.cat.sql(SYNAPSE_DB, deleteSql(rows)), { step: 'prerequisites' });
  if (del.code !== 0)
    return { ok: false, error: `deleting the exported non-email 3PIDs failed (${del.output.trim() || `exit ${del.code}`}); the export ${file} is kept` };
  ctx.io.say(
    `Removed them from Synapse. To put them back (after the migration, or if you change your mind), copy ${file} to the server and run: ${restore}`,
    'ok',
  );
  return { ok: true, outputs: { rows: rows.length, file, restore } };
}

const FIXES: Record<string, (ctx: FlowContext) => Promise<FixResult>> = {
  'db.non-email-3pids': removeNonEmail3pids,
};

/** Runs the server fix of a finding that carries an `action`. */
export async function applyServerFix(ctx: FlowContext, finding: Finding): Promise<FixResult> {
  const fix = FIXES[finding.id];
  if (!finding.action || !fix) return { ok: false, error: `${finding.id} has no fix the wizard can run` };
  ctx.io.say(`Fixing ${finding.id}: ${finding.action.summary}.`);
  return fix(ctx);
}
