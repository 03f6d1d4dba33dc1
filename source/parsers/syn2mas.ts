// Reads what syn2mas prints, line by line, into facts the wizard can act on:
// - current `mas-cli syn2mas check|migrate [--dry-run]` (reference/mas.md §3.3–3.5, §8):
//   the `===== Errors =====` / `===== Warnings =====` blocks, per-stage counts and timings,
//   periodic progress, the dry-run closing warning, `Error: …` with its causes;
// - the legacy npm tool `@vector-im/syn2mas` ≤ 0.15 (mas.md §3.2; real outputs in
//   shared/data/mas/legacy-syn2mas-example): advisor lines, per-user progress, fatals.
// Every item comes with a plain explanation and, where the cause is known, the fix.
import { LineSplitter } from './lines.js';
import { explainSyn2mas } from './syn2mas-advice.js';

export type Syn2masSeverity = 'error' | 'warning';

export interface Syn2masItem {
  severity: Syn2masSeverity;
  /** The tool's own words, whole (continuation lines joined with a space). */
  text: string;
  /** Stable id of the recognised cause, or `syn2mas.unrecognised`. */
  kind: string;
  explanation: string;
  fix?: string;
}

export interface Syn2masStage {
  entity: string;
  migrated: number;
  skipped: number;
  seconds: number;
}

export interface Syn2masProgress {
  entity: string;
  migrated: number;
  skipped: number;
  approxTotal: number | null;
  percent: number | null;
}

export interface Syn2masRebuild {
  kind: 'index' | 'constraint';
  name: string;
  seconds: number;
}

export interface Syn2masFatal {
  message: string;
  causes: string[];
  kind: string;
  explanation: string;
  fix?: string;
}

export interface LegacyReport {
  /** Advisor and migrate WARN/ERROR/FATAL lines, explained. */
  items: Syn2masItem[];
  usersProcessed: number;
  usersMigrated: number;
  /** "Completed migration[ dry-run] of N users with F fatals and W warnings". */
  completed: { dryRun: boolean; users: number; fatals: number; warnings: number } | null;
  /** Synapse auth providers the tool had no mapping for ("Unknown upstream provider X"). */
  unknownProviders: string[];
  /** "Found N existing users in MAS. Refusing to continue." */
  existingMasUsers: number | null;
  /** The last user the tool started on: after a failed real run it may be half-migrated. */
  lastUser: string | null;
}

export interface Syn2masReport {
  tool: 'mas-cli' | 'legacy' | 'unknown';
  errors: Syn2masItem[];
  warnings: Syn2masItem[];
  /** `check` printed "Check completed successfully with no errors or warnings." */
  checkClean: boolean;
  /** `Error: …` (current tool) or the legacy tool's uncaught error, explained. */
  fatal: Syn2masFatal | null;
  /** The table named by "The MAS database is not empty: rows found in at least `X`". */
  masDbNotEmpty: string | null;
  stages: Syn2masStage[];
  rebuilds: Syn2masRebuild[];
  /** The latest periodic progress line, or `still setting up`. */
  progress: Syn2masProgress | null;
  settingUp: boolean;
  /** WARN "Migration ran in dry-run mode, deleting all imported data" was seen. */
  dryRunFinished: boolean;
  /** WARN "Partial syn2mas migration has already been done; resetting." was seen. */
  partialReset: boolean;
  /** Timestamps (ms since epoch) of "Starting new syn2mas migration" and the last log line. */
  migrationStartedAt: number | null;
  lastTimestamp: number | null;
  legacy: LegacyReport;
}

/** What an exit code of `mas-cli syn2mas` means (mas.md §0, §3.3). */
export function syn2masExitMeaning(
  code: number | null,
  subcommand: 'check' | 'migrate',
  legacy = false,
): { ok: boolean; proceed: 'yes' | 'acknowledge' | 'no'; meaning: string } {
  if (code === null)
    return {
      ok: false,
      proceed: 'no',
      meaning:
        'syn2mas did not report an exit status (connection lost or killed): its outcome is unknown, look at the log and the MAS database before going on.',
    };
  if (legacy) {
    return code === 0
      ? { ok: true, proceed: 'yes', meaning: 'The legacy syn2mas tool finished without fatal errors.' }
      : { ok: false, proceed: 'no', meaning: `The legacy syn2mas tool failed (exit ${code}). A real run may have left some users half-migrated in MAS.` };
  }
  switch (code) {
    case 0:
      return subcommand === 'check'
        ? { ok: true, proceed: 'yes', meaning: 'The check found no errors and no warnings.' }
        : { ok: true, proceed: 'yes', meaning: 'The migration finished successfully.' };
    case 10:
      return { ok: false, proceed: 'no', meaning: 'syn2mas found errors that prevent migrating right now; each one is listed with what to change.' };
    case 11:
      return subcommand === 'check'
        ? { ok: true, proceed: 'acknowledge', meaning: 'The check found only warnings: migrating is possible, but read and acknowledge each warning first.' }
        : { ok: false, proceed: 'no', meaning: 'Unexpected exit 11 from migrate (only check uses 11).' };
    case 1:
      return { ok: false, proceed: 'no', meaning: 'syn2mas stopped with an error (shown after "Error:"); nothing was migrated for good.' };
    default:
      return { ok: false, proceed: 'no', meaning: `syn2mas exited with unexpected code ${code}.` };
  }
}

