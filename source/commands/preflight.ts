// `mas-wizard preflight [--playbook DIR --host NAME | --vars FILE] [--offline] [--json]`
// exit 0 ready, 3 blockers, 2 bad input (DESIGN.md).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError, type ParsedCli } from '../cli-args.js';
import { detectCheckout, pickHost, type Checkout } from '../playbook/checkout.js';
import { layersFor, varsLayer } from '../playbook/effective.js';
import { parseVars } from '../playbook/vars-file.js';
import { isPlainObject, PROVIDERS_KEY } from '../mas/providers.js';
import type { Finding } from '../preflight/finding.js';
import { makeReport, exitCode, reportJson, reportText } from '../preflight/report.js';
import { runRules } from '../preflight/rules.js';
import { controllerFindings, installedAnsible } from '../preflight/controller.js';

function readVars(file: string) {
  return parseVars(readFileSync(file, 'utf8'), file);
}

export default async function preflight(cli: ParsedCli): Promise<number> {
  const { flags } = cli;
  const bad = (message: string): never => {
    throw new UsageError(message);
  };
  if (flags.vars && (flags.playbook || flags.host)) return bad('use either --vars FILE or --playbook DIR [--host NAME], not both');
  let checkout: Checkout | undefined;
  let subject: string;
  let layers;
  let host: ReturnType<typeof pickHost> | undefined;
  let hostName = flags.host;
  let playbookDir = flags.playbook;
  if (flags.lab) {
    if (flags.vars || flags.playbook) return bad('--lab brings its own playbook; leave out --vars and --playbook');
    const { ensureLab } = await import('../lab/lab.js');
    const lab = await ensureLab({ dir: flags['lab-dir'] });
    playbookDir = lab.playbookDir;
    hostName = lab.host;
  }
  try {
    if (flags.vars) {
      const file = path.resolve(flags.vars);
      layers = layersFor(readVars(file), flags.vars);
      subject = `${flags.vars} (offline: this file and the playbook's documented defaults)`;
    } else {
      checkout = detectCheckout(playbookDir ?? process.cwd());
      host = pickHost(checkout, hostName);
      if (!host.varsExists)
        return bad(
          `${path.relative(checkout.dir, host.varsFile)} does not exist: create the host's vars.yml first (see the playbook's docs/configuring-playbook.md)`,
        );
      const label = path.relative(checkout.dir, host.varsFile);
      layers = layersFor(readVars(host.varsFile), label, checkout, host.name);
      subject = `${host.name} in ${checkout.dir} (${checkout.generation} playbook, MAS ${checkout.masVersion ?? 'version unknown'})`;
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return bad(`cannot read ${(e as NodeJS.ErrnoException).path}: no such file`);
    throw e;
  }
  const findings: Finding[] = runRules({ layers, checkout, generation: checkout?.generation });
  // The playbook runs from this machine: a missing or too old ansible-core belongs in the list itself.
  if (checkout) findings.unshift(...controllerFindings({ checkout, layers, installed: installedAnsible() }));
  if (checkout && host && !flags.offline) {
    // Same connection rules as every other command: inventory line, ~/.ssh/config, known_hosts.
    // Without a terminal to ask, an unknown host key or an encrypted key is refused, not guessed.
    const { openSession } = await import('../session.js');
    const { describeError } = await import('../errors.js');
    const { probeServer } = await import('../preflight/probes.js');
    let session;
    try {
      session = await openSession({
        flags: { lab: flags.lab, 'lab-dir': flags['lab-dir'], playbook: flags.lab ? undefined : checkout.dir, host: host.name },
        connect: { confirmUnknownHost: async () => false, askPassphrase: async () => null, askBecomePassword: async () => null },
      });
      const values = varsLayer(layers).parsed.values;
      const providers = Array.isArray(values[PROVIDERS_KEY]) ? (values[PROVIDERS_KEY] as unknown[]) : [];
      const probed = await probeServer(await session.server(), session.cat, {
        become: session.become,
        serverName: String(values.matrix_domain ?? ''),
        mappedIdps: providers
          .filter(isPlainObject)
          .map((p) => p.synapse_idp_id)
          .filter((v): v is string => typeof v === 'string'),
      });
      findings.push(...probed.findings, {
        id: 'server.services',
        severity: 'info',
        title: 'Service states on the server',
        detail: Object.entries(probed.services)
          .map(([u, st]) => `${u}: ${st}`)
          .join('\n'),
        fix: 'Nothing to do.',
        source: 'server: systemctl is-active',
      });
    } catch (error) {
      findings.push({
        id: 'server.not-probed',
        severity: 'warn',
        title: 'The server could not be checked',
        detail: `${describeError(error)}. Only vars.yml and the playbook defaults were judged; the db.* checks did not run.`,
        fix: 'Make `ssh` to the inventory host work without questions (known host key, key or agent), or run the interactive wizard; use --offline to skip the server.',
        source: `inventory/hosts:${host.line}`,
      });
    } finally {
      await session?.close();
    }
  }
  const report = makeReport(findings);
  process.stdout.write(flags.json ? reportJson(report) : reportText(report, subject));
  return exitCode(report);
}
