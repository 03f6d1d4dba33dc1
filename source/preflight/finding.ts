// The shape of a preflight finding (DESIGN.md contract: preflight --json).
import type { VarsEdit } from '../playbook/vars-edit.js';

export type Severity = 'block' | 'warn' | 'info';

export interface Finding {
  /** Stable id, e.g. "synapse.password-provider.ldap". Never rename the ids listed in DESIGN.md. */
  id: string;
  severity: Severity;
  title: string;
  detail: string;
  /** The exact fix, in words an operator can act on. */
  fix: string;
  /** Where it comes from: "inventory/host_vars/matrix.example.org/vars.yml:42", "server: postgres synapse.users", … */
  source: string;
  /** The vars.yml change that fixes it, when the wizard can apply it for the operator (with consent). */
  edits?: VarsEdit[];
  /**
   * A fix the wizard runs on the server instead (with consent, answers `fix:`): what it does, in
   * words, and the exact commands shown before they run. The flow knows how (flow/steps/server-fixes.ts).
   */
  action?: { summary: string; commands: string[] };
}

/** JSON form printed by `preflight --json`; `edits` and `action` stay internal. */
export function findingJson(f: Finding): Omit<Finding, 'edits' | 'action'> {
  return { id: f.id, severity: f.severity, title: f.title, detail: f.detail, fix: f.fix, source: f.source };
}
