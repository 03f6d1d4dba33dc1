// What the legacy syn2mas (npm @vector-im/syn2mas ≤ 0.15, the legacy playbook's tool) cannot
// survive, said before anything runs. In a REAL run it turns every per-user warning (a phone
// number, a missing refresh token) into a fatal error and stops half-way, with the users
// processed so far already written to MAS (MAS issue #3479) — although its dry run passes.
import type { Finding } from '../../preflight/finding.js';
import type { Generation } from '../../playbook/checkout.js';
import { SYNAPSE_DB, type Catalogue } from '../../playbook/commands.js';

export const LEGACY_WARNINGS_FATAL = 'the legacy syn2mas (MAS ≤ 0.15) turns every per-user warning into a fatal error in the real run and stops half-way, leaving the users processed so far in MAS (MAS issue #3479), although its dry run passes';

/** The way out for phone numbers on legacy; the SQL command comes from the catalogue (the server's own psql path). */
function phonesFix(cat: Catalogue): string {
  return 'Either move the checkout to the current playbook generation (MAS ≥ 0.16: its syn2mas keeps phone numbers aside and goes on), '
    + 'or, after noting them (SELECT user_id, medium, address FROM user_threepids WHERE medium <> \'email\'), remove them from Synapse: '
    + `DELETE FROM user_threepids WHERE medium <> 'email' on the Synapse database (${sqlClient(cat)} -c "…") — then run the wizard again.`;
}

/** The server's SQL client for the Synapse database as the catalogue runs it, without the query. */
function sqlClient(cat: Catalogue): string {
  const display = cat.sql(SYNAPSE_DB, 'SELECT 1').display;
  return display.slice(0, display.lastIndexOf(' -c '));
}

/** Findings as they weigh on this generation: on legacy, phone numbers block (they cannot be accepted). */
export function forGeneration(findings: Finding[], generation: Generation, cat: Catalogue): Finding[] {
  if (generation !== 'legacy') return findings;
  const PHONES_FIX = phonesFix(cat);
  return findings.map((f) => (f.id === 'db.non-email-3pids'
    ? { ...f, severity: 'block' as const, detail: `${f.detail} On this playbook generation that is not a warning: ${LEGACY_WARNINGS_FATAL}.`, fix: PHONES_FIX, edits: undefined }
    : f));
}
