// One place that turns the command line (--lab, --playbook, --host) into what every
// command works on: the checkout, the host and its vars.yml, the server layout, the
// command catalogue, the plan file, and the two places commands run (controller, server).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Flags } from './cli-args.js';
import { detectCheckout, pickHost, type Checkout, type CheckoutHost, type Generation } from './playbook/checkout.js';
import { catalogue, DEFAULT_BASE, type Catalogue, type ExternalDatabases, type Layout } from './playbook/commands.js';
import { effective, effectiveBool, layersFor, type VarsLayer } from './playbook/effective.js';
import { parseVars } from './playbook/vars-file.js';
import { pickMatrixServer, readInventory, type InventoryHost } from './playbook/inventory.js';
import { resolveHostSpec, type HostSpec } from './targets/host-spec.js';
import type { OpenTargetDeps } from './targets/open.js';
import { LocalTarget } from './targets/local.js';
import type { Target } from './targets/target.js';
import type { LabInfo } from './lab/lab.js';
import { planFilePath } from '../state/persist.js';
import { AbortError } from './errors.js';

export class SessionError extends AbortError {}

export interface Session {
  checkout: Checkout;
  host: CheckoutHost;
  inventoryHost: InventoryHost;
  spec: HostSpec;
  lab?: LabInfo;
  layout: Layout;
  cat: Catalogue;
  varsFile: string;
  /** vars.yml relative to the checkout, for messages. */
  varsLabel: string;
  /** matrix_domain: the homeserver's server_name. */
  serverName: string;
  generation: Generation;
  planFile: string;
  /** Where playbook runs happen: this machine, in the checkout. */
  controller: Target;
  /** Whether server commands need sudo (inventory ansible_become). */
  become: boolean;
  /** The Matrix server, connected on first use and reused. */
  server(): Promise<Target>;
  /** Re-reads vars.yml (after an edit) and returns its layers. */
  layers(): VarsLayer[];
  close(): Promise<void>;
}

