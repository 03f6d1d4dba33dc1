// What the legacy syn2mas (npm @vector-im/syn2mas ≤ 0.15, the legacy playbook's tool) cannot
// survive, said before anything runs. In a REAL run it turns every per-user warning (a phone
// number, a missing refresh token) into a fatal error and stops half-way, with the users
// processed so far already written to MAS (MAS issue #3479) — although its dry run passes.
import type { Finding } from '../../preflight/finding.js';
import type { Generation } from '../../playbook/checkout.js';

export const LEGACY_WARNINGS_FATAL = 'the legacy syn2mas (MAS ≤ 0.15) turns every per-user warning into a fatal error in the real run and stops half-way, leaving the users processed so far in MAS (MAS issue #3479), although its dry run passes';

const PHONES_FIX = 'Either move the checkout to the current playbook generation (MAS ≥ 0.16: its syn2mas keeps phone numbers aside and goes on), '
  + 'or, after noting them (SELECT user_id, medium, address FROM user_threepids WHERE medium <> \'email\'), remove them from Synapse: '
  + '/matrix/postgres/bin/cli-non-interactive -d synapse -c "DELETE FROM user_threepids WHERE medium <> \'email\'" — then run the wizard again.';

/** Findings as they weigh on this generation: on legacy, phone numbers block (they cannot be accepted). */
export function forGeneration(findings: Finding[], generation: Generation): Finding[] {
  if (generation !== 'legacy') return findings;
  return findings.map((f) => (f.id === 'db.non-email-3pids'
    ? { ...f, severity: 'block' as const, detail: `${f.detail} On this playbook generation that is not a warning: ${LEGACY_WARNINGS_FATAL}.`, fix: PHONES_FIX, edits: undefined }
    : f));
}
