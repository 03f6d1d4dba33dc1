// Streaming reader of ansible-playbook's default stdout callback, in both result formats:
// JSON, which the real playbook gets (its ansible.cfg says `result_format = yaml` under
// [defaults], a key ansible-core never reads), and YAML (`callback_result_format = yaml`):
// PLAY / TASK / RUNNING HANDLER headers, per-host result lines with their payloads,
// `...ignoring`, PLAY RECAP. It keeps live progress, collects every registered command
// result the output shows (a failed command's own `fatal:` line, or a debug task printing
// the registered variable), and on failure pulls out the failing task and its message in
// plain words, recognising the playbook's known failures (reference/playbook.md §1.2, §2,
// §10; real-outputs.md §1) with an explanation and what to do.
import { parse as parseYaml } from 'yaml';
import { LineSplitter } from './lines.js';
import { syn2masExitMeaning, syn2masFromResult, type Syn2masItem } from './syn2mas.js';

export type ResultStatus = 'ok' | 'changed' | 'skipping' | 'failed' | 'unreachable';

export interface AnsibleProgress {
  play: string | null;
  task: string | null;
  role: string | null;
  /** 1-based number of the task header seen last (handlers included). */
  taskIndex: number;
  approxTotal?: number;
  /** Per host and task, as ansible's recap counts them (a loop counts once). */
  ok: number;
  changed: number;
  failed: number;
  skipped: number;
  ignored: number;
  unreachable: number;
}

export interface Explanation {
  /** Stable id; preflight finding ids where one exists. */
  id: string;
  title: string;
  explanation: string;
  todo: string;
  /** A container left behind whose removal is the remedy (the caller spells the command from its catalogue). */
  leftoverContainer?: string;
}

/**
 * A registered `ansible.builtin.command` result as Ansible printed it: from a failed task's own
 * `fatal: [host]: FAILED! => {…}` line, or from a debug task printing the registered variable.
 * In forced YAML, `stdout`/`stderr` have their control characters deleted (ESC included).
 */
export interface CommandResult {
  task: string | null;
  role: string | null;
  host: string;
  /** The registered variable's name, when a debug task printed it. */
  variable?: string;
  format: 'json' | 'yaml';
  rc: number | null;
  /** The argv list (`cmd` of the command module), or the string a shell task ran. */
  cmd: string[] | string | null;
  stdout: string;
  stderr: string;
  failed: boolean;
}

export interface AnsibleFailure {
  play: string | null;
  task: string | null;
  role: string | null;
  host: string;
  item?: string;
  unreachable: boolean;
  /** The failure in plain words: the task's `msg`, or for commands the exit code and stderr. */
  message: string;
  rc?: number;
  stdout?: string;
  stderr?: string;
  /** The command's argv (or shell string), when the result has one. */
  cmd?: string[] | string;
  /** The parsed result payload (JSON or YAML), when it could be read. */
  result?: Record<string, unknown>;
  explanation?: Explanation;
  /** For a failed syn2mas task: the check items it printed. */
  syn2masItems?: Syn2masItem[];
}

export interface RecapHost {
  host: string;
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export type AnsibleEvent =
  | { type: 'play'; name: string }
  | { type: 'task'; name: string; role: string | null; index: number; handler: boolean }
  | { type: 'result'; status: ResultStatus; host: string; item?: string }
  | { type: 'failure'; failure: AnsibleFailure }
  | { type: 'ignored'; failure: AnsibleFailure }
  | { type: 'recap'; hosts: RecapHost[] }
  | { type: 'command'; result: CommandResult }
  | { type: 'warning'; text: string }
  | { type: 'error'; text: string };

export interface AnsibleSummary {
  progress: AnsibleProgress;
  failures: AnsibleFailure[];
  ignoredFailures: AnsibleFailure[];
  recap: RecapHost[] | null;
  /** Every registered command result the output showed, in order. */
  commands: CommandResult[];
  warnings: string[];
  /** `ERROR! …` lines: ansible itself refused to run (syntax, missing role, bad inventory). */
  errors: string[];
  /** True when the recap shows no failed or unreachable host and no ansible error occurred. */
  succeeded: boolean;
}

const HEADER = /^(PLAY|TASK|RUNNING HANDLER) \[(.*)\] \**\s*$/;
const RECAP_HEADER = /^PLAY RECAP \**\s*$/;
const RECAP_LINE = /^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)(?:\s+skipped=(\d+))?(?:\s+rescued=(\d+))?(?:\s+ignored=(\d+))?/;
// `ok: [host]`, `changed: [host -> other] => (item=x) => {…}`, `fatal: [host]: FAILED! => …`,
// `failed: [host] (item=x) => …`, `fatal: [host]: UNREACHABLE! => …`
const RESULT = /^(ok|changed|skipping|fatal|failed): \[([^\]]+)\](: (FAILED|UNREACHABLE)!)?(?: \(item=(.*?)\))?(?: => (?:\(item=(.*?)\) => )?(.*))?$/;

