// Long steps (playbook runs, syn2mas) run DETACHED on a Target: a dropped SSH link or a
// sleeping laptop must not kill them, and the wizard must be able to come back and see
// exactly what happened. Each job gets its own 0700 directory:
//
//   <root>/<jobId>/run.sh      the wrapper (below), 0700
//   <root>/<jobId>/command.sh  the command itself, as shown to the operator
//   <root>/<jobId>/env         secrets for the command (0600, written from stdin, deleted by run.sh once read)
//   <root>/<jobId>/started     UTC start time (ISO 8601)
//   <root>/<jobId>/pid         "<pid> <identity>" of the wrapper, the leader of its own session/process group
//   <root>/<jobId>/log         stdout+stderr of the command, appended as it runs
//   <root>/<jobId>/exit        the command's exit status, written (atomically) when it ends
//
// Identity = the process start time (field 22 of /proc/PID/stat, or `ps -o lstart=`), so a
// recycled pid is never mistaken for the job.
//
// Secrets: never on a command line (anyone on the server can read `ps`). `env` values are
// sent on the launch command's stdin into a 0600 file that the wrapper sources and removes
// before starting the command; they then live only in the job's environment
// (/proc/PID/environ, readable by the same user and root only). The command line itself
// is written to command.sh and shown in `ps`, so it must not carry secrets.
//
// Reading the log back uses framed, base64-encoded slices of exact byte ranges, so the
// wizard's byte offset is exact whatever the text encoding, a frame cut by a dropped link
// is discarded whole, and re-attaching from `lastByte` neither loses nor repeats a byte.
import type { Command, RunOptions, RunResult, Target } from '../targets/target.js';
import { commandLine, quoteArg } from '../targets/quote.js';

export interface JobHandle {
  jobId: string;
  /** The job's own directory (absolute). */
  dir: string;
  pid: number;
  /** Process start time of `pid`, as recorded at launch ("proc:<ticks>" or "ps:<lstart>"). */
  identity: string;
  /** UTC start time written by the wrapper. */
  startedAt: string;
  /** The command as it runs (never contains secrets: those go through `env`). */
  commandLine: string;
  /** Whether the job was started with root rights (sudo); every later call uses the same. */
  become: boolean;
}

export interface StartOptions {
  /** Unique, e.g. a ULID: letters, digits, `.`, `_`, `-`. */
  jobId: string;
  /** The jobs root, from the catalogue (`cat.paths.jobs`); the job gets `<dir>/<jobId>/`. */
  dir: string;
  command: Command;
  /** Secrets and settings for the command: passed through a 0600 file, never the command line. */
  env?: Record<string, string>;
  /** Working directory of the command (default: the login directory). */
  cwd?: string;
  become?: boolean;
}

export interface AttachOptions {
  /** Bytes of the log already seen (0 for a first attach). */
  fromByte?: number;
  /** Log text, in order, exactly once. */
  onChunk?: (text: string) => void;
  /** Stops following (the job keeps running). */
  signal?: AbortSignal;
  /** Seconds between polls on the server (default 0.2). */
  pollSeconds?: number;
}

export interface AttachResult {
  /** The job's exit status once it ended, else null. */
  exitCode: number | null;
  /** The link dropped while following: reconnect and attach again from `lastByte`. */
  lost: boolean;
  /** How the follow ended. */
  state: 'exited' | 'vanished' | 'lost' | 'aborted';
  /** Bytes of the log delivered so far (pass as `fromByte` next time). */
  lastByte: number;
}

export type ProbeState = 'running' | 'exited' | 'vanished' | 'unknown';

export interface ProbeResult {
  state: ProbeState;
  exitCode?: number;
  pid?: number;
  logBytes: number;
  /** Why the state is `unknown` or `vanished`, in plain words. */
  reason?: string;
}

export class DetachedJobError extends Error {
  constructor(
    message: string,
    readonly result?: RunResult,
  ) {
    super(message);
    this.name = 'DetachedJobError';
  }
}

