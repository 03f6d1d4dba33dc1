// MAS `secrets.encryption`: 32 random bytes as 64 hex characters (mas.md §2). It encrypts
// columns in the MAS database, so it must never change after first start and never be shown
// again once entered. Messages here describe a bad value without ever quoting it.
import { randomBytes } from 'node:crypto';
import type { VarsEdit } from '../playbook/vars-edit.js';
import type { Finding } from '../preflight/finding.js';
import { isAnsibleReference } from './jinja-raw.js';

export const SECRET_KEY = 'matrix_authentication_service_config_secrets_encryption';

/** A fresh key from the OS CSPRNG, the same shape as `openssl rand -hex 32`. */
export function generateSecret(): string {
  return randomBytes(32).toString('hex');
}

export type SecretCheck = { ok: true; kind: 'hex' | 'reference' } | { ok: false; problem: string };

/**
 * Check an entered value. Surrounding whitespace is dropped first (a terminal paste often
 * carries a newline); anything inside must be exactly 64 hex characters, or a whole-value
 * Ansible reference such as `{{ vault_mas_secret }}`.
 */
export function checkSecret(input: string): SecretCheck {
  const value = input.trim();
  if (value.length === 0) return { ok: false, problem: 'the value is empty' };
  if (isAnsibleReference(value)) return { ok: true, kind: 'reference' };
  if (value.startsWith('!vault')) {
    return {
      ok: false,
      problem:
        'a !vault block cannot be pasted here: put it in vars.yml yourself (the wizard keeps it as it is), or reference a vaulted variable as {{ vault_… }}',
    };
  }
  const bad = [...value].findIndex((c) => !/[0-9a-fA-F]/.test(c));
  if (bad >= 0) {
    const what = /\s/.test(value[bad]) ? 'whitespace' : 'a non-hex character';
    return { ok: false, problem: `${what} at position ${bad + 1} (only 0-9 and a-f are allowed)` };
  }
  if (value.length !== 64) {
    return { ok: false, problem: `length ${value.length}, expected exactly 64 hex characters (32 bytes)` };
  }
  return { ok: true, kind: 'hex' };
}

/** What vars.yml already holds under SECRET_KEY, as the vars reader saw it. */
export interface ExistingSecret {
  /** YAML tag of the node, e.g. "!vault". */
  tag?: string;
  /** The scalar's value; for a !vault node its ciphertext (never inspected). */
  value: unknown;
}

export type ExistingSecretState = 'missing' | 'vault' | 'reference' | 'valid' | 'invalid';

/** Classify the current value so the screen can offer "keep the existing value". */
export function existingSecretState(existing: ExistingSecret | undefined): ExistingSecretState {
  if (!existing || existing.value === undefined || existing.value === null || existing.value === '') return 'missing';
  if (existing.tag === '!vault') return 'vault';
  if (typeof existing.value !== 'string') return 'invalid';
  const check = checkSecret(existing.value);
  if (!check.ok) return 'invalid';
  return check.kind === 'reference' ? 'reference' : 'valid';
}

export type SecretChoice = { kind: 'generate' } | { kind: 'paste'; value: string } | { kind: 'reference'; value: string } | { kind: 'keep-existing' };

export interface SecretPlan {
  edits: VarsEdit[];
  /** Values the caller must hand to the redactor before anything is logged. */
  secrets: string[];
}

/**
 * Turn the operator's choice into the vars.yml change. Throws with the reason (never the
 * value) when a pasted value or reference is not acceptable.
 */
export function planSecret(choice: SecretChoice, generate: () => string = generateSecret): SecretPlan {
  const comment = 'MAS encryption key: never change it after MAS first starts';
  switch (choice.kind) {
    case 'keep-existing':
      return { edits: [], secrets: [] };
    case 'generate': {
      const value = generate();
      return { edits: [{ op: 'set', key: SECRET_KEY, value, comment }], secrets: [value] };
    }
    case 'paste':
    case 'reference': {
      const value = choice.value.trim();
      const check = checkSecret(value);
      if (!check.ok) throw new Error(`${SECRET_KEY}: ${check.problem}`);
      const wanted = choice.kind === 'paste' ? 'hex' : 'reference';
      if (check.kind !== wanted) {
        throw new Error(`${SECRET_KEY}: expected ${wanted === 'hex' ? '64 hex characters' : 'a {{ variable }} reference'}`);
      }
      return {
        edits: [{ op: 'set', key: SECRET_KEY, value, comment }],
        secrets: check.kind === 'hex' ? [value] : [],
      };
    }
  }
}

/** Preflight finding for a bad value already in vars.yml (id from DESIGN.md). */
export function secretFinding(problem: string, source: string): Finding {
  return {
    id: 'mas.secret-invalid',
    severity: 'block',
    title: 'The MAS encryption secret is not valid',
    detail: `${SECRET_KEY}: ${problem}. The playbook refuses a value that is not 64 characters, and MAS refuses one that is not 32 bytes of hex.`,
    fix: "Generate a new one in the wizard's secret step (or `openssl rand -hex 32`) — only if MAS has never started with the old value.",
    source,
  };
}
