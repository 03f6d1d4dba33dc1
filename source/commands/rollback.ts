// `mas-wizard rollback [--yes]`: shows the ways back and what each costs; with --yes
// (or after confirming in a terminal) switches MAS off and lets Synapse handle logins.
import readline from 'node:readline/promises';
import { renameSync } from 'node:fs';
import type { ParsedCli } from '../cli-args.js';
import { openRun } from '../flow/open-run.js';
import { createContext } from '../flow/context.js';
import { answersIO } from '../flow/answers-io.js';
import { rollbackEdits, rollbackOptions, stageOf } from '../flow/rollback.js';
import { changeVars } from '../flow/steps/vars-change.js';

import { runDetached, runPlanned, type JobRecord } from '../flow/exec.js';

import { AnsibleParser } from '../parsers/ansible.js';

export default async function rollback(cli: ParsedCli): Promise<number> {
  const { flags } = cli;
  const err = (m: string) => process.stderr.write(`mas-wizard rollback: ${m}\n`);
  const opened = await openRun(flags, {
    command: 'mas-wizard rollback',
    connect: { confirmUnknownHost: async () => false, askPassphrase: async () => null, askBecomePassword: async () => null },
  });
  const write = (t: string) => process.stdout.write(t);
  const ctx = createContext({
    session: opened.session,
    io: answersIO({ answers: {}, yes: true, write }),
    plan: opened.plan,
    transcript: opened.transcript,
    log: opened.log,
    yes: true,
  });
  try {
    write(`${rollbackOptions(ctx.plan(), ctx.session.cat).join('\n')}\n\n`);
    if (stageOf(ctx.plan()) === 'nothing-to-undo') return 0;
    if (!flags.yes) {
      if (!process.stdin.isTTY) {
        err('add --yes to switch MAS off (nothing was changed)');
        return 3;
      }
      const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
      const answer = await rl.question(`Type ${ctx.session.serverName} to switch MAS off and go back to Synapse logins: `);
      rl.close();
      if (answer.trim() !== ctx.session.serverName) {
        err('not confirmed; nothing was changed');
        return 3;
      }
    }
    await changeVars(ctx, 'rollback', 'Roll back: MAS off, Synapse handles logins', rollbackEdits(ctx));
    const pc = ctx.session.cat.install('setup-all');
    const job: JobRecord = { jobId: `${ctx.plan().id}-rollback-${Date.now()}`, where: 'controller', dir: ctx.jobsDir.controller, become: false };
    const parser = new AnsibleParser();
    const ran = await runDetached(ctx, pc, job, { step: 'install', onLine: (l) => parser.line(l) });
    const summary = parser.end();
    if (ran.code !== 0 || !summary.succeeded) {
      err(
        `the playbook run failed (${summary.failures[0]?.message ?? `exit ${ran.code}`}); vars.yml already has MAS switched off — fix the problem and run \`${pc.display}\``,
      );
      return 4;
    }
    const active = await runPlanned(ctx, ctx.session.cat.service('is-active', 'matrix-synapse.service'), { step: 'install' });
    // The plan described a migration that was undone: keep it for the record, out of the way.
    const aside = `${ctx.session.planFile}.rolled-back-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(ctx.session.planFile, aside);
    write(
      `${active.code === 0 ? '✔ Synapse is running and handles logins again.' : `⚠ MAS is off, but matrix-synapse is not running: start it (${ctx.session.cat.services('start').display}).`}\nThe old plan is kept as ${aside}.\n`,
    );
    return active.code === 0 ? 0 : 4;
  } finally {
    await opened.close();
  }
}
