// The preflight report: JSON for machines (DESIGN.md contract), plain grouped text for people.
// Meaning is carried by words and symbols, never by colour alone (there is no colour here).
import { findingJson, type Finding, type Severity } from './finding.js';

export interface PreflightReport {
  ready: boolean;
  findings: Finding[];
}

const ORDER: Severity[] = ['block', 'warn', 'info'];

export function makeReport(findings: Finding[]): PreflightReport {
  const sorted = [...findings].sort((a, b) => ORDER.indexOf(a.severity) - ORDER.indexOf(b.severity));
  return { ready: !sorted.some((f) => f.severity === 'block'), findings: sorted };
}

/** Exit status of `mas-wizard preflight`: 0 ready, 3 blockers. */
export const exitCode = (r: PreflightReport): number => (r.ready ? 0 : 3);

export function reportJson(r: PreflightReport): string {
  return JSON.stringify({ ready: r.ready, findings: r.findings.map(findingJson) }, null, 2) + '\n';
}

const HEAD: Record<Severity, [string, string]> = {
  block: ['BLOCKERS — must be fixed before MAS can be enabled or syn2mas run', '✗ BLOCK'],
  warn: ['WARNINGS — works, with a breakage you must accept', '! WARN '],
  info: ['INFO', 'i INFO '],
};

const indent = (text: string, pad: string) =>
  text
    .split('\n')
    .map((l) => pad + l)
    .join('\n');

export function reportText(r: PreflightReport, subject: string): string {
  const out: string[] = [`Preflight: ${subject}`, ''];
  for (const severity of ORDER) {
    const group = r.findings.filter((f) => f.severity === severity);
    if (!group.length) continue;
    out.push(`${HEAD[severity][0]} (${group.length})`);
    for (const f of group) {
      out.push(`  ${HEAD[severity][1]} ${f.title}  [${f.id}]`, `      at: ${f.source}`, indent(f.detail, '      '), indent(`fix: ${f.fix}`, '      '));
      if (f.edits?.length) out.push(`      (the wizard can apply this: ${f.edits.map((e) => `${e.op} ${e.key}`).join(', ')})`);
      out.push('');
    }
  }
  const blocks = r.findings.filter((f) => f.severity === 'block').length;
  out.push(r.ready ? 'Result: READY — no blockers.' : `Result: NOT READY — ${blocks} blocker${blocks === 1 ? '' : 's'}.`);
  return out.join('\n') + '\n';
}
