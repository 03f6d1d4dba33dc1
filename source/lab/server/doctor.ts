// `mas-cli doctor` as the lab's MAS version prints it (real-outputs.md §3), computed from the lab's
// real state instead of HTTP requests: Synapse's service state and its rendered homeserver.yaml.
// MAS 1.23 (current): `<ts>  INFO mas_cli::commands::doctor:<n> <msg>`, Synapse MAS API checks.
// MAS 0.15 (legacy): tracing's full format with span and file, `<ts>  INFO cli.doctor:
// mas_cli::commands::doctor: crates/cli/src/commands/doctor.rs:<n>: <msg>`, the well-known and
// Synapse admin API checks of that version. Always exits 0; all of it on stderr.
import path from 'node:path';
import { baseDir, isActive, log, readYaml, labDir } from './context.js';
import { readMeta } from '../lab-meta.js';
import type { MasConfig } from './mas-config.js';

const T = 'mas_cli::commands::doctor';

export function doctor(config: MasConfig): number {
  const legacy = readMeta(labDir()).generation === 'legacy';
  // Line numbers: @v1.22.0 and @v0.15.0 (real-outputs.md §3); the parser matches text only.
  const at = (current: number, old: number) => (legacy ? `cli.doctor: ${T}: crates/cli/src/commands/doctor.rs:${old}:` : `${T}:${current}`);
  log(
    'INFO',
    at(33, 32),
    '💡 Running diagnostics, make sure that both MAS and Synapse are running, and that MAS is using the same configuration files as this tool.',
  );
  if (!config.issuer.startsWith('https://')) log('WARN', at(84, 58), '⚠️ The issuer in the config (`http.issuer`/`http.public_base`) is not an HTTPS URL.');
  const endpoint = config.endpoint.replace(/\/$/, '');
  const synapseUp = isActive('matrix-synapse');
  const hs = readYaml(path.join(baseDir(), 'synapse', 'config', 'homeserver.yaml'));
  // Synapse's side of the integration: the stable `matrix_authentication_service` section (what the
  // current playbook renders), or `experimental_features.msc3861` with its `admin_token` (what the
  // legacy playbook's homeserver.yaml.j2 renders); MAS's matrix.secret must equal that secret.
  const msc3861 = hs.experimental_features?.msc3861;
  const synapseSide =
    hs.matrix_authentication_service?.enabled === true
      ? { secret: hs.matrix_authentication_service.secret }
      : msc3861?.enabled === true
        ? { secret: msc3861.admin_token }
        : null;
  const integrated = synapseSide !== null;
  const baseUrl = `https://matrix.${config.homeserver}/`;
  if (legacy) {
    // 0.15 still checked that the well-known document points clients at MAS.
    const wk = `https://${config.homeserver}/.well-known/matrix/client`;
    if (integrated) log('INFO', at(0, 90), `✅ Matrix client well-known at "${wk}" is valid`);
    else log('WARN', at(0, 160), 'Matrix client well-known is missing the "org.matrix.msc2965.authentication" section.');
  }
  if (!synapseUp) {
    log('ERROR', at(150, 205), `❌ Can't reach the homeserver at "${endpoint}/_matrix/client/versions".`);
  } else {
    log('INFO', at(134, 196), `✅ Homeserver is reachable at "${endpoint}/_matrix/client/versions"`);
    log('INFO', at(187, 249), `✅ Homeserver at "${endpoint}/_matrix/client/v3/account/whoami" is reachable, and it correctly rejected an invalid token.`);
    const secretOk = synapseSide !== null && synapseSide.secret === (config.raw.matrix?.secret ?? '');
    if (legacy) {
      log('INFO', at(0, 294), `✅ The Synapse admin API is reachable at "${endpoint}/_synapse/admin/v1/server_version".`);
      const url = `${endpoint}/_synapse/admin/v1/background_updates/status`;
      if (secretOk) log('INFO', at(0, 323), `✅ The Synapse admin API is reachable with authentication at "${url}".`);
      else log('ERROR', at(0, 336), `❌ A Synapse admin API endpoint at "${url}" replied with ${integrated ? '403 Forbidden' : '401 Unauthorized'}.`);
    } else {
      const url = `${endpoint}/_synapse/mas/is_localpart_available`;
      if (secretOk) log('INFO', at(242, 0), `✅ The Synapse MAS API is reachable with authentication at "${url}".`);
      else log('ERROR', at(246, 0), `❌ A Synapse MAS API endpoint at "${url}" replied with ${integrated ? '403 Forbidden' : '404 Not Found'}.`);
    }
  }
  // The login API is reached through the reverse proxy: with the compatibility layer on
  // (not migrating) MAS answers it; otherwise Synapse does, or nobody (502) when it is down.
  const loginUrl = `${baseUrl}_matrix/client/v3/login`;
  const compatLayer = integrated && isActive('matrix-authentication-service');
  if (compatLayer) log('INFO', at(312, 389), `✅ The legacy login API at "${loginUrl}" is reachable and is handled by MAS.`);
  else if (synapseUp) log('WARN', at(320, 397), `⚠️ The legacy login API at "${loginUrl}" is reachable, but it doesn't look to be handled by MAS.`);
  else log('ERROR', at(329, 406), `The legacy login API at "${loginUrl}" replied with 502 Bad Gateway.`);
  return 0;
}
