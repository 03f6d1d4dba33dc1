// `mas-cli doctor` always exits 0 (reference/mas.md §4): this parser is the judge.
// Its output is one tracing event per check, first line marked ✅ / ⚠️ / ❌ / 💡, often
// followed by lines of advice (remediation YAML) without a timestamp. A few events carry
// no emoji (the legacy-login ERROR, the old "missing msc2965" WARN): the level decides then.
// Covers the current texts and the older ones (Synapse admin API checks before v1.2,
// "Synapse admin API … is_localpart_available" v1.2–v1.20, well-known issuer checks before v1.21,
// the default tracing format before v0.16).
import { LineSplitter } from './lines.js';

export type DoctorStatus = 'ok' | 'warn' | 'fail' | 'info';

export interface DoctorItem {
  status: DoctorStatus;
  /** The event's message without its emoji (first line). */
  text: string;
  /** Lines that followed the first one (advice, remediation YAML, Synapse error bodies). */
  detail: string[];
  /** Which check this is, e.g. `doctor.homeserver-reachable`, or `doctor.other`. */
  check: string;
  /** What this result means, in plain words. */
  meaning: string;
  /** What to do about it (absent when nothing needs doing). */
  todo?: string;
}

export interface DoctorReport {
  items: DoctorItem[];
  counts: Record<DoctorStatus, number>;
  /** True when no check failed (warnings are allowed, but shown). */
  healthy: boolean;
  /** `Error: …` — doctor could not even start (bad config), it then exits 1. */
  fatal: string | null;
}

const TIMESTAMPED = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z?)\s+(TRACE|DEBUG|INFO|WARN|ERROR)\s+(.*)$/;
const MARKER = /(\u2705|\u274C|\u26A0\uFE0F?|\u{1F4A1})\s?/u;
const STATUS_OF: Record<string, DoctorStatus> = { '\u2705': 'ok', '\u274C': 'fail', '\u26A0': 'warn', '\u26A0\uFE0F': 'warn', '\u{1F4A1}': 'info' };
const LEVEL_STATUS: Record<string, DoctorStatus> = { ERROR: 'fail', WARN: 'warn', INFO: 'info', DEBUG: 'info', TRACE: 'info' };

interface Known {
  re: RegExp;
  check: string;
  meaning: string | ((m: RegExpMatchArray) => string);
  todo?: string | ((m: RegExpMatchArray) => string | undefined);
}

