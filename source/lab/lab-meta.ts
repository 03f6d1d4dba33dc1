// <lab>/lab.json: what a lab is (generation, names, where its database lives). Written once at
// creation; read by lab.ts, by the fault switches and by the server-side stand-ins.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { PgCluster } from './postgres.js';
import { packageRoot } from '../paths.js';

export type Generation = 'current' | 'legacy';
export const MAS_VERSION: Record<Generation, string> = { current: '1.23.0', legacy: '0.15.0' };

/** The lab's asset tree (playbook overlay, SQL) inside the mas-wizard checkout. */
export function assetsDir(): string {
  return path.join(packageRoot(), 'source', 'lab', 'assets');
}

export const labMetaSchema = z.object({
  format: z.literal(1),
  generation: z.enum(['current', 'legacy']),
  host: z.string(),
  domain: z.string(),
  pgDir: z.string(),
  socketDir: z.string(),
  pgPort: z.number().int(),
  /** The mas-wizard checkout whose dist/ and node_modules/ the server stand-ins run from. */
  packageRoot: z.string(),
  node: z.string(),
  /** `lab reset --scenario` names this lab was built with (see scenarios.ts). */
  scenarios: z.array(z.string()).default([]),
  /** A rehearsal (`lab reset --playbook DIR`): the checkout copied, and its MAS version. */
  rehearsal: z.object({ source: z.string(), masVersion: z.string(), vars: z.string().optional() }).optional(),
  /** Who dump-all writes as (matrix-user.ts); absent in labs built before it existed. */
  matrixUser: z.object({ name: z.string(), separate: z.boolean(), degraded: z.string() }).optional(),
});
export type LabMeta = z.infer<typeof labMetaSchema>;

export function metaFile(dir: string): string {
  return path.join(dir, 'lab.json');
}

export function readMeta(dir: string): LabMeta {
  const file = metaFile(dir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${dir} is not a mas-wizard lab (no lab.json); create one with: mas-wizard lab reset --yes`);
  }
  const parsed = labMetaSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

export function writeMeta(dir: string, meta: LabMeta): void {
  writeFileSync(metaFile(dir), `${JSON.stringify(meta, null, 2)}\n`, { mode: 0o644 });
}

export function clusterOf(meta: LabMeta): PgCluster {
  return { pgDir: meta.pgDir, socketDir: meta.socketDir, port: meta.pgPort };
}
