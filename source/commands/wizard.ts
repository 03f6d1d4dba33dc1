// `mas-wizard [--lab] [--playbook DIR] [--host NAME] [--answers FILE]`: the interactive
// wizard. The same engine as `run --answers` (openRun → createContext → drive); only the
// StepIO differs (PromptIO: questions become screens). Exit 0 when the flow is done,
// 130 when the operator quits, 2 without a terminal or with a bad answers file.
import { existsSync } from 'node:fs';
import type { ParsedCli, Flags } from '../cli-args.js';
import type { LoadedAnswers } from '../../state/answers.js';
import type { Flow } from '../../state/steps.js';
import type { DnsCheck } from '../mas/url.js';
import type { FlowContext } from '../flow/context.js';
import type { OpenedRun } from '../flow/open-run.js';
import type { Session } from '../session.js';
import { PromptIO, type WizardActions } from '../flow/prompt-io.js';
import { releaseOnSignals } from '../flow/release-on-signal.js';

// The engine (ssh2, execa, steps) is imported after the first frame is on screen, and after the
// flow question is asked (only the session is needed for it): time to the first screen an
// operator can act on is node + Ink + the session, not node + Ink + everything.
async function loadEngine() {
  const [run, context, driver, view, steps, reducer, catalogue, prerequisites, lock] = await Promise.all([
    import('../flow/open-run.js'),
    import('../flow/context.js'),
    import('../flow/driver.js'),
    import('../flow/plan-view.js'),
    import('../flow/steps/index.js'),
    import('../../state/reducer.js'),
    import('../../state/steps.js'),
    import('../flow/steps/prerequisites.js'),
    import('../../state/lock.js'),
  ]);
  return {
    openRun: run.openRun,
    createContext: context.createContext,
    drive: driver.drive,
    synapseUserCount: prerequisites.synapseUserCount,
    LockHeldError: lock.LockHeldError,
    summary: view.summary,
    RUNNERS: steps.RUNNERS,
    nextStep: reducer.nextStep,
    stepDefinition: catalogue.stepDefinition,
  };
}
type Engine = Awaited<ReturnType<typeof loadEngine>>;

export const FLOW_CHOICES: { value: Flow; label: string; hint: string }[] = [
  {
    value: 'migrate',
    label: 'Migrate an existing Synapse to MAS',
    hint: 'Moves every user, password and login link from Synapse into MAS, with a backup and a dry run first.',
  },
  { value: 'new', label: 'Set up MAS on a new homeserver', hint: 'Installs MAS before anyone has an account, then registers the first administrator.' },
];

/** Why "new homeserver" is not for a Synapse that already has users, or null when it is. */
export function notForNew(users: number | null): string | null {
  if (users === null || users === 0) return null;
  return `Not for this server: Synapse already has ${users} user${users === 1 ? '' : 's'}, and nothing would move them to MAS (they could no longer log in). Choose "${FLOW_CHOICES[0].label}".`;
}

/** The first screen's choices; "new homeserver" says why it does not fit (users null: not counted). */
export function flowChoices(users: number | null): { value: Flow; label: string; hint: string }[] {
  const why = notForNew(users);
  return FLOW_CHOICES.map((c) => (c.value === 'new' && why ? { ...c, label: `${c.label} (not for this server: ${users} users)`, hint: why } : c));
}

export class WizardEngine implements WizardActions {
  readonly io: PromptIO;
  private opened: OpenedRun | null = null;
  /** The close() of a run still being opened (its locks may be held while the flow question waits). */
  private closeOpening: (() => Promise<void>) | null = null;
  private ctx: FlowContext | null = null;
  private engine: Engine | null = null;
  private busy = false;
  private settle!: (code: number) => void;
  /** Resolves with the exit code once the operator leaves. */
  readonly exited = new Promise<number>((resolve) => {
    this.settle = resolve;
  });

  constructor(
    private readonly flags: Flags,
    private readonly loaded: LoadedAnswers | null,
  ) {
    this.io = new PromptIO({
      answers: loaded?.answers,
      gateCommands: () => {
        const { ctx, engine } = this;
        const step = ctx && engine ? engine.nextStep(ctx.plan()) : undefined;
        return step && ctx && engine ? engine.RUNNERS[step.id].commands(ctx.session) : [];
      },
    });
  }

