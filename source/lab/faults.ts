// Fault switches of one practice lab, kept in <lab>/faults.json. The lab's server scripts
// (source/lab/server/*) and its Ansible strategy plugin read this file on every run, so a
// test can flip a switch between two steps without rebuilding the lab.
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { syncDataFaults } from './data-faults.js';

export interface LabFaults {
  /** Name of an Ansible task that fails (as shown after TASK [...], without the role prefix). */
  failTask?: string;
  /** Each long server script (syn2mas, doctor, dump-all) sleeps this long before working. */
  slowMs?: number;
  /** Long server scripts stop printing half-way (mid-line); the work and exit status are kept. */
  truncateOutput?: boolean;
  /** Long server scripts first print `lines` numbered lines at `linesPerSecond` (a step whose log floods the screen). */
  flood?: { lines: number; linesPerSecond: number };
  /** The MAS database holds a user before syn2mas (someone registered too early). */
  masDbNotEmpty?: boolean;
  /** Synapse holds users linked to an OIDC provider its config does not know ('oidc-github'). */
  unmappedOidc?: boolean;
  /** Synapse holds a user of another server name (@mallory:other.example). */
  foreignUsers?: boolean;
  /** `systemctl start matrix-synapse` fails. */
  synapseRefusesStart?: boolean;
}

export const labFaultsSchema = z.strictObject({
  failTask: z.string().min(1).optional(),
  slowMs: z.number().int().min(0).max(600_000).optional(),
  truncateOutput: z.boolean().optional(),
  flood: z.strictObject({ lines: z.number().int().min(1).max(10_000_000), linesPerSecond: z.number().int().min(1).max(1_000_000) }).optional(),
  masDbNotEmpty: z.boolean().optional(),
  unmappedOidc: z.boolean().optional(),
  foreignUsers: z.boolean().optional(),
  synapseRefusesStart: z.boolean().optional(),
});

export function faultsFile(dir: string): string {
  return path.join(dir, 'faults.json');
}

export function parseFaults(text: string, where: string): LabFaults {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where}: not valid JSON (${(error as Error).message})`);
  }
  const result = labFaultsSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(`${where}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  return result.data;
}

export function readFaults(dir: string): LabFaults {
  const file = faultsFile(dir);
  if (!existsSync(file)) return {};
  return parseFaults(readFileSync(file, 'utf8'), file);
}

/**
 * Validates and writes the switches (atomic rename), then brings the lab's databases in line
 * with the data faults (masDbNotEmpty, unmappedOidc, foreignUsers), so server probes see them too.
 * Bad input throws before anything is written.
 */
/** Every task name in the lab's playbook checkout (`- name: …` lines of its YAML files). */
function taskNames(dir: string): Set<string> {
  const names = new Set<string>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const file = path.join(d, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (/\.ya?ml$/.test(entry.name)) {
        for (const m of readFileSync(file, 'utf8').matchAll(/^\s*- name:\s*"?(.*?)"?\s*$/gm)) names.add(m[1]!);
      }
    }
  };
  walk(path.join(dir, 'playbook'));
  return names;
}

export function writeFaults(dir: string, faults: LabFaults): void {
  const parsed = parseFaults(JSON.stringify(faults), 'faults');
  // A failTask naming no task would fail nothing, and a test relying on it would pass for nothing.
  if (parsed.failTask && existsSync(path.join(dir, 'playbook')) && !taskNames(dir).has(parsed.failTask)) {
    throw new Error(`faults.failTask: no task named "${parsed.failTask}" in the lab's playbook (${path.join(dir, 'playbook')})`);
  }
  const file = faultsFile(dir);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(parsed, null, 2)}\n`, { mode: 0o644 });
  renameSync(tmp, file);
  syncDataFaults(dir, parsed);
}