const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// Shell helper shared by the scripts: the start-time identity of a live pid. A zombie
// (state Z: dead, not yet reaped, common when the server's pid 1 does not reap) has none.
const IDENT_FN =
  'ident() { if [ -r /proc/$1/stat ]; then s=$(cat /proc/$1/stat 2>/dev/null) || return 1; s=${s##*) }; ' +
  'set -- $s; [ "$1" = Z ] && return 1; shift 19; echo "proc:$1"; else l=$(ps -o lstart= -p "$1" 2>/dev/null) || return 1; [ -n "$l" ] || return 1; echo "ps:$l"; fi; }';

function wrapperScript(dir: string, cwd: string | undefined): string {
  const d = quoteArg(dir);
  // Trap TERM/INT/HUP so that cancel (which signals the whole group) still lets the
  // wrapper record the command's status; the command itself gets the default actions.
  return [
    '#!/bin/sh',
    '# mas-wizard detached job wrapper',
    IDENT_FN,
    `d=${d}`,
    'trap : TERM INT HUP',
    // Held until the wrapper ends (after the exit record), so a follower wakes the moment the
    // job ends instead of at its next poll. Taken before the pid is written: a follower that
    // sees the pid finds it held. The command itself does not inherit it (9>&- below).
    'if command -v flock >/dev/null 2>&1; then exec 9>"$d/running" && flock 9; fi',
    'echo "$$ $(ident $$)" > "$d/pid.tmp" && mv -f "$d/pid.tmp" "$d/pid"',
    'date -u +%Y-%m-%dT%H:%M:%SZ > "$d/started"',
    'if [ -f "$d/env" ]; then set -a; . "$d/env"; set +a; rm -f "$d/env"; fi',
    cwd !== undefined
      ? `cd ${quoteArg(cwd)} || { echo "mas-wizard: cannot enter ${cwd.replace(/[^\w./-]/g, '?')}" >&2; echo 126 > "$d/exit.tmp"; mv -f "$d/exit.tmp" "$d/exit"; exit 126; }`
      : ':',
    '(trap - TERM INT HUP; exec sh "$d/command.sh" 9>&-)',
    'code=$?',
    'echo "$code" > "$d/exit.tmp" && mv -f "$d/exit.tmp" "$d/exit"',
    '',
  ].join('\n');
}

function envFile(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([name, value]) => {
      if (!ENV_NAME.test(name)) throw new DetachedJobError(`invalid environment variable name ${JSON.stringify(name)}: use letters, digits and _`);
      if (value.includes('\0')) throw new DetachedJobError(`environment variable ${name} contains a NUL byte`);
      return `${name}=${quoteArg(value)}\n`;
    })
    .join('');
}

function runOpts(become: boolean, extra: RunOptions = {}): RunOptions {
  return become ? { ...extra, become: true } : extra;
}

function jobDir(root: string, jobId: string): string {
  if (!JOB_ID.test(jobId)) throw new DetachedJobError(`invalid job id ${JSON.stringify(jobId)}: use letters, digits, '.', '_' or '-' (at most 80)`);
  if (!root.startsWith('/')) throw new DetachedJobError(`the jobs directory must be an absolute path, got ${JSON.stringify(root)}`);
  return `${root.replace(/\/+$/, '')}/${jobId}`;
}

/**
 * Starts the command detached and returns once the wrapper has recorded its pid.
 * Refuses to start a job id twice (the directory is the claim).
 */
