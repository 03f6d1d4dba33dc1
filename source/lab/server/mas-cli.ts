// The practice lab's `mas-cli` (what runs "inside the MAS container"): doctor, manage, syn2mas,
// config check. Global `--config FILE` as in MAS; default is the lab's rendered config.yaml.
import path from 'node:path';
import { hostPath, containerSpec } from './container.js';
import { baseDir, CliError, reportError } from './context.js';
import { doctor } from './doctor.js';
import { manage } from './manage.js';
import { loadMasConfig } from './mas-config.js';
import { syn2mas, syncProviders } from './syn2mas.js';

const HELP = `Usage: mas-cli [OPTIONS] [COMMAND]

Commands:
  config   Configuration-related commands
  doctor   Run diagnostics on the deployment
  manage   Manage the instance
  syn2mas  Migrate from Synapse's built-in auth system to MAS
  help     Print this message or the help of the given subcommand(s)

Options:
  -c, --config <CONFIG>  Path to the configuration file
  -h, --help             Print help
`;

function main(argv: string[]): number {
  // In a container MAS reads config.yaml from its working directory, /.
  let configFile = containerSpec() ? hostPath('/config.yaml') : path.join(baseDir(), 'matrix-authentication-service', 'config', 'config.yaml');
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-c' || a === '--config') configFile = argv[++i] ?? '';
    else if (a.startsWith('--config=')) configFile = a.slice(9);
    else rest.push(a);
  }
  const [command, ...args] = rest;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(HELP);
    return 0;
  }
  const config = loadMasConfig(configFile);
  switch (command) {
    case 'doctor':
      return doctor(config);
    case 'manage':
      return manage(config, args);
    case 'syn2mas':
      return syn2mas(config, args);
    case 'config':
      if (args[0] === 'check') {
        process.stderr.write(`${new Date().toISOString()}  INFO mas_cli::commands::config:152 Configuration file looks good\n`);
        return 0;
      }
      // `config sync`: writes the configured upstream providers into the MAS database (no prune).
      if (args[0] === 'sync') {
        syncProviders(config);
        return 0;
      }
      throw new CliError(`unrecognized subcommand '${args[0] ?? ''}'`, [], 2);
    default:
      throw new CliError(`unrecognized subcommand '${command}'`, [], 2);
  }
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  process.exitCode = reportError(error);
}