// `2025-11-14T00:29:04.945731Z  INFO syn2mas::migration:321 95 users migrated (0 skipped) in 0.0s`
const CURRENT_LOG = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)\s+(TRACE|DEBUG|INFO|WARN|ERROR)\s+(\S+)\s?(.*)$/;
// `[2026-11-28T18:31:36.181] [FATAL] migrate - message`
const LEGACY_LOG = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)\] \[(TRACE|DEBUG|INFO|WARN|ERROR|FATAL|MARK)\] (\S+) - (.*)$/;
const STAGE =
  /^(\d+) (users|third-party IDs|upstream links \(external IDs\)|non-refreshable access tokens|refreshable token pairs|devices) migrated \((\d+) skipped\) in ([\d.]+)s/;
const STAGE_ENTITY: Record<string, string> = {
  users: 'users',
  'third-party IDs': 'threepids',
  'upstream links (external IDs)': 'external_ids',
  'non-refreshable access tokens': 'nonrefreshable_access_tokens',
  'refreshable token pairs': 'refreshable_tokens',
  devices: 'devices',
};
const PROGRESS = /^migrating (\w+): (\d+) \((\d+) skipped\)(?: \/~(\d+)(?: \(~?([\d.]+)%\))?)?/;
const REBUILT = /^(index|constraint) (\S+) rebuilt in ([\d.]+)s/;

type Block = 'errors' | 'warnings' | null;