const RANK: Record<ResultStatus, number> = { skipping: 0, ok: 1, changed: 2, failed: 3, unreachable: 4 };

interface Pending {
  status: ResultStatus;
  host: string;
  item?: string;
  format: 'json' | 'yaml';
  lines: string[];
}

export class AnsibleParser {
  readonly progress: AnsibleProgress;
  readonly failures: AnsibleFailure[] = [];
  readonly ignoredFailures: AnsibleFailure[] = [];
  readonly warnings: string[] = [];
  readonly errors: string[] = [];
  readonly commands: CommandResult[] = [];
  recap: RecapHost[] | null = null;

  /** Worst status per host in the current task, so loops and retries count once. */
  private taskHosts = new Map<string, ResultStatus>();
  private pending: Pending | null = null;
  private inRecap = false;
  private errorLines: string[] | null = null;
  private lastFailure: AnsibleFailure | null = null;
  private readonly splitter = new LineSplitter((l) => this.line(l));

  constructor(private readonly options: { approxTotal?: number; onEvent?: (e: AnsibleEvent) => void } = {}) {
    this.progress = { play: null, task: null, role: null, taskIndex: 0, ok: 0, changed: 0, failed: 0, skipped: 0, ignored: 0, unreachable: 0 };
    if (options.approxTotal !== undefined) this.progress.approxTotal = options.approxTotal;
  }

  feed(chunk: string): void { this.splitter.feed(chunk); }

  line(line: string): void {
    if (this.pending && this.continuesPayload(line)) return;
    if (this.errorLines) {
      if (line.trim() === '' || HEADER.test(line) || RECAP_HEADER.test(line)) this.closeError();
      else { this.errorLines.push(line); return; }
    }
    let m: RegExpExecArray | null;
    if ((m = HEADER.exec(line))) { this.header(m[1], m[2]); return; }
    if (RECAP_HEADER.test(line)) { this.inRecap = true; this.recap = []; return; }
    if (this.inRecap && (m = RECAP_LINE.exec(line))) {
      const n = (i: number) => Number(m![i] ?? 0);
      this.recap!.push({ host: m[1], ok: n(2), changed: n(3), unreachable: n(4), failed: n(5), skipped: n(6), rescued: n(7), ignored: n(8) });
      this.emit({ type: 'recap', hosts: this.recap! });
      return;
    }
    if ((m = RESULT.exec(line))) { this.result(m); return; }
    if (line === '...ignoring') { this.ignoreLast(); return; }
    if ((m = /^\[(WARNING|DEPRECATION WARNING)\]: (.*)$/.exec(line))) { this.warnings.push(m[2]); this.emit({ type: 'warning', text: m[2] }); return; }
    if (line.startsWith('ERROR! ')) { this.errorLines = [line.slice(7)]; return; }
  }

  end(): AnsibleSummary {
    this.splitter.flush();
    this.closePending();
    this.closeError();
    const recapBad = this.recap?.some((h) => h.failed > 0 || h.unreachable > 0) ?? true;
    return {
      progress: { ...this.progress }, failures: this.failures, ignoredFailures: this.ignoredFailures, recap: this.recap, commands: this.commands,
      warnings: this.warnings, errors: this.errors, succeeded: this.recap !== null && !recapBad && this.errors.length === 0 && this.failures.length === 0,
    };
  }