/** `-o UserKnownHostsFile=…` in ansible_ssh_common_args/extra_args: Ansible hands it to ssh, so we honour it too. */
function knownHostsFromArgs(vars: Record<string, string>): string | undefined {
  const args = `${vars.ansible_ssh_common_args ?? ''} ${vars.ansible_ssh_extra_args ?? ''}`;
  const m = /UserKnownHostsFile[= ]\s*("[^"]+"|'[^']+'|\S+)/.exec(args);
  return m ? m[1].replace(/^["']|["']$/g, '') : undefined;
}

function literalString(layers: VarsLayer[], key: string, fallback?: string): string {
  const e = effective(layers, key);
  if (e.kind === 'value' && typeof e.value === 'string' && e.value !== '') return e.value;
  if (e.kind === 'unset' || (e.kind === 'value' && (e.value === null || e.value === ''))) {
    if (fallback !== undefined) return fallback;
    throw new SessionError(`${key} is not set in vars.yml; the wizard needs it`);
  }
  if (e.kind === 'cannot-judge') {
    if (fallback !== undefined && key !== 'matrix_domain') return fallback;
    throw new SessionError(`${key} (${e.source}) is a ${e.reason} value the wizard cannot evaluate; set a literal value`);
  }
  throw new SessionError(`${key} must be a string`);
}

/** A literal setting, else the fallback (a Jinja or vault value cannot be passed to psql). */
function literalOr(layers: VarsLayer[], key: string, fallback: string): string {
  const e = effective(layers, key);
  return e.kind === 'value' && e.value !== null && e.value !== '' && typeof e.value !== 'object' ? String(e.value) : fallback;
}

/** postgres_enabled: false — the databases Synapse and MAS use, as vars.yml configures them (role defaults otherwise). */
export function externalDatabases(layers: VarsLayer[]): ExternalDatabases | undefined {
  if (effectiveBool(layers, 'postgres_enabled').value !== false) return undefined;
  const synapse = {
    host: literalOr(layers, 'matrix_synapse_database_host', ''),
    port: literalOr(layers, 'matrix_synapse_database_port', '5432'),
    user: literalOr(layers, 'matrix_synapse_database_user', 'synapse'),
    password: literalOr(layers, 'matrix_synapse_database_password', ''),
    database: literalOr(layers, 'matrix_synapse_database_database', 'synapse'),
  };
  const mas = {
    host: literalOr(layers, 'matrix_authentication_service_config_database_host', synapse.host),
    port: literalOr(layers, 'matrix_authentication_service_config_database_port', '5432'),
    user: literalOr(layers, 'matrix_authentication_service_config_database_username', 'matrix_authentication_service'),
    password: literalOr(layers, 'matrix_authentication_service_config_database_password', ''),
    database: literalOr(layers, 'matrix_authentication_service_config_database_database', 'matrix_authentication_service'),
  };
  if (!synapse.host)
    throw new SessionError('postgres_enabled is false but matrix_synapse_database_host is not a literal value: set the external PostgreSQL host in vars.yml');
  return { synapse, mas };
}

export interface SessionOptions {
  flags: Flags;
  /** Prompts for host keys, passphrases and sudo passwords (TUI), or none (non-interactive: refuse). */
  connect?: OpenTargetDeps;
  env?: NodeJS.ProcessEnv;
}

export async function openSession(options: SessionOptions): Promise<Session> {
  const { flags } = options;
  const env = options.env ?? process.env;
  let lab: LabInfo | undefined;
  let playbookDir = flags.playbook;
  let hostName = flags.host;
  if (flags.lab) {
    if (flags.playbook) throw new SessionError('--lab brings its own playbook; leave out --playbook');
    const { ensureLab } = await import('./lab/lab.js');
    const generation = flags.generation === 'legacy' || flags.generation === 'current' ? flags.generation : undefined;
    lab = await ensureLab({ dir: flags['lab-dir'], generation });
    playbookDir = lab.playbookDir;
    hostName = lab.host;
  }
  const checkout = detectCheckout(path.resolve(playbookDir ?? process.cwd()), env);
  const host = pickHost(checkout, hostName);
  if (!host.varsExists) throw new SessionError(`${path.relative(checkout.dir, host.varsFile)} does not exist: create the host's vars.yml first`);
  const inventoryHost = pickMatrixServer(readInventory(checkout.dir), host.name);
  const spec = resolveHostSpec(inventoryHost);
  const varsLabel = path.relative(checkout.dir, host.varsFile);
  const layers = () => layersFor(parseVars(readFileSync(host.varsFile, 'utf8'), varsLabel), varsLabel, checkout, host.name);
  const initial = layers();
  const serverName = literalString(initial, 'matrix_domain');
  const base = literalString(initial, 'matrix_base_data_path', DEFAULT_BASE);
  const layout: Layout = {
    base,
    systemctl: lab?.systemctl ?? 'systemctl',
    journalctl: lab ? path.join(path.dirname(lab.systemctl), 'journalctl') : 'journalctl',
    database: externalDatabases(initial),
  };
  const cat = catalogue({ checkout, host: host.name, layout });
  const controller = new LocalTarget({ become: null });

  let server: Promise<Target> | undefined;
  const session: Session = {
    checkout,
    host,
    inventoryHost,
    spec,
    lab,
    layout,
    cat,
    varsFile: host.varsFile,
    varsLabel,
    serverName,
    generation: checkout.generation,
    planFile: planFilePath(checkout.dir, serverName, env),
    controller,
    become: spec.become.enabled,
    server() {
      // ssh2 is loaded on the first connection, not with the session.
      server ??= import('./targets/open.js')
        .then(({ openTarget }) =>
          openTarget(spec, {
            ...options.connect,
            knownHostsFile: options.connect?.knownHostsFile ?? knownHostsFromArgs(inventoryHost.vars),
          }),
        )
        .catch((error: unknown) => {
          server = undefined;
          throw error;
        });
      return server;
    },
    layers,
    async close() {
      await controller.close();
      if (server !== undefined) await (await server.catch(() => null))?.close();
    },
  };
  return session;
}