export async function startDetached(target: Target, options: StartOptions): Promise<JobHandle> {
  const dir = jobDir(options.dir, options.jobId);
  const line = 'argv' in options.command ? commandLine(options.command.argv) : options.command.script;
  if (line.includes('\0')) throw new DetachedJobError('cannot run a command containing a NUL byte');
  const env = envFile(options.env ?? {});
  const become = options.become === true;
  const d = quoteArg(dir);
  // One round trip: claim the directory, write the files (secrets from stdin, umask 077),
  // launch in a new session with no terminal, wait for the wrapper's pid line.
  const script = [
    'umask 077',
    'command -v setsid >/dev/null 2>&1 || { echo "mas-wizard: setsid is not installed on this server" >&2; exit 3; }',
    `mkdir -p -- ${quoteArg(options.dir)} || exit 3`,
    `mkdir -m 0700 -- ${d} 2>/dev/null || { echo "mas-wizard: job ${options.jobId} already exists in ${options.dir.replace(/[^\w./-]/g, '?')}" >&2; exit 17; }`,
    `cat > ${d}/env || exit 3`,
    `[ -s ${d}/env ] || rm -f ${d}/env`,
    `printf '%s\\n' ${quoteArg(line)} > ${d}/command.sh || exit 3`,
    `printf '%s' ${quoteArg(wrapperScript(dir, options.cwd))} > ${d}/run.sh && chmod 0700 ${d}/run.sh || exit 3`,
    `: > ${d}/log`,
    `setsid nohup sh ${d}/run.sh > ${d}/log 2>&1 < /dev/null &`,
    'i=0',
    `while [ ! -s ${d}/pid ] && [ $i -lt 200 ]; do sleep 0.05 2>/dev/null || sleep 1; i=$((i+1)); done`,
    `[ -s ${d}/pid ] || { echo "mas-wizard: the job did not start (no pid after 10 s)" >&2; exit 4; }`,
    `while [ ! -s ${d}/started ] && [ $i -lt 400 ]; do sleep 0.05 2>/dev/null || sleep 1; i=$((i+1)); done`,
    `printf 'pid=%s\\n' "$(cat ${d}/pid)"`,
    `printf 'started=%s\\n' "$(cat ${d}/started 2>/dev/null)"`,
  ].join('\n');
  const result = await target.run({ script }, runOpts(become, { stdin: env }));
  if (result.lost) throw new DetachedJobError(`the connection dropped while starting job ${options.jobId}: check with probe before starting again`, result);
  if (result.code !== 0) {
    throw new DetachedJobError(`could not start job ${options.jobId} in ${dir}: ${result.stderr.trim() || `exit ${result.code ?? result.signal}`}`, result);
  }
  const fields = keyValues(result.stdout);
  const pidLine = /^(\d+) (.+)$/.exec(fields.pid ?? '');
  if (!pidLine) throw new DetachedJobError(`job ${options.jobId} started but its pid record is unreadable: ${JSON.stringify(fields.pid)}`, result);
  return { jobId: options.jobId, dir, pid: Number(pidLine[1]), identity: pidLine[2], startedAt: fields.started ?? '', commandLine: line, become };
}

function keyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of text.split('\n')) {
    const i = l.indexOf('=');
    if (i > 0) out[l.slice(0, i)] = l.slice(i + 1);
  }
  return out;
}

/** Shell that sets $state to running / exited / vanished (needs $d, ident()). */
const STATE_SH = [
  'state=vanished; code=; pid=',
  'if [ -f "$d/exit" ]; then state=exited; code=$(cat "$d/exit"); ',
  'elif [ -s "$d/pid" ]; then read pid want < "$d/pid"; have=$(ident "$pid" 2>/dev/null); ',
  '  if [ -n "$have" ] && [ "$have" = "$want" ]; then state=running; ',
  '  elif [ -f "$d/exit" ]; then state=exited; code=$(cat "$d/exit"); fi; ',
  'else state=starting; fi',
].join('\n');

/** Is the job running, finished (with which status), or gone without a trace of its end? */
export async function probe(target: Target, job: Pick<JobHandle, 'dir' | 'become'>): Promise<ProbeResult> {
  const script = [
    IDENT_FN,
    `d=${quoteArg(job.dir)}`,
    '[ -d "$d" ] || { echo state=nodir; exit 0; }',
    STATE_SH,
    'bytes=$(wc -c < "$d/log" 2>/dev/null || echo 0)',
    'printf "state=%s\\ncode=%s\\npid=%s\\nbytes=%s\\n" "$state" "$code" "$pid" $bytes',
  ].join('\n');
  const result = await target.run({ script }, runOpts(job.become));
  if (result.lost || result.code !== 0) {
    return {
      state: 'unknown',
      logBytes: 0,
      reason: result.lost ? 'the connection dropped while probing' : `probe failed: ${result.stderr.trim() || `exit ${result.code ?? result.signal}`}`,
    };
  }
  const f = keyValues(result.stdout);
  const logBytes = Number(f.bytes ?? 0) || 0;
  const pid = f.pid ? Number(f.pid) : undefined;
  switch (f.state) {
    case 'nodir':
      return { state: 'unknown', logBytes: 0, reason: `no job directory ${job.dir} on the server` };
    case 'starting':
      return { state: 'unknown', logBytes, reason: 'the job directory exists but the job never recorded its pid' };
    case 'running':
      return { state: 'running', pid, logBytes };
    case 'exited': {
      const code = Number(f.code);
      return Number.isInteger(code) && f.code !== ''
        ? { state: 'exited', exitCode: code, ...(pid !== undefined ? { pid } : {}), logBytes }
        : { state: 'unknown', logBytes, reason: `unreadable exit record ${JSON.stringify(f.code)}` };
    }
    default:
      return {
        state: 'vanished',
        ...(pid !== undefined ? { pid } : {}),
        logBytes,
        reason: "the job's process is gone and it left no exit status (killed, or the server restarted)",
      };
  }
}

