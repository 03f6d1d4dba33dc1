// The redactor must not hide what an operator needs to read: a finding id whose name contains a
// secret word (`mas.secret-invalid`) is followed by its explanation, not by a secret. Found by the
// canary runs, where `✖ [block] mas.secret-invalid: ‹redacted›` hid the reason for a blocker.
// Ansible's own variable and task file names that begin like a MAS token stay readable too.
// Secrets under real keys, and real token shapes, stay masked.
import { describe, expect, it } from 'vitest';
import { MASK, Redactor } from '../../source/logs/redact.js';
import { outcome } from '../harness/faults.js';

describe('redaction keeps finding explanations readable', () => {
  const r = new Redactor();
  it.each([
    '✖ [block] mas.secret-invalid: The MAS encryption secret is not 64 hex characters (vars.yml:12)',
    '⚠ [warn] synapse.password-provider.shared-secret-auth: Synapse uses the shared-secret password provider',
    '✖ [block] synapse.password-provider.ldap: LDAP logins need MAS upstream configuration',
    // Ansible output of the playbook's own role: variable and task file names that start like a MAS token.
    'included: /srv/playbook/roles/custom/matrix-authentication-service/tasks/mas_cli_syn2mas.yml for matrix.example.org',
    '    matrix_authentication_service_mas_cli_syn2mas_command_result:',
  ])('%s', (line) => {
    expect(r.redact(line)).toBe(line);
  });

  it.each([
    ['client-secret: abc123', `client-secret: ${MASK}`],
    ['mas.secret: abc123', `mas.secret: ${MASK}`],
    ['  password: hunter2', `  password: ${MASK}`],
    ['synapse.password: hunter2', `synapse.password: ${MASK}`],
    ['leaked syt_YWxpY2U_HdKXhVkKXOdVzpyQzWGf_3L5ZkR.', `leaked ${MASK}.`],
    ['Bearer-less mat_0123456789abcdefABCDEF0123456_1a2b3c in a log', `Bearer-less ${MASK} in a log`],
  ])('still masks %s', (line, masked) => {
    expect(r.redact(line)).toBe(masked);
    outcome('redaction', `"${line}" → "${masked}"`);
  });
});
