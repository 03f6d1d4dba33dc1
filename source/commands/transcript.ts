// `mas-wizard transcript [--out FILE]`: every run of this server's plan as one redacted
// record — each command, its exit status and timing, and its output — to paste into a
// support request.
import fs from 'node:fs';
import path from 'node:path';
import type { ParsedCli } from '../cli-args.js';
import { withSession } from './with-session.js';
import { planKey } from '../../state/persist.js';
import { readTranscript } from '../logs/transcript.js';
import { redact } from '../logs/redact.js';
import { stateDir } from '../paths.js';

export function renderTranscript(files: string[]): string {
  const out: string[] = [];
  for (const file of files) {
    out.push(`==== ${path.basename(file, '.jsonl')} ====`);
    const starts = new Map<string, string>();
    for (const r of readTranscript(file)) {
      if ('out' in r) out.push(`  ${r.out}`);
      else if ('err' in r) out.push(`! ${r.err}`);
      else if (r.type === 'note') out.push(`# ${r.at} ${r.text}`);
      else if (r.type === 'command') {
        starts.set(r.id, r.at);
        out.push(`$ ${r.display}    [${r.target ?? ''}${r.step ? `, step ${r.step}` : ''}, ${r.at}]`);
      } else if (r.type === 'end') {
        const how = r.lost ? 'connection lost: outcome unknown' : r.cancelled ? 'cancelled' : r.code !== null ? `exit ${r.code}` : `signal ${r.signal}`;
        out.push(`= ${how} after ${(r.durationMs / 1000).toFixed(1)} s`);
      }
    }
  }
  // Written files were redacted when recorded; redact again for secrets learnt since.
  return redact(`${out.join('\n')}\n`);
}

export default async function transcript(cli: ParsedCli): Promise<number> {
  const { flags } = cli;
  return withSession(cli, async (session) => {
    const key = planKey(session.checkout.dir, session.serverName);
    const dir = path.join(stateDir(), 'transcripts');
    const files = fs.existsSync(dir)
      ? fs
          .readdirSync(dir)
          .filter((f) => f.startsWith(`${key}-`) && f.endsWith('.jsonl'))
          .sort()
          .map((f) => path.join(dir, f))
      : [];
    if (files.length === 0) {
      process.stderr.write(`mas-wizard transcript: no runs recorded for ${session.serverName} yet\n`);
      return 0;
    }
    const text = renderTranscript(files);
    if (flags.out) {
      fs.writeFileSync(flags.out, text, { mode: 0o600 });
      process.stderr.write(`Wrote ${flags.out} (${files.length} run${files.length === 1 ? '' : 's'}).\n`);
    } else process.stdout.write(text);
    return 0;
  });
}