// log4js's coloured layout with its ESC bytes gone, as forced-YAML Ansible output has it
// (real-outputs.md §1): `[32m[2026-…] [INFO] migrate - [39mText`. ESC-prefixed codes are
// stripped by the line splitter already.
const BARE_LOG4JS = /^\[(?:3\d|9\d)m(\[\d{4}-\d\d-\d\dT[^\]]*\] \[[A-Z]+\] \S+ - )\[39m/;

function withoutBareColours(line: string): string {
  return line.startsWith('[') ? line.replace(BARE_LOG4JS, '$1') : line;
}

/** Feed lines (or chunks) as they arrive; read `report` at any time, `end()` when done. */
export class Syn2masParser {
  readonly report: Syn2masReport = {
    tool: 'unknown',
    errors: [],
    warnings: [],
    checkClean: false,
    fatal: null,
    masDbNotEmpty: null,
    stages: [],
    rebuilds: [],
    progress: null,
    settingUp: false,
    dryRunFinished: false,
    partialReset: false,
    migrationStartedAt: null,
    lastTimestamp: null,
    legacy: { items: [], usersProcessed: 0, usersMigrated: 0, completed: null, unknownProviders: [], existingMasUsers: null, lastUser: null },
  };

  private block: Block = null;
  private item: string[] | null = null;
  /** Collecting `Error: …` and its `Caused by:` list. */
  private fatalLines: string[] | null = null;
  /** A legacy ERROR/FATAL event whose continuation lines (stack, ZodError dump) are still coming. */
  private legacyEvent: { level: string; lines: string[] } | null = null;
  private readonly splitter = new LineSplitter((l) => this.line(l));

  feed(chunk: string): void {
    this.splitter.feed(chunk);
  }

  line(raw: string): void {
    const line = withoutBareColours(raw);
    const legacy = LEGACY_LOG.exec(line);
    if (legacy) {
      this.closeAll();
      this.legacyLine(legacy[1], legacy[2], legacy[4]);
      return;
    }
    if (this.legacyEvent) {
      if (line.startsWith('#') && line.includes('----')) {
        this.closeLegacyEvent();
        return;
      }
      this.legacyEvent.lines.push(line);
      return;
    }
    const log = CURRENT_LOG.exec(line);
    if (log) {
      this.closeAll();
      this.currentLine(log[1], log[2], log[4]);
      return;
    }

    if (/^===== Errors =====/.test(line)) {
      this.closeAll();
      this.block = 'errors';
      this.report.tool = 'mas-cli';
      return;
    }
    if (/^===== Warnings =====/.test(line)) {
      this.closeAll();
      this.block = 'warnings';
      this.report.tool = 'mas-cli';
      return;
    }
    if (line.startsWith('Check completed successfully with no errors or warnings')) {
      this.closeAll();
      this.report.checkClean = true;
      this.report.tool = 'mas-cli';
      return;
    }
    if (line.startsWith('Error: ')) {
      this.closeAll();
      this.fatalLines = [line.slice(7)];
      return;
    }
    if (this.fatalLines) {
      this.fatalLines.push(line);
      return;
    }

    if (this.block) {
      const bullet = /^\s*[•*-]\s+(.*)$/.exec(line);
      if (bullet) {
        this.closeItem();
        this.item = [bullet[1].trim()];
        return;
      }
      if (line.trim() === '') {
        this.closeItem();
        return;
      }
      if (this.item) {
        this.item.push(line.trim());
        return;
      }
      // The block's intro sentence ("These issues prevent …") carries no item.
    }
  }

  end(): Syn2masReport {
    this.splitter.flush();
    this.closeAll();
    return this.report;
  }

  private currentLine(ts: string, level: string, message: string): void {
    this.report.tool = 'mas-cli';
    const t = Date.parse(ts);
    if (!Number.isNaN(t)) this.report.lastTimestamp = t;
    let m: RegExpExecArray | null;
    if (message.startsWith('Starting new syn2mas migration')) {
      this.report.migrationStartedAt = t;
      return;
    }
    if ((m = STAGE.exec(message))) {
      this.report.stages.push({ entity: STAGE_ENTITY[m[2]], migrated: Number(m[1]), skipped: Number(m[3]), seconds: Number(m[4]) });
      this.report.settingUp = false;
      return;
    }
    if ((m = PROGRESS.exec(message))) {
      this.report.settingUp = false;
      this.report.progress = {
        entity: m[1],
        migrated: Number(m[2]),
        skipped: Number(m[3]),
        approxTotal: m[4] !== undefined ? Number(m[4]) : null,
        percent: m[5] !== undefined ? Number(m[5]) : null,
      };
      return;
    }
    if (message.startsWith('still setting up')) {
      this.report.settingUp = true;
      return;
    }
    if ((m = REBUILT.exec(message))) {
      this.report.rebuilds.push({ kind: m[1] as 'index' | 'constraint', name: m[2], seconds: Number(m[3]) });
      return;
    }
    if (message.startsWith('Migration ran in dry-run mode')) {
      this.report.dryRunFinished = true;
      return;
    }
    if (message.startsWith('Partial syn2mas migration has already been done')) {
      this.report.partialReset = true;
      return;
    }
    // One problem in two ERROR lines ("Failed to acquire …" / "This likely means that another … is running!"): one item.
    if (level === 'ERROR' && /Failed to acquire syn2mas lock/.test(message)) {
      this.addItem('error', message);
    }
  }

  private legacyLine(_ts: string, level: string, message: string): void {
    this.report.tool = 'legacy';
    const lg = this.report.legacy;
    let m: RegExpExecArray | null;
    if ((m = /^Processing user (\S+)/.exec(message))) {
      lg.usersProcessed++;
      lg.lastUser = m[1];
      return;
    }
    if (message.startsWith('Migrated user ')) {
      lg.usersMigrated++;
      return;
    }
    if ((m = /^Completed migration( dry-run)? of (\d+) users with (\d+) fatals and (\d+) warnings/.exec(message))) {
      lg.completed = { dryRun: m[1] !== undefined, users: Number(m[2]), fatals: Number(m[3]), warnings: Number(m[4]) };
      return;
    }
    if (level === 'WARN') {
      this.legacyItem('warning', message);
      return;
    }
    if (level === 'ERROR' || level === 'FATAL') {
      this.legacyEvent = { level, lines: [message] };
    }
  }

  private legacyItem(severity: Syn2masSeverity, text: string): void {
    const item = explainSyn2mas(severity, text);
    const lg = this.report.legacy;
    lg.items.push(item);
    const unknown = /Unknown upstream provider (\S+)/.exec(text);
    if (unknown && !lg.unknownProviders.includes(unknown[1])) lg.unknownProviders.push(unknown[1]);
    const existing = /Found (\d+) existing users in MAS/.exec(text);
    if (existing) lg.existingMasUsers = Number(existing[1]);
    (severity === 'error' ? this.report.errors : this.report.warnings).push(item);
  }

  private closeLegacyEvent(): void {
    const ev = this.legacyEvent;
    if (!ev) return;
    this.legacyEvent = null;
    const first = ev.lines[0];
    if (ev.level === 'FATAL') {
      this.legacyItem('error', first);
      return;
    }
    // An uncaught error: the first line, plus the ZodError's own message when there is one.
    const whole = ev.lines.join('\n');
    const zod = /"path": \[([^\]]*)\][\s\S]*?"message": "([^"]+)"/.exec(whole);
    const message = zod
      ? `${first.replace(/:?\s*\[$/, '')}: ${zod[2]} at ${zod[1]
          .replace(/[\s"]+/g, '')
          .split(',')
          .join('.')}`
      : first;
    const item = explainSyn2mas('error', message);
    if (zod && zod[1].replace(/[\s"]+/g, '') === 'secrets,encryption') {
      item.fix = 'secrets.encryption must be a YAML string: quote it (e.g. encryption: "0000…"), an unquoted all-digit value is read as a number';
    }
    this.report.fatal = { message, causes: [], kind: item.kind, explanation: item.explanation, fix: item.fix };
    if (!/Migration failed with/.test(message)) this.report.errors.push(item);
  }

  private addItem(severity: Syn2masSeverity, text: string): void {
    const item = explainSyn2mas(severity, text);
    (severity === 'error' ? this.report.errors : this.report.warnings).push(item);
  }

  private closeItem(): void {
    if (!this.item || !this.block) {
      this.item = null;
      return;
    }
    this.addItem(this.block === 'errors' ? 'error' : 'warning', this.item.join(' '));
    this.item = null;
  }

  private closeFatal(): void {
    const lines = this.fatalLines;
    if (!lines) return;
    this.fatalLines = null;
    const message = lines[0];
    const causes = lines
      .slice(1)
      .map((l) => l.trim())
      .filter((l) => l !== '' && l !== 'Caused by:')
      .map((l) => l.replace(/^\d+:\s*/, ''));
    const item = explainSyn2mas('error', [message, ...causes].join(' — '));
    this.report.fatal = { message, causes, kind: item.kind, explanation: item.explanation, fix: item.fix };
    const notEmpty = /The MAS database is not empty: rows found in at least `([^`]+)`/.exec(message);
    if (notEmpty) this.report.masDbNotEmpty = notEmpty[1];
  }

  private closeAll(): void {
    this.closeItem();
    this.block = null;
    this.closeFatal();
    this.closeLegacyEvent();
  }
}

/** Parses a whole captured output at once. */
export function parseSyn2masOutput(text: string): Syn2masReport {
  const p = new Syn2masParser();
  p.feed(text);
  return p.end();
}

/**
 * The report of one registered syn2mas command result (parsers/ansible.ts `commandResults`):
 * MAS 0.16+ writes its logs and report to stderr and only the clean-check line to stdout;
 * the legacy tool writes everything to stdout. Both streams are read, stderr first.
 */
export function syn2masFromResult(result: { stdout: string; stderr: string }): Syn2masReport {
  const p = new Syn2masParser();
  p.feed(result.stderr);
  if (result.stderr && !result.stderr.endsWith('\n')) p.feed('\n');
  p.feed(result.stdout);
  return p.end();
}

export interface DowntimeEstimate {
  /** Seconds the dry run spent migrating (first to last log line of the migration). */
  measuredSeconds: number;
  /** A cautious estimate for the real run's downtime, Synapse stop/start included. */
  estimateSeconds: number;
  basis: string;
}

/**
 * From a dry run's report: the real run migrates the same rows, but takes EXCLUSIVE
 * locks and stops Synapse and MAS first. Margin ×1.5 plus 60 s for stopping and
 * starting the services; the basis says which numbers it came from.
 */
export function estimateDowntime(report: Syn2masReport): DowntimeEstimate | null {
  let measured: number | null = null;
  let basis: string;
  if (report.migrationStartedAt !== null && report.lastTimestamp !== null && report.lastTimestamp >= report.migrationStartedAt) {
    measured = (report.lastTimestamp - report.migrationStartedAt) / 1000;
    basis = 'time between "Starting new syn2mas migration" and the last line of the dry run';
  } else if (report.stages.length > 0) {
    measured = report.stages.reduce((s, st) => s + st.seconds, 0) + report.rebuilds.reduce((s, r) => s + r.seconds, 0);
    basis = 'sum of the per-stage and rebuild timings of the dry run';
  } else return null;
  return {
    measuredSeconds: measured,
    estimateSeconds: Math.ceil(measured * 1.5 + 60),
    basis: `${basis}, ×1.5 margin, plus 60 s to stop and start Synapse and MAS`,
  };
}