/** Largest prefix of `buf` that ends on a whole UTF-8 character (a split character waits for its rest). */
function utf8Boundary(buf: Buffer): number {
  const n = buf.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = buf[n - back];
    if ((b & 0xc0) === 0x80) continue; // continuation byte: look further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

/**
 * Streams the job's log from `fromByte` until the job ends (or vanishes), the link drops,
 * or `signal` aborts. Every byte is delivered exactly once across re-attaches.
 */
export async function attach(target: Target, job: Pick<JobHandle, 'dir' | 'become' | 'jobId'>, options: AttachOptions = {}): Promise<AttachResult> {
  const from = options.fromByte ?? 0;
  if (!Number.isSafeInteger(from) || from < 0) throw new DetachedJobError(`fromByte must be a whole number ≥ 0, got ${from}`);
  const poll = options.pollSeconds ?? 0.2;
  if (!(poll > 0 && poll <= 10)) throw new DetachedJobError(`pollSeconds must be between 0 and 10, got ${poll}`);
  // Frames: "F <offset> <length>", base64 lines, "E". Then "X <code>" (ended) or "V" (vanished).
  // `fin` is taken BEFORE measuring the log, so every byte written before the exit record is sent.
  const script = [
    IDENT_FN,
    `d=${quoteArg(job.dir)}`,
    '[ -d "$d" ] || { echo "mas-wizard: no job directory $d" >&2; exit 2; }',
    `off=${from}`,
    'while :; do',
    '  fin=; gone=',
    STATE_SH.split('\n')
      .map((l) => `  ${l}`)
      .join('\n'),
    '  case $state in exited) fin=1 ;; vanished) gone=1 ;; esac',
    '  size=$(wc -c < "$d/log" 2>/dev/null || echo 0); size=$((size+0))',
    '  if [ "$size" -gt "$off" ]; then',
    '    n=$((size-off)); [ "$n" -gt 4194304 ] && n=4194304',
    '    echo "F $off $n"',
    '    tail -c +$((off+1)) "$d/log" | head -c "$n" | base64',
    '    echo E',
    '    off=$((off+n))',
    '    [ "$off" -lt "$size" ] && continue',
    '  fi',
    '  if [ -n "$fin" ]; then echo "X $code"; exit 0; fi',
    '  if [ -n "$gone" ]; then echo V; exit 0; fi',
    // Until the next poll, or at once when the wrapper lets go of its lock (the job ended).
    `  if [ -f "$d/running" ] && command -v flock >/dev/null 2>&1; then flock -s -w ${poll} "$d/running" true 2>/dev/null || :; else sleep ${poll} 2>/dev/null || sleep 1; fi`,
    'done',
  ].join('\n');

  let lastByte = from;
  let exitCode: number | null = null;
  let ended: 'exited' | 'vanished' | null = null;
  let protocolError: string | null = null;
  let partial = '';
  let frame: { offset: number; length: number; b64: string[] } | null = null;
  let held: Buffer = Buffer.alloc(0); // bytes of a character split across frames
  const deliver = (bytes: Buffer, final: boolean) => {
    const all = held.length ? Buffer.concat([held, bytes]) : bytes;
    const cut = final ? all.length : utf8Boundary(all);
    held = all.subarray(cut);
    if (cut > 0) options.onChunk?.(all.subarray(0, cut).toString('utf8'));
  };
  const onLine = (l: string) => {
    if (protocolError) return;
    if (frame) {
      if (l !== 'E') {
        frame.b64.push(l);
        return;
      }
      const bytes = Buffer.from(frame.b64.join(''), 'base64');
      if (frame.offset !== lastByte || bytes.length !== frame.length) {
        protocolError = `log frame mismatch: expected offset ${lastByte}, got ${frame.offset} (+${bytes.length}/${frame.length} bytes)`;
        return;
      }
      deliver(bytes, false);
      lastByte += bytes.length;
      frame = null;
      return;
    }
    let m: RegExpExecArray | null;
    if ((m = /^F (\d+) (\d+)$/.exec(l))) {
      frame = { offset: Number(m[1]), length: Number(m[2]), b64: [] };
      return;
    }
    if ((m = /^X (\d+)$/.exec(l))) {
      exitCode = Number(m[1]);
      ended = 'exited';
      return;
    }
    if (l === 'V') {
      ended = 'vanished';
      return;
    }
    if (l.trim() !== '') protocolError = `unexpected line from the log follower: ${JSON.stringify(l.slice(0, 80))}`;
  };
  const result = await target.run(
    { script },
    runOpts(job.become, {
      collect: false,
      signal: options.signal,
      onStdout: (chunk) => {
        const text = partial + chunk;
        const lines = text.split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) onLine(l);
      },
    }),
  );
  // Bytes of a character still held back are not counted as delivered: the next attach resends them.
  const delivered = lastByte - held.length;
  if (ended) {
    if (held.length) deliver(Buffer.alloc(0), true);
    return { exitCode, lost: false, state: ended, lastByte };
  }
  if (protocolError) throw new DetachedJobError(`${protocolError} (job ${job.jobId})`, result);
  if (result.cancelled || options.signal?.aborted) return { exitCode: null, lost: false, state: 'aborted', lastByte: delivered };
  if (result.lost) return { exitCode: null, lost: true, state: 'lost', lastByte: delivered };
  throw new DetachedJobError(`following the log of job ${job.jobId} failed: ${result.stderr.trim() || `exit ${result.code ?? result.signal}`}`, result);
}

