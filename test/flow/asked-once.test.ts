// Issue 12: each fact asked once, and nothing asked inside the downtime window.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acceptedEarlier } from '../../source/flow/steps/syn2mas.js';
import { parseSyn2masOutput } from '../../source/parsers/syn2mas.js';
import { changeVars, sha256 } from '../../source/flow/steps/vars-change.js';
import { gateFacts } from '../../source/flow/driver.js';
import { deleteSql, restoreSql } from '../../source/flow/steps/server-fixes.js';
import { createPlan, reduce } from '../../state/reducer.js';
import type { FlowContext } from '../../source/flow/context.js';
import type { Plan } from '../../state/plan.js';

// MAS's own words (crates/syn2mas/src/synapse_reader/checks.rs), as the lab's syn2mas prints them.
const REPORT = `

===== Warnings =====
These potential issues should be considered before migrating from Synapse to MAS right now:

• Synapse database contains 2 guests which will be migrated are not supported by MAS. See https://github.com/element-hq/matrix-authentication-service/issues/1445

• Synapse database contains 1 non-email 3PIDs (probably phone numbers), which will be migrated but are not supported by MAS.

• Synapse config has registration enabled. This must be disabled after migration before bringing Synapse back online.

`;

describe('a syn2mas warning that restates a finding accepted in the prerequisites is not asked again', () => {
  const warnings = parseSyn2masOutput(REPORT).warnings;
  it('non-email 3PIDs ↔ db.non-email-3pids and guests ↔ db.guests-present; the rest is still asked', () => {
    expect(warnings).toHaveLength(3);
    const { earlier, ask } = acceptedEarlier(warnings, ['db.non-email-3pids', 'db.guests-present']);
    expect(earlier.map((w) => w.kind).sort()).toEqual(['db.guests-present', 'db.non-email-3pids']);
    expect(ask.map((w) => w.text)).toEqual([expect.stringContaining('registration enabled')]);
    expect(acceptedEarlier(warnings, []).ask).toHaveLength(3);
  });
});

describe('the gate shows the dry run it rests on', () => {
  it('counts, measured time and estimate from the dry-run record; accepted warnings from the prerequisites and the check', () => {
    let plan: Plan = createPlan({ id: 'p', flow: 'migrate', serverName: 'example.org', host: 'h', generation: 'current', at: 't0' });
    const done = (step: Plan['steps'][number]['id'], outputs: Record<string, never> | Record<string, unknown>, extra: object = {}) => {
      plan = reduce(plan, { type: 'step-started', at: 't', step });
      plan = reduce(plan, { type: 'step-succeeded', at: 't', step, outputs: outputs as never, ...extra });
    };
    done('prerequisites', { accepted: ['db.non-email-3pids'] });
    for (const s of ['secret', 'url', 'providers', 'mark-migration', 'install'] as const) done(s, {});
    done('backup', {}, { backup: { path: '/b', sizeBytes: 1, sha256: 'a'.repeat(64), verifiedAt: 't' } });
    done('syn2mas-check', { accepted_warnings: ['syn2mas: Synapse config has registration enabled.'], accepted_earlier: ['db.non-email-3pids'] });
    done(
      'dry-run',
      {},
      {
        dryRun: {
          configHash: 'h',
          passedAt: 't',
          counts: { users: 6, threepids: 5 },
          timings: { users: 0.1, measured_seconds: 1.2, downtime_estimate_seconds: 62 },
        },
      },
    );
    expect(gateFacts(plan)).toEqual({
      counts: { users: 6, threepids: 5 },
      measuredSeconds: 1.2,
      estimateSeconds: 62,
      accepted: ['db.non-email-3pids', 'syn2mas: Synapse config has registration enabled.'],
    });
  });
});

