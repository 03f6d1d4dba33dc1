// `mas-wizard run --answers FILE [--yes] [--until STEP] [--json]`: the plan without a
// terminal. Exit 0 ok, 3 blocked, 4 a step failed, 2 bad input.
import type { ParsedCli } from '../cli-args.js';
import { loadAnswers } from '../../state/answers.js';
import { isStepId } from '../../state/steps.js';
import { UsageError } from '../cli-args.js';
import { answersIO } from '../flow/answers-io.js';
import { createContext } from '../flow/context.js';
import { drive } from '../flow/driver.js';
import { openRun } from '../flow/open-run.js';
import { planText, planView } from '../flow/plan-view.js';
import { releaseOnSignals } from '../flow/release-on-signal.js';

export default async function run(cli: ParsedCli): Promise<number> {
  const { flags } = cli;
  const err = (m: string) => process.stderr.write(`mas-wizard run: ${m}\n`);
  if (!flags.answers) throw new UsageError("--answers FILE is required (see the README for the file's keys)");
  if (flags.until && !isStepId(flags.until)) throw new UsageError(`--until ${flags.until}: not a step id (see mas-wizard --help)`);
  const loaded = loadAnswers(flags.answers);
  for (const w of loaded.warnings) err(`warning: ${w}`);
  const answers = loaded.answers;
  const write = (text: string) => (flags.json ? process.stderr : process.stdout).write(text);
  // Errors opening the run (lock held: 3; bad checkout, plan file, connection: 2) reach cli.ts's handler.
  const opened = await openRun(
    { ...flags, host: flags.host ?? answers.host },
    {
      flow: answers.mode,
      command: `mas-wizard run --answers ${flags.answers}`,
      secrets: loaded.secrets,
      takeOver: Boolean(flags['take-over']),
      connect: { confirmUnknownHost: async () => false, askPassphrase: async () => null, askBecomePassword: async () => null },
    },
  );
  const stopHandling = releaseOnSignals(() => opened.close());
  const io = answersIO({ answers, yes: Boolean(flags.yes), write });
  const ctx = createContext({
    session: opened.session,
    io,
    plan: opened.plan,
    transcript: opened.transcript,
    log: opened.log,
    answers,
    yes: Boolean(flags.yes),
    secrets: loaded.secrets,
  });
  let printed = opened.log.total;
  const unsubscribe = opened.log.subscribe(() => {
    const lines = opened.log.snapshot(Math.max(printed, opened.log.first), opened.log.total - Math.max(printed, opened.log.first));
    printed = opened.log.total;
    for (const l of lines) write(`${l.stream === 'stderr' ? '! ' : '│ '}${l.text}\n`);
  });
  let code: number;
  try {
    const result = await drive(ctx, { until: flags.until as never });
    opened.log.flush();
    await new Promise((r) => setTimeout(r, 120)); // let the last log lines print
    write(`\n${result.code === 0 ? '✔' : '✖'} ${result.message}\n`);
    code = result.code;
  } finally {
    unsubscribe();
    stopHandling();
    await opened.close();
  }
  const view = planView(ctx.plan(), opened.session, { withOutputs: true });
  if (flags.json) process.stdout.write(`${JSON.stringify(view)}\n`);
  else process.stdout.write(`\n${planText(view)}`);
  return code;
}