  private emit(e: AnsibleEvent): void { this.options.onEvent?.(e); }

  private header(kind: string, title: string): void {
    this.closePending();
    this.inRecap = false;
    if (kind === 'PLAY') {
      this.progress.play = title;
      this.emit({ type: 'play', name: title });
      return;
    }
    this.taskHosts = new Map();
    const sep = title.indexOf(' : ');
    const role = sep > 0 ? title.slice(0, sep) : null;
    const name = sep > 0 ? title.slice(sep + 3) : title;
    this.progress.task = name;
    this.progress.role = role;
    this.progress.taskIndex++;
    this.emit({ type: 'task', name, role, index: this.progress.taskIndex, handler: kind === 'RUNNING HANDLER' });
  }

  private result(m: RegExpExecArray): void {
    this.closePending();
    const word = m[1];
    const host = m[2].split(' -> ')[0];
    const status: ResultStatus = m[4] === 'UNREACHABLE' ? 'unreachable' : word === 'fatal' || word === 'failed' ? 'failed' : (word as ResultStatus);
    const item = m[5] ?? m[6];
    this.count(host, status);
    this.emit({ type: 'result', status, host, ...(item !== undefined ? { item } : {}) });
    const rest = m[7];
    if (rest === undefined) {
      if (status === 'failed' || status === 'unreachable') this.fail({ status, host, item, format: 'json', lines: [] });
      return;
    }
    const pending: Pending = { status, host, item, format: rest.trimStart().startsWith('{') ? 'json' : 'yaml', lines: rest.trim() === '' ? [] : [rest] };
    if (pending.format === 'json' && rest.trimEnd().endsWith('}') && tryJson(rest) !== undefined) { this.finish(pending); return; }
    this.pending = pending;
  }

  /** True when the line belongs to the payload being collected. */
  private continuesPayload(line: string): boolean {
    const p = this.pending!;
    if (p.format === 'json') {
      p.lines.push(line);
      // Pretty JSON from the default callback closes with `}` in column 0.
      if (line === '}') this.closePending();
      return true;
    }
    if (line === '' || /^\s/.test(line)) { p.lines.push(line); return true; }
    this.closePending();
    return false;
  }

  private closePending(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    this.finish(p);
  }

  private finish(p: Pending): void {
    // Only payloads that can hold a command result are parsed (a cheap look for an `rc` key first).
    const result = p.lines.length > 0 && (p.status === 'failed' || p.status === 'unreachable' || p.lines.some((l) => /^\s*"?rc"?:/.test(l)))
      ? readPayload(p.format, p.lines) : undefined;
    if (result) this.command(p, result);
    if (p.status === 'failed' || p.status === 'unreachable') this.fail(p, result);
  }

  private command(p: Pending, payload: Record<string, unknown>): void {
    let found = asCommand(payload);
    let variable: string | undefined;
    const keys = Object.keys(payload);
    if (!found && keys.length === 1 && payload[keys[0]] && typeof payload[keys[0]] === 'object') {
      found = asCommand(payload[keys[0]] as Record<string, unknown>);
      variable = keys[0];
    }
    if (!found) return;
    const result: CommandResult = { task: this.progress.task, role: this.progress.role, host: p.host, ...(variable ? { variable } : {}), format: p.format, ...found };
    this.commands.push(result);
    this.emit({ type: 'command', result });
  }

  private fail(p: Pending, parsed?: Record<string, unknown>): void {
    const result = parsed ?? (p.lines.length > 0 ? readPayload(p.format, p.lines) : undefined);
    const failure = describeFailure({
      play: this.progress.play, task: this.progress.task, role: this.progress.role, host: p.host,
      ...(p.item !== undefined ? { item: p.item } : {}), unreachable: p.status === 'unreachable', result,
    });
    this.failures.push(failure);
    this.lastFailure = failure;
    this.emit({ type: 'failure', failure });
  }