  /** Opens the run (asking the flow when no plan exists yet), then drives the plan. */
  async start(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      if (!this.opened) await this.open();
      await this.drive();
    } catch (error) {
      const { AbortError, describeError } = await import('../errors.js');
      this.io.setResult({ code: error instanceof AbortError ? error.exitCode : 1, message: describeError(error) });
    } finally {
      this.busy = false;
    }
  }

  private async open(): Promise<void> {
    const { io, flags } = this;
    io.setPhase('starting', flags.lab ? 'Opening the practice lab…' : 'Reading the playbook checkout…');
    const { openSession } = await import('../session.js');
    const answers = this.loaded?.answers;
    const hostFlags = { ...flags, host: flags.host ?? answers?.host };
    // Only the host's name is needed here; nothing connects (server() is never called).
    const probe = await openSession({ flags: hostFlags });
    await probe.close();
    // With no plan yet the flow is asked at once, while the wizard connects behind it: the first
    // screen an operator can act on comes up without waiting for SSH. When the server's user count
    // arrives, "new homeserver" on a Synapse that has users says so on that same screen (and is
    // refused with the count if chosen), instead of the prerequisites refusing it a step later.
    const question = `What do you want to do on ${probe.serverName}?`;
    const early = existsSync(probe.planFile) ? undefined : io.select({ key: 'mode', question, choices: FLOW_CHOICES, initial: answers?.mode ?? 'migrate' });
    void early?.catch(() => undefined); // answered or cancelled later; a failed start leaves it unasked
    io.setPhase('starting', `Connecting to ${probe.host.name}…`);
    this.engine ??= await loadEngine();
    const { openRun, createContext, synapseUserCount } = this.engine;
    const chooseFlow = async (session: Session, note: (text: string) => void): Promise<Flow> => {
      const counted = await synapseUserCount(session).catch((error: unknown) => {
        note(`could not count Synapse's users before the flow choice: ${(error as Error).message}`);
        return null;
      });
      if (counted) note(`probe: ${counted.display} → ${counted.users} users`);
      const users = counted?.users ?? null;
      io.revise('select', 'mode', { choices: flowChoices(users) });
      let flow: Flow = await (early ?? io.select({ key: 'mode', question, choices: flowChoices(users), initial: answers?.mode ?? 'migrate' }));
      for (;;) {
        const why = flow === 'new' ? notForNew(users) : null;
        if (!why) return flow;
        io.say(`"${FLOW_CHOICES[1].label}": ${why}`, 'warn');
        io.setPhase('starting', 'Choose what to do');
        flow = await io.select({ key: 'mode', question, choices: flowChoices(users), initial: 'migrate' });
      }
    };
    const openWith = (takeOver: boolean | undefined) =>
      openRun(hostFlags, {
        chooseFlow,
        command: 'mas-wizard',
        secrets: this.loaded?.secrets,
        takeOver,
        onClose: (close) => {
          this.closeOpening = close;
        },
        connect: { confirmUnknownHost: io.confirmUnknownHost, askPassphrase: io.askPassphrase, askBecomePassword: io.askBecomePassword },
      });
    let opened: OpenedRun;
    try {
      opened = await openWith(flags['take-over']);
    } catch (error) {
      // A killed terminal leaves the lock of a wizard that is gone (same host, dead pid): ask
      // once, then take over every such lock and resume. A live owner is never displaced.
      if (!(error instanceof this.engine.LockHeldError) || !error.stale) throw error;
      const o = error.owner;
      const who = o ? `pid ${o.pid} on ${o.host}, started ${o.startedAt}` : 'its owner';
      io.setPhase('starting', 'An earlier wizard left its lock');
      const take = await io.confirm({
        key: 'take-over',
        question: `The mas-wizard that held this server's lock is gone (${who}): it was probably in a terminal that closed. Take over its lock and resume where it stopped?`,
        defaultYes: true,
      });
      if (!take) throw error;
      io.setPhase('starting', `Connecting to ${probe.host.name}…`);
      opened = await openWith(true);
    }
    this.opened = opened;
    this.ctx = createContext({
      session: opened.session,
      io,
      plan: opened.plan,
      transcript: opened.transcript,
      log: opened.log,
      answers,
      yes: false,
      secrets: this.loaded?.secrets,
      onPlan: (plan) => io.setPlan(plan),
    });
    io.setPlan(opened.plan);
    io.setLog(opened.log);
  }

  private async drive(): Promise<void> {
    const ctx = this.ctx!;
    const { drive, summary } = this.engine!;
    this.io.setPhase('running', '');
    let result;
    try {
      result = await drive(ctx);
    } catch (error) {
      result = { code: 4, message: (error as Error).message };
    }
    this.opened?.log.flush();
    this.io.setPlan(ctx.plan());
    this.io.setResult(result, result.code === 0 ? (summary(ctx.plan()) ?? null) : null);
  }

  retry(): void {
    void this.start();
  }
  quit(): void {
    this.settle(130);
  }
  finish(): void {
    this.settle(0);
  }
  async checkDns(hostname: string, domain: string): Promise<DnsCheck> {
    const [{ checkDns }, { promises: dns }] = await Promise.all([import('../mas/url.js'), import('node:dns')]);
    return checkDns(hostname, domain, new dns.Resolver({ timeout: 2000, tries: 1 }));
  }

  /** A step that keeps going on the server after we leave (detached long step), if any. */
  runningLongStep(): string | null {
    const running = this.io.current().plan?.steps.find((s) => s.status === 'running');
    const def = running && this.engine ? this.engine.stepDefinition(running.id) : null;
    return def?.long ? def.title : null;
  }

  async close(): Promise<void> {
    // Locks are released and the transcript closed; a detached job is not touched.
    await Promise.race([(this.opened?.close ?? this.closeOpening)?.(), new Promise((r) => setTimeout(r, 3000).unref())]);
  }
}