export interface CancelResult {
  /** What the job looked like after cancelling. */
  probe: ProbeResult;
  /** True when the job had to be killed with SIGKILL after the grace time. */
  killed: boolean;
}

/**
 * Stops the job's whole process group: TERM, then KILL after `graceSeconds`. Only a
 * process whose start time matches the record is signalled. A job that had to be killed
 * gets exit record 137 so later probes say `exited`, not `vanished`.
 */
export async function cancel(target: Target, job: Pick<JobHandle, 'dir' | 'become'>, options: { graceSeconds?: number } = {}): Promise<CancelResult> {
  const grace = options.graceSeconds ?? 10;
  if (!(grace >= 0 && grace <= 600)) throw new DetachedJobError(`graceSeconds must be between 0 and 600, got ${grace}`);
  const steps = Math.max(1, Math.round(grace * 10));
  const script = [
    IDENT_FN,
    `d=${quoteArg(job.dir)}`,
    '[ -d "$d" ] || { echo "mas-wizard: no job directory $d" >&2; exit 2; }',
    STATE_SH,
    '[ "$state" = running ] || { echo killed=0; exit 0; }',
    'kill -TERM -"$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null',
    'i=0',
    `while [ ! -f "$d/exit" ] && [ "$(ident "$pid" 2>/dev/null)" = "$want" ] && [ $i -lt ${steps} ]; do sleep 0.1 2>/dev/null || sleep 1; i=$((i+1)); done`,
    'if [ ! -f "$d/exit" ] && [ "$(ident "$pid" 2>/dev/null)" = "$want" ]; then',
    '  kill -KILL -"$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null',
    '  echo 137 > "$d/exit.tmp" && mv -f "$d/exit.tmp" "$d/exit"; echo killed=1',
    'else echo killed=0; fi',
  ].join('\n');
  const result = await target.run({ script }, runOpts(job.become));
  if (result.lost || result.code !== 0) {
    throw new DetachedJobError(
      `could not cancel the job in ${job.dir}: ${result.lost ? 'the connection dropped' : result.stderr.trim() || `exit ${result.code ?? result.signal}`}`,
      result,
    );
  }
  const killed = keyValues(result.stdout).killed === '1';
  return { probe: await probe(target, job), killed };
}