  private ignoreLast(): void {
    this.closePending();
    const f = this.lastFailure;
    if (!f) return;
    this.lastFailure = null;
    const i = this.failures.lastIndexOf(f);
    if (i >= 0) this.failures.splice(i, 1);
    this.ignoredFailures.push(f);
    // Ansible's recap counts an ignored failure as ok + ignored (+ changed when the result says so), not failed.
    if (this.taskHosts.get(f.host) === 'failed') {
      this.apply('failed', -1);
      this.taskHosts.set(f.host, 'ok');
      this.apply('ok', 1);
      this.progress.ignored++;
      if (f.result?.changed === true) this.progress.changed++;
    }
    this.emit({ type: 'ignored', failure: f });
  }

  private count(host: string, status: ResultStatus): void {
    const before = this.taskHosts.get(host);
    if (before !== undefined && RANK[before] >= RANK[status]) return;
    if (before !== undefined) this.apply(before, -1);
    this.apply(status, 1);
    this.taskHosts.set(host, status);
  }

  /** Same arithmetic as ansible's stats: a changed result also counts as ok. */
  private apply(status: ResultStatus, delta: 1 | -1): void {
    const p = this.progress;
    if (status === 'ok' || status === 'changed') p.ok += delta;
    if (status === 'changed') p.changed += delta;
    if (status === 'failed') p.failed += delta;
    if (status === 'skipping') p.skipped += delta;
    if (status === 'unreachable') p.unreachable += delta;
  }

  private closeError(): void {
    if (!this.errorLines) return;
    const text = this.errorLines.join('\n').trim();
    this.errorLines = null;
    this.errors.push(text);
    this.emit({ type: 'error', text });
  }
}

function tryJson(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch { return undefined; }
}