/**
 * `--lab` on a machine without the lab's system packages: name them all with the one command that
 * installs them; as root, offer to run it (apt-get's own output shows the progress).
 */
async function labPackagesReady(): Promise<boolean> {
  const { installCommand, missingPackages } = await import('../lab/system-packages.js');
  const missing = missingPackages('lab');
  if (!missing.length) return true;
  const command = installCommand(missing);
  process.stderr.write(`mas-wizard --lab: the practice lab needs ${missing.join(', ')}, which this machine lacks.\n  ${command}\n`);
  if (process.getuid?.() !== 0) {
    process.stderr.write('Run that command (it needs root), then run mas-wizard --lab again.\n');
    return false;
  }
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const yes = /^y(es)?$/i.test((await rl.question('Run it now? [y/N] ')).trim());
  rl.close();
  if (!yes) return false;
  const { spawnSync } = await import('node:child_process');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
  spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  const still = missingPackages('lab');
  if (still.length) process.stderr.write(`mas-wizard --lab: still missing after apt-get: ${still.join(', ')}\n`);
  return still.length === 0;
}

export default async function wizard(cli: ParsedCli): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    process.stderr.write('mas-wizard: the interactive wizard needs a terminal; use `mas-wizard run --answers FILE` without one\n');
    return 2;
  }
  let loaded: LoadedAnswers | null = null;
  if (cli.flags.answers) {
    const { loadAnswers } = await import('../../state/answers.js');
    loaded = loadAnswers(cli.flags.answers);
  }
  if (cli.flags.lab && !(await labPackagesReady())) return 2;
  const engine = new WizardEngine(cli.flags, loaded);
  // The terminal gone (SIGHUP) or a SIGTERM: release the locks, leave the screen alone.
  const stopHandling = releaseOnSignals(() => engine.close(), { terminal: true });
  const { startApp } = await import('../../screens/start.js');
  const app = await startApp(engine);
  void engine.start();
  // The App ending on its own means it crashed while rendering: say so, exit 1.
  const code = await Promise.race([
    engine.exited,
    app.waitUntilExit().then(
      () => 1,
      (error: unknown) => {
        process.stderr.write(`mas-wizard: the screen failed: ${(error as Error).message}\n`);
        return 1;
      },
    ),
  ]);
  const leftRunning = code === 130 ? engine.runningLongStep() : null;
  stopHandling();
  app.unmount();
  await engine.close();
  if (code === 130) {
    const again = `mas-wizard${cli.flags.lab ? ' --lab' : ''}`;
    process.stdout.write(
      leftRunning
        ? `Stopped. "${leftRunning}" keeps running on the server; run \`${again}\` again to re-attach and see how it ended.\n`
        : `Stopped. Nothing is running; run \`${again}\` again to continue where you left off.\n`,
    );
  }
  // A question left unanswered or a re-attached job may still hold the event loop.
  setTimeout(() => process.exit(code), 200).unref();
  return code;
}
