// backup, when the playbook does not manage PostgreSQL (postgres_enabled: false). The wizard
// does not dump a database it does not run: the playbook's docs say an external server must be
// reachable from the containers' network, which the server's shell often is not, and the server
// may have no pg_dump of the database's major version. So the operator confirms their own backup
// by typing where it is (answers: backup.external_location). It must be a file on the Matrix
// server (or a mount there): the wizard checks it is there and not empty and records its path,
// size and sha256, as it does for its own dumps — the migration's gate needs exactly that.
import type { Session } from '../../session.js';
import type { FlowContext } from '../context.js';
import { runPlanned } from '../exec.js';
import type { StepOutcome } from './step.js';

export const EXTERNAL_LOCATION_KEY = 'backup.external_location';

export function externalBackupCommands(s: Session): string[] {
  return [
    `(your own backup of ${s.layout.database!.synapse.database} and ${s.layout.database!.mas.database} on ${s.layout.database!.synapse.host}: you type its location)`,
    s.cat.fileFacts('<location>').display,
  ];
}

export async function externalBackup(ctx: FlowContext): Promise<StepOutcome> {
  const db = ctx.session.layout.database!;
  ctx.io.say(
    `PostgreSQL is not managed by the playbook (postgres_enabled: false): Synapse uses ${db.synapse.database} and MAS uses ${db.mas.database} on ${db.synapse.host}. ` +
      'Back both up yourself (for example pg_dump -Fc of each, from a machine that reaches that server) and copy the file to this server.',
  );
  const location = (
    await ctx.io.text({
      key: EXTERNAL_LOCATION_KEY,
      question: 'Where on the Matrix server is your backup of both databases? (absolute path of the file)',
      validate: (v) => (v.trim().startsWith('/') ? null : 'type the absolute path of the backup file on the Matrix server'),
    })
  ).trim();
  const r = await runPlanned(ctx, ctx.session.cat.fileFacts(location), { step: 'backup' });
  const size = Number(/size=(\d+)/.exec(r.output)?.[1]);
  const sha256 = /sha256=([0-9a-f]{64})/.exec(r.output)?.[1];
  if (r.code !== 0 || !sha256 || !(size > 0)) {
    return {
      status: 'failed',
      error: `your backup ${location} is not a non-empty file on the server: ${r.output.trim().split('\n').slice(-1)[0] || `exit ${r.code}`}. Put the backup there (or type where it is) and run again.`,
    };
  }
  ctx.io.say(
    `Your backup is recorded: ${location}, ${(size / 1024).toFixed(1)} KiB, sha256 ${sha256}. Restoring it is up to you (pg_restore into ${db.synapse.database} and ${db.mas.database}).`,
    'ok',
  );
  return {
    status: 'succeeded',
    outputs: { path: location, size_bytes: size, sha256, confirmed_by_operator: true },
    backup: { path: location, sizeBytes: size, sha256, verifiedAt: ctx.now() },
  };
}
