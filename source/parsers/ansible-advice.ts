// What the playbook's known failures mean and what to do (reference/playbook.md §1.2, §2, §10;
// real-outputs.md §1): a new failure the wizard should recognise is one RECOGNISERS row. The
// parser (ansible.ts) finds the failing task; this module only explains it.
import type { AnsibleFailure, Explanation } from './ansible.js';
import { SYN2MAS_TAG } from '../playbook/commands.js';
import { syn2masExitMeaning, syn2masFromResult, type Syn2masItem } from './syn2mas.js';

interface Recogniser {
  test: (f: AnsibleFailure) => RegExpMatchArray | boolean | null;
  make: (f: AnsibleFailure, m: RegExpMatchArray | null) => Explanation;
}

const RECOGNISERS: Recogniser[] = [
  {
    test: (f) => f.message.match(/matrix_playbook_migration_validated_version/),
    make: (f) => {
      const expected = /matrix_playbook_migration_validated_version: "?(v[\d.]+)"?/.exec(f.message)?.[1];
      const behind = /Your validated migration version \(([^)]+)\) is behind/.exec(f.message)?.[1];
      return {
        id: 'playbook.validated-version-missing',
        title: behind ? `vars.yml confirms playbook changes only up to ${behind}` : 'vars.yml does not confirm the playbook version',
        explanation: "The playbook refuses every run until vars.yml says which playbook version's breaking changes you have reviewed.",
        todo: `read the breaking changes listed in the message, then set matrix_playbook_migration_validated_version: ${expected ?? '<the expected version>'} in vars.yml`,
      };
    },
  },
  {
    // The real task loops over the three variables; the failing one is the loop item, and the
    // message names it only after the words "password provider modules" (real validate_config.yml).
    test: (f) =>
      `${f.item ?? ''} ${f.message}`.match(/matrix_synapse_ext_password_provider_(shared_secret_auth|rest_auth|ldap)_enabled/) ??
      f.message.match(/does not make sense to enable password provider modules/),
    make: (_f, m) => {
      const which = m?.[1];
      return {
        id: which ? `synapse.password-provider.${which === 'ldap' ? 'ldap' : which.replace(/_/g, '-')}` : 'synapse.password-provider',
        title: 'A Synapse password provider is still enabled',
        explanation: 'With MAS handling logins, Synapse password providers make no sense and Synapse would refuse to start, so the playbook stops.',
        todo: `set ${which ? `matrix_synapse_ext_password_provider_${which}_enabled` : "the password provider's *_enabled variable"}: false in vars.yml (users of that provider need an upstream provider in MAS instead)`,
      };
    },
  },
  {
    test: (f) => f.message.match(/secrets_encryption must be exactly 64 characters/),
    make: () => ({
      id: 'mas.secret-invalid',
      title: 'The MAS encryption secret has the wrong length',
      explanation: 'matrix_authentication_service_config_secrets_encryption must be exactly 64 hex characters (32 bytes).',
      todo: "generate one with `openssl rand -hex 32` and put it in vars.yml (the wizard's secret step does this)",
    }),
  },
  {
    test: (f) => f.message.match(/matrix_synapse_enable_registration_captcha/),
    make: () => ({
      id: 'synapse.registration-captcha',
      title: 'Synapse registration CAPTCHA is still enabled',
      explanation: 'Registration moves to MAS, so the playbook refuses the Synapse CAPTCHA setting.',
      todo: 'remove matrix_synapse_enable_registration_captcha (or set false); configure matrix_authentication_service_config_captcha_* instead',
    }),
  },
  {
    test: (f) => f.message.match(/matrix_synapse_enable_registration\b|registration.*(?:MAS|Matrix Authentication Service)/i),
    make: () => ({
      id: 'synapse.registration-enabled',
      title: 'Synapse registration is still enabled',
      explanation: 'With MAS, registration is handled by MAS; the playbook refuses Synapse registration.',
      todo: 'set matrix_synapse_enable_registration: false; enable registration in MAS (matrix_authentication_service_config_account_password_registration_enabled) if you want it',
    }),
  },
  {
    test: (f) => f.message.match(/matrix_synapse_oidc_enabled|\bOIDC\b.*(?:MAS|Matrix Authentication Service|migration)/i),
    make: () => ({
      id: 'synapse.oidc-needs-conversion',
      title: 'Synapse OIDC is enabled outside migration mode',
      explanation:
        'Synapse may keep its OIDC providers only while matrix_authentication_service_migration_in_progress is true (syn2mas needs them); afterwards MAS must own them.',
      todo: 'during the migration keep matrix_authentication_service_migration_in_progress: true; after syn2mas, remove the matrix_synapse_oidc_* variables (the providers live in matrix_authentication_service_config_upstream_oauth2_providers)',
    }),
  },
  {
    test: (f) => f.message.match(/matrix_synapse_cas_config_enabled/),
    make: () => ({
      id: 'synapse.cas-enabled',
      title: 'Synapse CAS login is still enabled',
      explanation: 'CAS cannot stay in Synapse once MAS handles logins.',
      todo: 'set matrix_synapse_cas_config_enabled: false and configure the identity source as an upstream provider in MAS',
    }),
  },
  {
    test: (f) => f.message.match(/matrix_synapse_password_config_enabled/),
    make: () => ({
      id: 'synapse.password-config-forced',
      title: 'Synapse password logins are forced on',
      explanation: 'vars.yml forces matrix_synapse_password_config_enabled: true, which conflicts with MAS.',
      todo: 'remove matrix_synapse_password_config_enabled from vars.yml (the playbook sets it right by itself)',
    }),
  },
  {
    test: (f) => f.message.match(/You need to define a required configuration setting \(`([^`]+)`\)/),
    make: (_f, m) => ({
      id: 'playbook.required-setting',
      title: `A required setting is empty: ${m?.[1]}`,
      explanation: `The playbook needs ${m?.[1]} and it is empty.`,
      todo: `set ${m?.[1]} in vars.yml`,
    }),
  },
  {
    test: (f) => f.message.match(/now has a different name[\s\S]*?\(`([^`]+)` -> `([^`]+)`\)/),
    make: (_f, m) => ({
      id: 'playbook.renamed-variable',
      title: `A variable was renamed: ${m?.[1]}`,
      explanation: `vars.yml uses ${m?.[1]}, which this playbook version calls ${m?.[2]}.`,
      todo: `rename ${m?.[1]} to ${m?.[2]} in vars.yml`,
    }),
  },
  {
    test: (f) => f.message.includes(SYN2MAS_TAG.current) && !/mas.cli.syn2mas/i.test(f.task ?? ''),
    make: () => ({
      id: 'playbook.syn2mas-tag-renamed',
      title: 'The old syn2mas tag was used',
      explanation: 'This playbook runs syn2mas through mas-cli; the old tag only prints this message.',
      todo: `use the tag ${SYN2MAS_TAG.current} (the wizard picks it from the detected playbook generation)`,
    }),
  },
  {
    test: (f) => f.unreachable,
    make: (f) => ({
      id: 'ansible.unreachable',
      title: `Ansible cannot reach ${f.host}`,
      explanation: 'Ansible could not connect to the server, so nothing ran there.',
      todo: 'check the inventory line (host, port, user), that SSH works with the same key, and that the server is up',
    }),
  },
];

// Docker's own refusal (exit 125) when a container of that name is still there, e.g. after an
// interrupted `docker run --rm --name=…`: "Conflict. The container name "/x" is already in use …".
const NAME_CLASH = /Conflict\. The container name "\/?([^"]+)" is already in use/;

/** The syn2mas subcommand a command ran: from its argv (`… syn2mas --synapse-config=… check`), else migrate. */
function syn2masSubcommand(cmd: string[] | string | undefined): 'check' | 'migrate' {
  const argv = Array.isArray(cmd) ? cmd : (cmd ?? '').split(/\s+/);
  const at = argv.indexOf('syn2mas');
  return at >= 0 && argv.slice(at + 1).includes('check') ? 'check' : 'migrate';
}

/** Known failures of the playbook → what it means and what to do. syn2mas failures also get their check items. */
export function explainAnsibleFailure(f: AnsibleFailure): { explanation: Explanation; syn2masItems?: Syn2masItem[] } | undefined {
  const clash = f.rc === 125 ? NAME_CLASH.exec(f.stderr ?? '') : null;
  if (clash) {
    return {
      explanation: {
        id: 'docker.container-name-in-use',
        title: `A container named ${clash[1]} is still there`,
        explanation: `docker refused to start ${clash[1]} (exit 125): a container of that name is left from an earlier run that was interrupted, so nothing ran this time.`,
        todo: `remove the leftover container on the server: docker rm -f ${clash[1]}; then run the step again`,
        leftoverContainer: clash[1],
      },
    };
  }
  if (/syn2mas/i.test(`${f.task ?? ''} ${f.role ?? ''}`) && f.rc !== undefined && f.rc !== 0) {
    const report = syn2masFromResult({ stdout: f.stdout ?? '', stderr: f.stderr ?? '' });
    const legacy = report.tool === 'legacy';
    const items = [...report.errors, ...report.warnings];
    const sub = syn2masSubcommand(f.cmd);
    const meaning = syn2masExitMeaning(f.rc, sub, legacy);
    const first = report.fatal ?? report.errors[0];
    const title = legacy
      ? `syn2mas exited with code ${f.rc}`
      : f.rc === 10
        ? `syn2mas ${sub} found errors (exit 10)`
        : f.rc === 11 && sub === 'check'
          ? 'the syn2mas check found warnings (exit 11)'
          : `syn2mas ${sub} exited with code ${f.rc}`;
    return {
      syn2masItems: items,
      explanation: {
        id: 'syn2mas.failed',
        title,
        explanation: `${meaning.meaning}${first ? ` First problem: ${'message' in first ? first.message : first.text}` : ''}`,
        todo:
          first?.fix ??
          (f.rc === 11
            ? 'read each warning and acknowledge it; then continue'
            : 'fix the problems listed, then run the step again; a real run leaves Synapse and MAS stopped'),
      },
    };
  }
  for (const r of RECOGNISERS) {
    const m = r.test(f);
    if (m) return { explanation: r.make(f, typeof m === 'boolean' ? null : m) };
  }
  return undefined;
}

/** Known `ERROR!` refusals of ansible-playbook itself → what it means and what to do. */
export function explainAnsibleError(text: string): Explanation | undefined {
  const module = /couldn't resolve module\/action '(ansible\.builtin\.deb822_repository)'/.exec(text);
  if (module) {
    return {
      id: 'controller.ansible-too-old',
      title: 'This Ansible is too old for the playbook',
      explanation: `ansible-core has no ${module[1]} module (it came with ansible-core 2.15); the playbook's Docker role uses it, so the run stopped before changing anything.`,
      todo: "install ansible-core 2.15.1 or newer on this machine (e.g. pipx install ansible-core, or the playbook's container image), or set matrix_playbook_docker_installation_enabled: false in vars.yml if Docker is managed another way",
    };
  }
  return undefined;
}