// First match wins; statuses come from the marker or level, these add meaning and advice.
const KNOWN: Known[] = [
  {
    re: /Running diagnostics/,
    check: 'doctor.start',
    meaning: 'Doctor started; its results only count if MAS and Synapse are both running with the same configuration.',
  },
  {
    re: /issuer in the config .* is not an HTTPS URL/,
    check: 'doctor.issuer-https',
    meaning: 'MAS announces a plain-HTTP issuer; clients expect HTTPS.',
    todo: 'serve MAS over HTTPS: check matrix_authentication_service_hostname and the reverse proxy, then re-run the playbook',
  },
  {
    re: /Matrix client well-known replied with (\d+)|Invalid JSON for the well-known document|Failed to fetch well-known document/,
    check: 'doctor.well-known',
    meaning: "The server's /.well-known/matrix/client document could not be read; clients may not find the homeserver.",
    todo: 'make sure https://<your domain>/.well-known/matrix/client is served (matrix_well_known_matrix_client_enabled, or your base-domain web server)',
  },
  { re: /Matrix client well-known at .* is valid/, check: 'doctor.well-known', meaning: 'The well-known document is valid (older MAS check).' },
  {
    re: /missing the "org\.matrix\.msc2965\.authentication" section|does not have a valid "issuer" field|issuer is not the same/,
    check: 'doctor.well-known-msc2965',
    meaning: 'The well-known document does not point clients at MAS (a check of MAS before 1.21).',
    todo: 're-run the playbook with MAS enabled and migration mode off, so the well-known file announces MAS',
  },
  { re: /Homeserver is reachable at/, check: 'doctor.homeserver-reachable', meaning: "MAS can reach Synapse's client API." },
  {
    re: /Can't reach the homeserver at|Can't reach the homeserver/,
    check: 'doctor.homeserver-reachable',
    meaning: 'MAS cannot reach Synapse at the configured endpoint.',
    todo: 'check that Synapse is running (systemctl status matrix-synapse) and that matrix_authentication_service_config_matrix_endpoint is right',
  },
  {
    re: /correctly rejected an invalid token/,
    check: 'doctor.token-delegation',
    meaning: 'Synapse asks MAS about tokens and rejected a made-up one, as it should.',
  },
  {
    re: /The homeserver at "[^"]*" replied with (\d+)/,
    check: 'doctor.token-delegation',
    meaning: (m) => {
      const code = Number(m[1]);
      if (code === 503) return 'Synapse answered 503: it cannot reach MAS to check tokens.';
      if (code < 400) return `Synapse accepted a made-up token (${code}): it is not delegating logins to MAS.`;
      return `Synapse answered ${code} to a made-up token; 401 was expected.`;
    },
    todo: (m) =>
      Number(m[1]) === 503
        ? 'check that MAS is running and that Synapse reaches it (the Synapse error body is shown below)'
        : 'remove matrix_authentication_service_migration_in_progress (or set it false) and re-run the playbook so Synapse delegates to MAS',
  },
  {
    re: /(Synapse MAS API|Synapse admin API) is reachable with authentication/,
    check: 'doctor.synapse-mas-api',
    meaning: 'MAS can talk to Synapse with the shared secret.',
  },
  { re: /The Synapse admin API is reachable at/, check: 'doctor.synapse-admin-api', meaning: "Synapse's admin API answers (older MAS check)." },
  {
    re: /(?:Synapse MAS API|Synapse admin API) endpoint at "[^"]*" replied with (\d+)|Synapse admin API at "[^"]*" replied with (\d+)/,
    check: 'doctor.synapse-mas-api',
    meaning: (m) => {
      const code = Number(m[1] ?? m[2]);
      if (code === 403 || code === 401) return `Synapse refused MAS's shared secret (${code}).`;
      if (code === 404) return 'Synapse does not offer the MAS API (404): the MAS integration is not switched on in Synapse.';
      return `Synapse answered ${code} where MAS expected its MAS API.`;
    },
    todo: (m) => {
      const code = Number(m[1] ?? m[2]);
      if (code === 403 || code === 401)
        return "make MAS matrix.secret equal Synapse's matrix_authentication_service.secret: do not override matrix_authentication_service_config_matrix_secret, re-run the playbook";
      if (code === 404)
        return 'Synapse only gets its MAS block after migration mode ends: remove matrix_authentication_service_migration_in_progress and re-run the playbook (and use Synapse 1.136 or newer)';
      return 'look at the Synapse logs for this request';
    },
  },
  {
    re: /Can't reach the Synapse (?:MAS|admin) API/,
    check: 'doctor.synapse-mas-api',
    meaning: "MAS cannot reach Synapse's MAS API at all.",
    todo: 'check that Synapse is running and that matrix_authentication_service_config_matrix_endpoint points at it',
  },
  {
    re: /legacy login API at "[^"]*" is reachable and is handled by MAS/,
    check: 'doctor.legacy-login',
    meaning: 'Old-style (password) logins reach MAS: older clients and bots keep working.',
  },
  {
    re: /legacy login API at "[^"]*" is reachable, but it doesn't look to be handled by MAS/,
    check: 'doctor.legacy-login',
    meaning: 'Old-style logins still go to Synapse, not MAS: older clients and bots will fail to log in.',
    todo: 'the compatibility-layer routes are off while migrating: remove matrix_authentication_service_migration_in_progress and re-run the playbook; if you run your own reverse proxy, route /_matrix/client/*/login, logout and refresh to MAS',
  },
  {
    re: /legacy login API at "[^"]*" replied with (\d+)/,
    check: 'doctor.legacy-login',
    meaning: (m) => `The login endpoint answered ${m[1]}: clients cannot log in the old way.`,
    todo: 'check the reverse proxy routes for /_matrix/client/*/login (they should reach MAS) and the MAS logs',
  },
  {
    re: /Can't reach the legacy login API/,
    check: 'doctor.legacy-login',
    meaning: 'The login endpoint could not be reached from where doctor runs.',
    todo: 'check DNS and the reverse proxy for the homeserver base URL',
  },
];

