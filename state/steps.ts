// The step catalogue: every step the wizard can run, described once, and the two
// flows (ordered lists of step ids) built from it. Step ids are a contract
// (DESIGN.md, `run --until STEP`): never rename them.

export const STEP_IDS = [
  'prerequisites',
  'secret',
  'url',
  'providers',
  'mark-migration',
  'install',
  'backup',
  'syn2mas-check',
  'dry-run',
  'migrate',
  'cut-over',
  'reinstall',
  'verify',
  'users',
  'first-admin',
] as const;
export type StepId = (typeof STEP_IDS)[number];

export type Flow = 'new' | 'migrate';

/**
 * input: asks the operator only; vars-edit: changes vars.yml (diff shown first);
 * server: runs commands on the Matrix server; playbook: runs the playbook on the controller.
 */
export type StepKind = 'input' | 'vars-edit' | 'server' | 'playbook';

export interface StepDefinition {
  id: StepId;
  title: string;
  /** One line, shown in the step list. */
  description: string;
  /** Once it succeeded (or may have), going back before it is refused. */
  irreversible: boolean;
  /** The sentence shown before an irreversible step starts. */
  irreversibleWarning?: string;
  /** Runs detached on the remote side (survives a dropped SSH); its output goes to a log file. */
  long: boolean;
  kind: StepKind;
  /** The operator may skip it (nothing later depends on its result). */
  skippable: boolean;
}

const CATALOGUE: Record<StepId, StepDefinition> = {
  prerequisites: {
    id: 'prerequisites',
    title: 'Prerequisites',
    kind: 'server',
    long: false,
    irreversible: false,
    skippable: false,
    description: 'Reads vars.yml and probes the server for anything that would break MAS or lock users out.',
  },
  secret: {
    id: 'secret',
    title: 'Encryption secret',
    kind: 'vars-edit',
    long: false,
    irreversible: false,
    skippable: false,
    description: "Sets MAS's 64-hex encryption secret in vars.yml (generated, pasted, or a vault reference).",
  },
  url: {
    id: 'url',
    title: 'Public URL',
    kind: 'vars-edit',
    long: false,
    irreversible: false,
    skippable: false,
    description: 'Chooses the hostname and path prefix MAS is served on.',
  },
  providers: {
    id: 'providers',
    title: 'Login providers',
    kind: 'vars-edit',
    long: false,
    irreversible: false,
    skippable: true,
    description: 'Sets upstream OIDC providers for MAS, converting those Synapse already uses.',
  },
  'mark-migration': {
    id: 'mark-migration',
    title: 'Mark migration',
    kind: 'vars-edit',
    long: false,
    irreversible: false,
    skippable: false,
    description: 'Enables MAS with matrix_authentication_service_migration_in_progress: true, so Synapse keeps handling logins.',
  },
  install: {
    id: 'install',
    title: 'Install MAS',
    kind: 'playbook',
    long: true,
    irreversible: false,
    skippable: false,
    description: 'Runs the playbook to install and start MAS next to Synapse.',
  },
  backup: {
    id: 'backup',
    title: 'Back up the database',
    kind: 'server',
    long: true,
    irreversible: false,
    skippable: false,
    description: 'Dumps all Postgres databases on the server and verifies the dump (size and sha256).',
  },
  'syn2mas-check': {
    id: 'syn2mas-check',
    title: 'syn2mas check',
    kind: 'playbook',
    long: true,
    irreversible: false,
    skippable: false,
    description: "Runs syn2mas's checks against Synapse and MAS without writing anything.",
  },
  'dry-run': {
    id: 'dry-run',
    title: 'Dry run',
    kind: 'playbook',
    long: true,
    irreversible: false,
    skippable: false,
    description: 'Migrates every user into MAS and throws the result away; Synapse stays up.',
  },
  migrate: {
    id: 'migrate',
    title: 'Migrate',
    kind: 'playbook',
    long: true,
    irreversible: true,
    skippable: false,
    description: 'Stops Synapse and copies every user, password hash, session and login link into MAS.',
    irreversibleWarning: 'This stops Synapse and writes every user into MAS; it cannot be undone by re-running. Only restoring the backup undoes it.',
  },
  'cut-over': {
    id: 'cut-over',
    title: 'Cut over',
    kind: 'vars-edit',
    long: false,
    irreversible: false,
    skippable: false,
    description: 'Removes the migration flag and the Synapse OIDC settings from vars.yml, so MAS handles logins.',
  },
  reinstall: {
    id: 'reinstall',
    title: 'Reinstall',
    kind: 'playbook',
    long: true,
    irreversible: false,
    skippable: false,
    description: 'Runs the playbook again so Synapse delegates authentication to MAS, and starts it.',
  },
  verify: {
    id: 'verify',
    title: 'Verify',
    kind: 'server',
    long: false,
    irreversible: false,
    skippable: false,
    description: 'Runs mas-cli doctor and judges it by its ✅/⚠️/❌ lines (it always exits 0).',
  },
  users: {
    id: 'users',
    title: 'Users',
    kind: 'server',
    long: false,
    irreversible: false,
    skippable: true,
    description: 'Compares user counts in Synapse and MAS and lists admins, so you can check nobody was lost.',
  },
  'first-admin': {
    id: 'first-admin',
    title: 'First admin',
    kind: 'server',
    long: false,
    irreversible: false,
    skippable: true,
    description: 'Registers the first administrator account in MAS.',
  },
};

const FLOWS: Record<Flow, readonly StepId[]> = {
  migrate: [
    'prerequisites',
    'secret',
    'url',
    'providers',
    'mark-migration',
    'install',
    'backup',
    'syn2mas-check',
    'dry-run',
    'migrate',
    'cut-over',
    'reinstall',
    'verify',
    'users',
  ],
  new: ['prerequisites', 'secret', 'url', 'providers', 'install', 'verify', 'first-admin'],
};

export function stepDefinition(id: StepId): StepDefinition {
  return CATALOGUE[id];
}

/** The ordered step ids of a flow. */
export function flowSteps(flow: Flow): readonly StepId[] {
  return FLOWS[flow];
}

export function isStepId(value: string): value is StepId {
  return (STEP_IDS as readonly string[]).includes(value);
}
