// `mas-wizard [--lab] [--playbook DIR] [--host NAME] [--answers FILE]`: the interactive
// wizard. The same engine as `run --answers` (openRun → createContext → drive); only the
// StepIO differs (PromptIO: questions become screens). Exit 0 when the flow is done,
// 130 when the operator quits, 2 without a terminal or with a bad answers file.
import { existsSync } from 'node:fs';
import { promises as dnsPromises } from 'node:dns';
import type { ParsedCli, Flags } from '../cli-args.js';
import { AnswersError, loadAnswers, type LoadedAnswers } from '../../state/answers.js';
import { nextStep } from '../../state/reducer.js';
import { stepDefinition, type Flow } from '../../state/steps.js';
import { checkDns, type DnsCheck } from '../mas/url.js';
import { openSession } from '../session.js';
import { createContext, type FlowContext } from '../flow/context.js';
import { drive } from '../flow/driver.js';
import { summary } from '../flow/plan-view.js';
import { describeStartError } from '../flow/errors.js';
import { openRun, type OpenedRun } from '../flow/open-run.js';
import { PromptIO } from '../flow/prompt-io.js';
import { RUNNERS } from '../flow/steps/index.js';

/** What the screens may ask the engine to do (the actions context). */
export interface WizardActions {
  /** After a stop (blocked, failed, could not start): try again from where the plan stands. */
  retry(): void;
  /** Leave now (exit 130); a detached step keeps running on the server. */
  quit(): void;
  /** Leave after the flow is done (exit 0). */
  finish(): void;
  checkDns(hostname: string, domain: string): Promise<DnsCheck>;
}

export const FLOW_CHOICES: { value: Flow; label: string; hint: string }[] = [
  { value: 'migrate', label: 'Migrate an existing Synapse to MAS', hint: 'Moves every user, password and login link from Synapse into MAS, with a backup and a dry run first.' },
  { value: 'new', label: 'Set up MAS on a new homeserver', hint: 'Installs MAS before anyone has an account, then registers the first administrator.' },
];

export class WizardEngine implements WizardActions {
  readonly io: PromptIO;
  private opened: OpenedRun | null = null;
  private ctx: FlowContext | null = null;
  private busy = false;
  private settle!: (code: number) => void;
  /** Resolves with the exit code once the operator leaves. */
  readonly exited = new Promise<number>((resolve) => { this.settle = resolve; });

  constructor(private readonly flags: Flags, private readonly loaded: LoadedAnswers | null) {
    this.io = new PromptIO({
      answers: loaded?.answers,
      gateCommands: () => {
        const step = this.ctx ? nextStep(this.ctx.plan()) : undefined;
        return step && this.ctx ? RUNNERS[step.id].commands(this.ctx.session) : [];
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
      this.io.setResult({ code: 2, message: describeStartError(error) });
    } finally {
      this.busy = false;
    }
  }

  private async open(): Promise<void> {
    const { io, flags } = this;
    const answers = this.loaded?.answers;
    const hostFlags = { ...flags, host: flags.host ?? answers?.host };
    io.setPhase('starting', flags.lab ? 'Opening the practice lab…' : 'Reading the playbook checkout…');
    // Only the plan file's path is needed here; nothing connects (server() is never called).
    const probe = await openSession({ flags: hostFlags });
    const hasPlan = existsSync(probe.planFile);
    await probe.close();
    let flow: Flow | undefined = answers?.mode;
    if (!hasPlan) {
      io.setPhase('starting', 'Choose what to do');
      flow = await io.select({ key: 'mode', question: `What do you want to do on ${probe.serverName}?`, choices: FLOW_CHOICES, initial: flow ?? 'migrate' });
    }
    io.setPhase('starting', `Connecting to ${probe.host.name}…`);
    const opened = await openRun(hostFlags, {
      flow: hasPlan ? undefined : flow, command: 'mas-wizard', secrets: this.loaded?.secrets, takeOver: flags['take-over'],
      connect: { confirmUnknownHost: io.confirmUnknownHost, askPassphrase: io.askPassphrase, askBecomePassword: io.askBecomePassword },
    });
    this.opened = opened;
    this.ctx = createContext({
      session: opened.session, io, plan: opened.plan, transcript: opened.transcript, log: opened.log,
      answers, yes: false, secrets: this.loaded?.secrets, onPlan: (plan) => io.setPlan(plan),
    });
    io.setPlan(opened.plan);
    io.setLog(opened.log);
  }

  private async drive(): Promise<void> {
    const ctx = this.ctx!;
    this.io.setPhase('running', '');
    let result;
    try {
      result = await drive(ctx);
    } catch (error) {
      result = { code: 4, message: (error as Error).message };
    }
    this.opened?.log.flush();
    this.io.setPlan(ctx.plan());
    this.io.setResult(result, result.code === 0 ? summary(ctx.plan()) ?? null : null);
  }

  retry(): void { void this.start(); }
  quit(): void { this.settle(130); }
  finish(): void { this.settle(0); }
  checkDns(hostname: string, domain: string): Promise<DnsCheck> {
    return checkDns(hostname, domain, new dnsPromises.Resolver({ timeout: 2000, tries: 1 }));
  }

  /** A step that keeps going on the server after we leave (detached long step), if any. */
  runningLongStep(): string | null {
    const running = this.io.current().plan?.steps.find((s) => s.status === 'running');
    return running && stepDefinition(running.id).long ? stepDefinition(running.id).title : null;
  }

  async close(): Promise<void> {
    // Locks are released and the transcript closed; a detached job is not touched.
    await Promise.race([this.opened?.close(), new Promise((r) => setTimeout(r, 3000).unref())]);
  }
}

export default async function wizard(cli: ParsedCli): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    process.stderr.write('mas-wizard: the interactive wizard needs a terminal; use `mas-wizard run --answers FILE` without one\n');
    return 2;
  }
  let loaded: LoadedAnswers | null = null;
  if (cli.flags.answers) {
    try {
      loaded = loadAnswers(cli.flags.answers);
    } catch (error) {
      process.stderr.write(`mas-wizard: ${error instanceof AnswersError ? error.message : `cannot read ${cli.flags.answers}: ${(error as Error).message}`}\n`);
      return 2;
    }
  }
  const engine = new WizardEngine(cli.flags, loaded);
  const { startApp } = await import('../../screens/start.js');
  const app = startApp(engine);
  void engine.start();
  // The App ending on its own means it crashed while rendering: say so, exit 1.
  const code = await Promise.race([engine.exited, app.waitUntilExit().then(() => 1, (error: unknown) => {
    process.stderr.write(`mas-wizard: the screen failed: ${(error as Error).message}\n`);
    return 1;
  })]);
  const leftRunning = code === 130 ? engine.runningLongStep() : null;
  app.unmount();
  await engine.close();
  if (code === 130) {
    const again = `mas-wizard${cli.flags.lab ? ' --lab' : ''}`;
    process.stdout.write(leftRunning
      ? `Stopped. "${leftRunning}" keeps running on the server; run \`${again}\` again to re-attach and see how it ended.\n`
      : `Stopped. Nothing is running; run \`${again}\` again to continue where you left off.\n`);
  }
  // A question left unanswered or a re-attached job may still hold the event loop.
  setTimeout(() => process.exit(code), 200).unref();
  return code;
}