function describe(status: DoctorStatus, text: string): Pick<DoctorItem, 'check' | 'meaning' | 'todo'> {
  for (const k of KNOWN) {
    const m = text.match(k.re);
    if (!m) continue;
    const meaning = typeof k.meaning === 'function' ? k.meaning(m) : k.meaning;
    const todo = status === 'ok' || status === 'info' ? undefined : typeof k.todo === 'function' ? k.todo(m) : k.todo;
    return { check: k.check, meaning, ...(todo ? { todo } : {}) };
  }
  const generic: Record<DoctorStatus, string> = {
    ok: 'This check passed.',
    info: 'Information from doctor.',
    warn: 'Doctor warns about this; MAS works, but something may break for some users.',
    fail: 'This check failed: MAS is not working correctly for this part.',
  };
  return {
    check: 'doctor.other',
    meaning: generic[status],
    ...(status === 'fail' || status === 'warn'
      ? { todo: 'read the message and the lines after it; the MAS docs page for `mas-cli doctor` explains each check' }
      : {}),
  };
}

// Before v0.16, tracing's full format: span(s), target, file and line, each ending in `: `:
// `cli.doctor: mas_cli::commands::doctor: crates/cli/src/commands/doctor.rs:32: <msg>`
// (a span may carry fields: `cli.doctor{x=1}:`; nested spans are joined with `:`).
const OLD_WHERE = /^(?:[\w.]+(?:\{[^}]*\})?(?::[\w.]+(?:\{[^}]*\})?)*: )?[\w:]+: (?:\S+\.rs:\d+: )?/;

/** Strips the `<where>` column: `mas_cli::commands::doctor:123 ` (≥ v0.16) or the older span/target/file prefix. */
function messageOf(rest: string): string {
  const current = /^[\w:]+:\d+ (.*)$/.exec(rest);
  if (current) return current[1];
  const old = OLD_WHERE.exec(rest);
  return old ? rest.slice(old[0].length) : rest;
}

export class DoctorParser {
  private readonly items: DoctorItem[] = [];
  private current: { status: DoctorStatus; text: string; detail: string[] } | null = null;
  private fatal: string[] | null = null;
  private readonly splitter = new LineSplitter((l) => this.line(l));

  feed(chunk: string): void {
    this.splitter.feed(chunk);
  }

  line(line: string): void {
    const ts = TIMESTAMPED.exec(line);
    if (ts) {
      this.start(LEVEL_STATUS[ts[2]], messageOf(ts[3]));
      return;
    }
    if (line.startsWith('Error: ')) {
      this.close();
      this.fatal = [line.slice(7)];
      return;
    }
    if (this.fatal) {
      if (line.trim()) this.fatal.push(line.trim());
      return;
    }
    // Untimestamped input (e.g. pasted messages): an emoji at the start opens an event.
    const lead = /^\s*(\u2705|\u274C|\u26A0\uFE0F?|\u{1F4A1})/u.exec(line);
    if (lead) {
      this.start('info', line.trim());
      return;
    }
    if (this.current) {
      if (line.trim() !== '') this.current.detail.push(line.replace(/\s+$/, ''));
    }
  }

  end(): DoctorReport {
    this.splitter.flush();
    this.close();
    const counts: Record<DoctorStatus, number> = { ok: 0, warn: 0, fail: 0, info: 0 };
    for (const i of this.items) counts[i.status]++;
    const fatal = this.fatal ? this.fatal.join(' ') : null;
    return { items: this.items, counts, healthy: counts.fail === 0 && fatal === null && this.items.some((i) => i.status === 'ok'), fatal };
  }

  private start(levelStatus: DoctorStatus, message: string): void {
    this.close();
    const marker = MARKER.exec(message);
    let status = levelStatus;
    let text = message;
    if (marker && marker.index === 0) {
      status = STATUS_OF[marker[1]] ?? levelStatus;
      text = message.slice(marker[0].length).trim();
    }
    this.current = { status, text, detail: [] };
  }

  private close(): void {
    const c = this.current;
    if (!c) return;
    this.current = null;
    this.items.push({ status: c.status, text: c.text, detail: c.detail, ...describe(c.status, c.text) });
  }
}

/** The report of one registered `mas-cli doctor` command result (parsers/ansible.ts `commandResults`): all of it is on stderr. */
export function doctorFromResult(result: { stdout: string; stderr: string }): DoctorReport {
  return parseDoctorOutput(`${result.stderr}\n${result.stdout}`);
}

export function parseDoctorOutput(text: string): DoctorReport {
  const p = new DoctorParser();
  p.feed(text);
  return p.end();
}
