// Data faults live in the databases (not only in faults.json), so every reader sees them:
// the wizard's own SQL probes, syn2mas, mas-cli. Switching a fault off removes its rows again.
import { clusterOf, readMeta } from './lab-meta.js';
import type { LabFaults } from './faults.js';
import { psql } from './postgres.js';

export const EARLY_MAS_USER = 'early-bird';

export function syncDataFaults(dir: string, faults: LabFaults): void {
  const meta = readMeta(dir);
  const c = clusterOf(meta);
  const d = meta.domain;
  psql(
    c,
    'synapse',
    {
      text: [
        faults.unmappedOidc
          ? `INSERT INTO users (name, creation_ts, admin, is_guest, deactivated, approved) VALUES ('@gina:${d}', 1700000700, 0, 0, 0, true) ON CONFLICT DO NOTHING;
         INSERT INTO user_external_ids (auth_provider, external_id, user_id) VALUES ('oidc-github', '4412345', '@gina:${d}') ON CONFLICT DO NOTHING;`
          : `DELETE FROM user_external_ids WHERE auth_provider = 'oidc-github'; DELETE FROM users WHERE name = '@gina:${d}';`,
        faults.foreignUsers
          ? `INSERT INTO users (name, password_hash, creation_ts, admin, is_guest, deactivated, approved) VALUES ('@mallory:other.example', NULL, 1700000800, 0, 0, 0, true) ON CONFLICT DO NOTHING;`
          : `DELETE FROM users WHERE name = '@mallory:other.example';`,
      ].join('\n'),
    },
    'synapse',
  );
  psql(
    c,
    'matrix_authentication_service',
    {
      text: faults.masDbNotEmpty
        ? `INSERT INTO users (user_id, username, created_at) SELECT '0190a7b2-0000-7000-8000-00000000e0b1', '${EARLY_MAS_USER}', now() WHERE NOT EXISTS (SELECT 1 FROM users WHERE username = '${EARLY_MAS_USER}');`
        : `DELETE FROM users WHERE username = '${EARLY_MAS_USER}';`,
    },
    'matrix_authentication_service',
  );
}
