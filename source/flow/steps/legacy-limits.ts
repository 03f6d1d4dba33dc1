// What the legacy syn2mas (npm @vector-im/syn2mas ≤ 0.15, the legacy playbook's tool) cannot
// survive, said before anything runs. In a REAL run it turns every per-user warning (a phone
// number, a missing refresh token) into a fatal error and stops half-way, with the users
// processed so far already written to MAS (MAS issue #3479) — although its dry run passes.
import type { Finding } from '../../preflight/finding.js';
import type { Generation } from '../../playbook/checkout.js';
import { SYNAPSE_DB, type Catalogue } from '../../playbook/commands.js';

export const LEGACY_WARNINGS_FATAL =
  'the legacy syn2mas (MAS ≤ 0.15) turns every per-user warning into a fatal error in the real run and stops half-way, leaving the users processed so far in MAS (MAS issue #3479), although its dry run passes';

/** The non-email 3PIDs the legacy tool would choke on, and the rows a restore puts back (same columns). */
export const NON_EMAIL_3PIDS = {
  columns: ['user_id', 'medium', 'address', 'validated_at', 'added_at'] as const,
  where: "medium <> 'email'",
};

/** What the wizard runs to remove them (flow/steps/server-fixes.ts), shown before it runs. */
export function phonesFixCommands(cat: Catalogue): string[] {
  const cols = NON_EMAIL_3PIDS.columns.join(', ');
  return [
    cat.sql(SYNAPSE_DB, `SELECT json_agg(…) FROM (SELECT ${cols} FROM user_threepids WHERE ${NON_EMAIL_3PIDS.where}) t`).display,
    cat.sql(SYNAPSE_DB, `DELETE FROM user_threepids WHERE ${NON_EMAIL_3PIDS.where} AND (user_id, medium, address) IN (<the exported rows>)`).display,
  ];
}

/** The way out for phone numbers on legacy; the SQL command comes from the catalogue (the server's own psql path). */
function phonesFix(cat: Catalogue): string {
  return (
    'Either move the checkout to the current playbook generation (MAS ≥ 0.16: its syn2mas keeps phone numbers aside and goes on), ' +
    'or let the wizard remove them from Synapse (answers `fix: [db.non-email-3pids]`): it first exports them (user, medium, address, validated_at, added_at) ' +
    'to a 0600 file on this machine that puts them back when run on the Synapse database, then runs ' +
    `DELETE FROM user_threepids WHERE medium <> 'email' for exactly those rows on the Synapse database (${sqlClient(cat)} -c "…").`
  );
}

/** The server's SQL client for the Synapse database as the catalogue runs it, without the query. */
export function sqlClient(cat: Catalogue): string {
  const display = cat.sql(SYNAPSE_DB, 'SELECT 1').display;
  return display.slice(0, display.lastIndexOf(' -c '));
}

/** The legacy tool's own words for a guest (migrate.mts @v0.15.0 L204), a FATAL in dry and real runs alike. */
export const LEGACY_GUEST_FATAL = 'Migration of guest users is not supported';

const GUESTS_FIX =
  'Move the checkout to the current playbook generation (MAS ≥ 0.16: its syn2mas copies guests into MAS, marked as guests), ' +
  'or, after noting them (SELECT name FROM users WHERE is_guest <> 0), deactivate or remove the guest accounts in Synapse — then run the wizard again.';

/**
 * Findings as they weigh on this generation. On legacy, phone numbers block (they cannot be
 * accepted), and so do guests: the legacy syn2mas stops with "Migration of guest users is not
 * supported: <id>" (exit 1) at the first one, in the real run after the users before it were written.
 */
export function forGeneration(findings: Finding[], generation: Generation, cat: Catalogue): Finding[] {
  if (generation !== 'legacy') return findings;
  const PHONES_FIX = phonesFix(cat);
  return findings.map((f) => {
    if (f.id === 'db.non-email-3pids') {
      return {
        ...f,
        severity: 'block' as const,
        detail: `${f.detail} On this playbook generation that is not a warning: ${LEGACY_WARNINGS_FATAL}.`,
        fix: PHONES_FIX,
        edits: undefined,
        action: {
          summary: 'export the non-email 3PIDs to a 0600 file on this machine, then delete exactly those rows from Synapse',
          commands: phonesFixCommands(cat),
        },
      };
    }
    if (f.id === 'db.guests-present') {
      return {
        ...f,
        severity: 'block' as const,
        detail: `${f.detail.replace(/ will be migrated.*$/, '')} exist. The legacy syn2mas (MAS ≤ 0.15) cannot migrate them: it stops with "${LEGACY_GUEST_FATAL}: <user>" at the first guest, in the real run after the users before it were already written to MAS.`,
        fix: GUESTS_FIX,
        edits: undefined,
      };
    }
    return f;
  });
}
