// The MAS config.yaml the lab's role renders, and the database it points at.
import { existsSync } from 'node:fs';
import { CliError, Db, readYaml } from './context.js';

export interface MasConfig {
  raw: Record<string, any>;
  db: Db;
  homeserver: string;
  endpoint: string;
  issuer: string;
  schemes: Array<{ version: number; algorithm: string; secret?: string }>;
  minimumComplexity: number;
  providers: Array<Record<string, any>>;
}

export function loadMasConfig(file: string): MasConfig {
  if (!existsSync(file)) throw new CliError(`failed to load config`, [`Failed to read file "${file}"`, 'No such file or directory (os error 2)']);
  const raw = readYaml(file);
  const d = raw.database ?? {};
  if (!d.host || !d.database) throw new CliError('failed to load config', ['missing field `database`']);
  return {
    raw,
    db: new Db({ host: String(d.host), port: Number(d.port ?? 5432), user: String(d.username ?? 'postgres'), database: String(d.database) }),
    homeserver: String(raw.matrix?.homeserver ?? ''),
    endpoint: String(raw.matrix?.endpoint ?? ''),
    issuer: String(raw.http?.issuer ?? raw.http?.public_base ?? ''),
    schemes: (raw.passwords?.schemes ?? []) as MasConfig['schemes'],
    minimumComplexity: Number(raw.passwords?.minimum_complexity ?? 3),
    providers: (raw.upstream_oauth2?.providers ?? []) as MasConfig['providers'],
  };
}