/** A FlowContext with just what changeVars and the cut-over use; every question is recorded. */
function fakeContext(varsFile: string) {
  const asked: string[] = [];
  const said: string[] = [];
  let plan: Plan = createPlan({ id: 'p', flow: 'migrate', serverName: 'example.org', host: 'h', generation: 'current', at: 't0' });
  const ctx = {
    session: { varsFile, varsLabel: 'vars.yml', layers: () => [{ kind: 'vars', file: varsFile, parsed: { values: {} } }] },
    io: {
      say: (t: string) => {
        said.push(t);
      },
      reviewDiff: async (q: { key: string }) => {
        asked.push(q.key);
        return true;
      },
    },
    transcript: { note: () => undefined },
    dispatch: (e: never) => {
      plan = reduce(plan, e);
      return plan;
    },
    plan: () => plan,
    now: () => '2026-01-01T00:00:00.000Z',
    varsHash: () => sha256(readFileSync(varsFile, 'utf8')),
  } as unknown as FlowContext;
  return {
    ctx,
    asked,
    said,
    setPlan: (p: Plan) => {
      plan = p;
    },
  };
}

describe('the cut-over diff is approved before the gate and written after it without asking', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'maswiz-cutover-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const edits = [{ op: 'remove' as const, key: 'matrix_authentication_service_migration_in_progress' }];

  it('unchanged vars.yml: the earlier approval writes it; nothing is asked', async () => {
    const file = path.join(dir, 'a.yml');
    writeFileSync(file, 'matrix_authentication_service_enabled: true\nmatrix_authentication_service_migration_in_progress: true\n');
    const { ctx, asked, said } = fakeContext(file);
    const { planVarsChange } = await import('../../source/playbook/vars-file.js');
    const change = await planVarsChange(file, edits);
    const r = await changeVars(ctx, 'cut-over', 'Cut over', edits, {
      varsHash: sha256(change.before),
      diffSha256: sha256(change.diff),
      when: 'before the migration',
    });
    expect(r.changed).toBe(true);
    expect(asked).toEqual([]);
    expect(said.join('\n')).toContain('writing the change you approved before the migration');
    expect(readFileSync(file, 'utf8')).not.toContain('migration_in_progress');
  });

  it('vars.yml edited since the approval: the operator is told why and sees the diff again', async () => {
    const file = path.join(dir, 'b.yml');
    writeFileSync(file, 'matrix_authentication_service_enabled: true\nmatrix_authentication_service_migration_in_progress: true\n');
    const { ctx, asked, said } = fakeContext(file);
    const { planVarsChange } = await import('../../source/playbook/vars-file.js');
    const change = await planVarsChange(file, edits);
    writeFileSync(file, `${readFileSync(file, 'utf8')}# an edit while Synapse was down\n`);
    await changeVars(ctx, 'cut-over', 'Cut over', edits, { varsHash: sha256(change.before), diffSha256: sha256(change.diff), when: 'before the migration' });
    expect(asked).toEqual(['cut-over']);
    expect(said.join('\n')).toContain('changed after you approved this change before the migration');
  });
});

describe('non-email 3PIDs: the export that puts them back, and a delete of exactly those rows', () => {
  const rows = [{ user_id: '@bob:example.org', medium: 'msisdn', address: "4479'00", validated_at: 1700000000000, added_at: null }];
  it('restore file: INSERTs of user, medium, address, validated_at, added_at in a transaction, quoted', () => {
    const sql = restoreSql(rows, ['header']);
    expect(sql).toBe(
      "-- header\nBEGIN;\nINSERT INTO user_threepids (user_id, medium, address, validated_at, added_at) VALUES ('@bob:example.org', 'msisdn', '4479''00', 1700000000000, NULL);\nCOMMIT;\n",
    );
  });
  it('delete: only the exported (user, medium, address) and never an email', () => {
    expect(deleteSql(rows)).toBe(
      "DELETE FROM user_threepids WHERE medium <> 'email' AND (user_id, medium, address) IN (('@bob:example.org', 'msisdn', '4479''00'))",
    );
  });
});
