// `mas-cli doctor` as MAS 1.23 prints it (mas.md §4), computed from the lab's real state instead
// of HTTP requests: Synapse's service state and its rendered homeserver.yaml. Always exits 0.
import path from 'node:path';
import { baseDir, isActive, log, readYaml } from './context.js';
import type { MasConfig } from './mas-config.js';

const T = 'mas_cli::commands::doctor';

export function doctor(config: MasConfig): number {
  log('INFO', `${T}:53`, '💡 Running diagnostics, make sure that both MAS and Synapse are running, and that MAS is using the same configuration files as this tool.');
  if (!config.issuer.startsWith('https://')) log('WARN', `${T}:84`, '⚠️ The issuer in the config (`http.issuer`/`http.public_base`) is not an HTTPS URL.');
  const endpoint = config.endpoint.replace(/\/$/, '');
  const synapseUp = isActive('matrix-synapse');
  const hs = readYaml(path.join(baseDir(), 'synapse', 'config', 'homeserver.yaml'));
  const baseUrl = `https://matrix.${config.homeserver}/`;
  if (!synapseUp) {
    log('ERROR', `${T}:208`, `❌ Can't reach the homeserver at "${endpoint}/_matrix/client/versions".`);
  } else {
    log('INFO', `${T}:172`, `✅ Homeserver is reachable at "${endpoint}/_matrix/client/versions"`);
    log('INFO', `${T}:235`, `✅ Homeserver at "${endpoint}/_matrix/client/v3/account/whoami" is reachable, and it correctly rejected an invalid token.`);
    const integrated = hs.matrix_authentication_service?.enabled === true;
    if (integrated) {
      const secretOk = hs.matrix_authentication_service.secret === (config.raw.matrix?.secret ?? '');
      if (secretOk) log('INFO', `${T}:300`, `✅ The Synapse MAS API is reachable with authentication at "${endpoint}/_synapse/mas/is_localpart_available".`);
      else log('ERROR', `${T}:318`, `❌ A Synapse MAS API endpoint at "${endpoint}/_synapse/mas/is_localpart_available" replied with 403 Forbidden.`);
    } else {
      log('ERROR', `${T}:318`, `❌ A Synapse MAS API endpoint at "${endpoint}/_synapse/mas/is_localpart_available" replied with 404 Not Found.`);
    }
  }
  // The login API is reached through the reverse proxy: with the compatibility layer on
  // (not migrating) MAS answers it; otherwise Synapse does, or nobody (502) when it is down.
  const loginUrl = `${baseUrl}_matrix/client/v3/login`;
  const compatLayer = hs.matrix_authentication_service?.enabled === true && isActive('matrix-authentication-service');
  if (compatLayer) log('INFO', `${T}:376`, `✅ The legacy login API at "${loginUrl}" is reachable and is handled by MAS.`);
  else if (synapseUp) log('WARN', `${T}:384`, `⚠️ The legacy login API at "${loginUrl}" is reachable, but it doesn't look to be handled by MAS.`);
  else log('ERROR', `${T}:393`, `The legacy login API at "${loginUrl}" replied with 502 Bad Gateway.`);
  return 0;
}