function readPayload(format: 'json' | 'yaml', lines: string[]): Record<string, unknown> | undefined {
  if (format === 'json') return tryJson(lines.join('\n'));
  const body = lines.slice();
  while (body.length && body[body.length - 1].trim() === '') body.pop();
  const indent = Math.min(...body.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  try {
    const v = parseYaml(body.map((l) => l.slice(indent)).join('\n'));
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch { return undefined; }
}

/** The command-module fields of a result, or undefined when it is not a command result. */
function asCommand(r: Record<string, unknown>): Pick<CommandResult, 'rc' | 'cmd' | 'stdout' | 'stderr' | 'failed'> | undefined {
  if (typeof r.rc !== 'number' || !('stdout' in r || 'stderr' in r)) return undefined;
  const text = (key: 'stdout' | 'stderr'): string => {
    if (typeof r[key] === 'string') return r[key] as string;
    // `*_lines` stand in only when the string is missing (forced YAML keeps the strings, omits the lists).
    const lines = r[`${key}_lines`];
    return Array.isArray(lines) ? lines.map(String).join('\n') : '';
  };
  const cmd = Array.isArray(r.cmd) ? r.cmd.map(String) : typeof r.cmd === 'string' ? r.cmd : null;
  return { rc: r.rc, cmd, stdout: text('stdout'), stderr: text('stderr'), failed: r.failed === true || r.rc !== 0 };
}

/** Every registered command result a captured playbook output shows (both result formats). */
export function commandResults(log: string): CommandResult[] {
  return parseAnsibleOutput(log).commands;
}

function asText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join('\n');
  return undefined;
}

function lastLines(text: string, n: number): string {
  const lines = text.trimEnd().split('\n');
  return lines.slice(-n).join('\n');
}

/** Builds the plain-words message and attaches an explanation when the failure is a known one. */
export function describeFailure(base: Omit<AnsibleFailure, 'message'> & { result?: Record<string, unknown> }): AnsibleFailure {
  const r = base.result;
  // A loop reports its failing items inside `results`.
  const failedItem = Array.isArray(r?.results) ? (r!.results as Record<string, unknown>[]).find((x) => x && (x.failed === true || x.unreachable === true)) : undefined;
  const src = failedItem ?? r ?? {};
  const msg = asText(src.msg);
  const rc = typeof src.rc === 'number' ? src.rc : undefined;
  const stderr = asText(src.stderr);
  const stdout = asText(src.stdout);
  const cmd = Array.isArray(src.cmd) ? src.cmd.map(String) : typeof src.cmd === 'string' ? src.cmd : undefined;
  let message: string;
  if (base.unreachable) message = `cannot reach the host ${base.host}: ${msg ?? 'unreachable'}`;
  else if (rc !== undefined && rc !== 0 && (!msg || msg === 'non-zero return code')) {
    message = `the command exited with code ${rc}${stderr ? `:\n${lastLines(stderr, 8)}` : ''}`;
  } else message = msg ?? (r ? 'the task failed without a message' : 'the task failed (no details printed)');
  const failure: AnsibleFailure = {
    ...base, message: message.trim(),
    ...(rc !== undefined ? { rc } : {}), ...(stdout !== undefined ? { stdout } : {}), ...(stderr !== undefined ? { stderr } : {}),
    ...(cmd !== undefined ? { cmd } : {}),
  };
  if (r === undefined) delete failure.result;
  const explained = explainAnsibleFailure(failure);
  if (explained) {
    failure.explanation = explained.explanation;
    if (explained.syn2masItems) failure.syn2masItems = explained.syn2masItems;
  }
  return failure;
}

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
        explanation: 'The playbook refuses every run until vars.yml says which playbook version\'s breaking changes you have reviewed.',
        todo: `read the breaking changes listed in the message, then set matrix_playbook_migration_validated_version: ${expected ?? '<the expected version>'} in vars.yml`,
      };
    },
  },
  {
    // The real task loops over the three variables; the failing one is the loop item, and the
    // message names it only after the words "password provider modules" (real validate_config.yml).
    test: (f) => `${f.item ?? ''} ${f.message}`.match(/matrix_synapse_ext_password_provider_(shared_secret_auth|rest_auth|ldap)_enabled/)
      ?? f.message.match(/does not make sense to enable password provider modules/),
    make: (_f, m) => {
      const which = m?.[1];
      return {
        id: which ? `synapse.password-provider.${which === 'ldap' ? 'ldap' : which.replace(/_/g, '-')}` : 'synapse.password-provider',
        title: 'A Synapse password provider is still enabled',
        explanation: 'With MAS handling logins, Synapse password providers make no sense and Synapse would refuse to start, so the playbook stops.',
        todo: `set ${which ? `matrix_synapse_ext_password_provider_${which}_enabled` : 'the password provider\'s *_enabled variable'}: false in vars.yml (users of that provider need an upstream provider in MAS instead)`,
      };
    },
  },
  {
    test: (f) => f.message.match(/secrets_encryption must be exactly 64 characters/),
    make: () => ({
      id: 'mas.secret-invalid',
      title: 'The MAS encryption secret has the wrong length',
      explanation: 'matrix_authentication_service_config_secrets_encryption must be exactly 64 hex characters (32 bytes).',
      todo: 'generate one with `openssl rand -hex 32` and put it in vars.yml (the wizard\'s secret step does this)',
    }),
  },
  {
    test: (f) => f.message.match(/matrix_synapse_enable_registration_captcha/),
    make: () => ({
      id: 'synapse.registration-captcha', title: 'Synapse registration CAPTCHA is still enabled',
      explanation: 'Registration moves to MAS, so the playbook refuses the Synapse CAPTCHA setting.',
      todo: 'remove matrix_synapse_enable_registration_captcha (or set false); configure matrix_authentication_service_config_captcha_* instead',
    }),
  },
  {
    test: (f) => f.message.match(/matrix_synapse_enable_registration\b|registration.*(?:MAS|Matrix Authentication Service)/i),
    make: () => ({
      id: 'synapse.registration-enabled', title: 'Synapse registration is still enabled',
      explanation: 'With MAS, registration is handled by MAS; the playbook refuses Synapse registration.',
      todo: 'set matrix_synapse_enable_registration: false; enable registration in MAS (matrix_authentication_service_config_account_password_registration_enabled) if you want it',
    }),
  },
  {
    test: (f) => f.message.match(/matrix_synapse_oidc_enabled|\bOIDC\b.*(?:MAS|Matrix Authentication Service|migration)/i),
    make: () => ({
      id: 'synapse.oidc-needs-conversion', title: 'Synapse OIDC is enabled outside migration mode',
      explanation: 'Synapse may keep its OIDC providers only while matrix_authentication_service_migration_in_progress is true (syn2mas needs them); afterwards MAS must own them.',
      todo: 'during the migration keep matrix_authentication_service_migration_in_progress: true; after syn2mas, remove the matrix_synapse_oidc_* variables (the providers live in matrix_authentication_service_config_upstream_oauth2_providers)',
    }),
  },
  {
    test: (f) => f.message.match(/matrix_synapse_cas_config_enabled/),
    make: () => ({
      id: 'synapse.cas-enabled', title: 'Synapse CAS login is still enabled',
      explanation: 'CAS cannot stay in Synapse once MAS handles logins.',
      todo: 'set matrix_synapse_cas_config_enabled: false and configure the identity source as an upstream provider in MAS',
    }),
  },
  {
    test: (f) => f.message.match(/matrix_synapse_password_config_enabled/),
    make: () => ({
      id: 'synapse.password-config-forced', title: 'Synapse password logins are forced on',
      explanation: 'vars.yml forces matrix_synapse_password_config_enabled: true, which conflicts with MAS.',
      todo: 'remove matrix_synapse_password_config_enabled from vars.yml (the playbook sets it right by itself)',
    }),
  },
  {
    test: (f) => f.message.match(/You need to define a required configuration setting \(`([^`]+)`\)/),
    make: (_f, m) => ({
      id: 'playbook.required-setting', title: `A required setting is empty: ${m?.[1]}`,
      explanation: `The playbook needs ${m?.[1]} and it is empty.`,
      todo: `set ${m?.[1]} in vars.yml`,
    }),
  },
  {
    test: (f) => f.message.match(/now has a different name[\s\S]*?\(`([^`]+)` -> `([^`]+)`\)/),
    make: (_f, m) => ({
      id: 'playbook.renamed-variable', title: `A variable was renamed: ${m?.[1]}`,
      explanation: `vars.yml uses ${m?.[1]}, which this playbook version calls ${m?.[2]}.`,
      todo: `rename ${m?.[1]} to ${m?.[2]} in vars.yml`,
    }),
  },
  {
    test: (f) => f.message.match(/matrix-authentication-service-mas-cli-syn2mas/) && !/mas.cli.syn2mas/i.test(f.task ?? ''),
    make: () => ({
      id: 'playbook.syn2mas-tag-renamed', title: 'The old syn2mas tag was used',
      explanation: 'This playbook runs syn2mas through mas-cli; the old tag only prints this message.',
      todo: 'use the tag matrix-authentication-service-mas-cli-syn2mas (the wizard picks it from the detected playbook generation)',
    }),
  },
  {
    test: (f) => f.unreachable,
    make: (f) => ({
      id: 'ansible.unreachable', title: `Ansible cannot reach ${f.host}`,
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
    const title = legacy ? `syn2mas exited with code ${f.rc}`
      : f.rc === 10 ? `syn2mas ${sub} found errors (exit 10)`
        : f.rc === 11 && sub === 'check' ? 'the syn2mas check found warnings (exit 11)'
          : `syn2mas ${sub} exited with code ${f.rc}`;
    return {
      syn2masItems: items,
      explanation: {
        id: 'syn2mas.failed',
        title,
        explanation: `${meaning.meaning}${first ? ` First problem: ${'message' in first ? first.message : first.text}` : ''}`,
        todo: first?.fix ?? (f.rc === 11 ? 'read each warning and acknowledge it; then continue' : 'fix the problems listed, then run the step again; a real run leaves Synapse and MAS stopped'),
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
      todo: 'install ansible-core 2.15.1 or newer on this machine (e.g. pipx install ansible-core, or the playbook\'s container image), or set matrix_playbook_docker_installation_enabled: false in vars.yml if Docker is managed another way',
    };
  }
  return undefined;
}

/** Parses a whole captured output at once. */
export function parseAnsibleOutput(text: string, options: { approxTotal?: number } = {}): AnsibleSummary {
  const p = new AnsibleParser(options);
  p.feed(text);
  return p.end();
}
