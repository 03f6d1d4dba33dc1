// Streaming reader of ansible-playbook's default stdout callback, in both result formats:
// JSON, which the real playbook gets (its ansible.cfg says `result_format = yaml` under
// [defaults], a key ansible-core never reads), and YAML (`callback_result_format = yaml`):
// PLAY / TASK / RUNNING HANDLER headers, per-host result lines with their payloads,
// `...ignoring`, PLAY RECAP. It keeps live progress, collects every registered command
// result the output shows (a failed command's own `fatal:` line, or a debug task printing
// the registered variable), and on failure pulls out the failing task and its message in
// plain words; ansible-advice.ts says what a known failure means and what to do.
import { parse as parseYaml } from 'yaml';
import { LineSplitter } from './lines.js';
import { explainAnsibleFailure } from './ansible-advice.js';
import type { Syn2masItem } from './syn2mas.js';

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

  feed(chunk: string): void {
    this.splitter.feed(chunk);
  }

  line(line: string): void {
    if (this.pending && this.continuesPayload(line)) return;
    if (this.errorLines) {
      if (line.trim() === '' || HEADER.test(line) || RECAP_HEADER.test(line)) this.closeError();
      else {
        this.errorLines.push(line);
        return;
      }
    }
    let m: RegExpExecArray | null;
    if ((m = HEADER.exec(line))) {
      this.header(m[1], m[2]);
      return;
    }
    if (RECAP_HEADER.test(line)) {
      this.inRecap = true;
      this.recap = [];
      return;
    }
    if (this.inRecap && (m = RECAP_LINE.exec(line))) {
      const n = (i: number) => Number(m![i] ?? 0);
      this.recap!.push({ host: m[1], ok: n(2), changed: n(3), unreachable: n(4), failed: n(5), skipped: n(6), rescued: n(7), ignored: n(8) });
      this.emit({ type: 'recap', hosts: this.recap! });
      return;
    }
    if ((m = RESULT.exec(line))) {
      this.result(m);
      return;
    }
    if (line === '...ignoring') {
      this.ignoreLast();
      return;
    }
    if ((m = /^\[(WARNING|DEPRECATION WARNING)\]: (.*)$/.exec(line))) {
      this.warnings.push(m[2]);
      this.emit({ type: 'warning', text: m[2] });
      return;
    }
    if (line.startsWith('ERROR! ')) {
      this.errorLines = [line.slice(7)];
      return;
    }
  }

  end(): AnsibleSummary {
    this.splitter.flush();
    this.closePending();
    this.closeError();
    const recapBad = this.recap?.some((h) => h.failed > 0 || h.unreachable > 0) ?? true;
    return {
      progress: { ...this.progress },
      failures: this.failures,
      ignoredFailures: this.ignoredFailures,
      recap: this.recap,
      commands: this.commands,
      warnings: this.warnings,
      errors: this.errors,
      succeeded: this.recap !== null && !recapBad && this.errors.length === 0 && this.failures.length === 0,
    };
  }

  private emit(e: AnsibleEvent): void {
    this.options.onEvent?.(e);
  }

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
    if (pending.format === 'json' && rest.trimEnd().endsWith('}') && tryJson(rest) !== undefined) {
      this.finish(pending);
      return;
    }
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
    if (line === '' || /^\s/.test(line)) {
      p.lines.push(line);
      return true;
    }
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
    const result =
      p.lines.length > 0 && (p.status === 'failed' || p.status === 'unreachable' || p.lines.some((l) => /^\s*"?rc"?:/.test(l)))
        ? readPayload(p.format, p.lines)
        : undefined;
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
    const result: CommandResult = {
      task: this.progress.task,
      role: this.progress.role,
      host: p.host,
      ...(variable ? { variable } : {}),
      format: p.format,
      ...found,
    };
    this.commands.push(result);
    this.emit({ type: 'command', result });
  }

  private fail(p: Pending, parsed?: Record<string, unknown>): void {
    const result = parsed ?? (p.lines.length > 0 ? readPayload(p.format, p.lines) : undefined);
    const failure = describeFailure({
      play: this.progress.play,
      task: this.progress.task,
      role: this.progress.role,
      host: p.host,
      ...(p.item !== undefined ? { item: p.item } : {}),
      unreachable: p.status === 'unreachable',
      result,
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
  } catch {
    return undefined;
  }
}

function readPayload(format: 'json' | 'yaml', lines: string[]): Record<string, unknown> | undefined {
  if (format === 'json') return tryJson(lines.join('\n'));
  const body = lines.slice();
  while (body.length && body[body.length - 1].trim() === '') body.pop();
  const indent = Math.min(...body.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  try {
    const v = parseYaml(body.map((l) => l.slice(indent)).join('\n'));
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
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
  const failedItem = Array.isArray(r?.results)
    ? (r!.results as Record<string, unknown>[]).find((x) => x && (x.failed === true || x.unreachable === true))
    : undefined;
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
    ...base,
    message: message.trim(),
    ...(rc !== undefined ? { rc } : {}),
    ...(stdout !== undefined ? { stdout } : {}),
    ...(stderr !== undefined ? { stderr } : {}),
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

/** Parses a whole captured output at once. */
export function parseAnsibleOutput(text: string, options: { approxTotal?: number } = {}): AnsibleSummary {
  const p = new AnsibleParser(options);
  p.feed(text);
  return p.end();
}
