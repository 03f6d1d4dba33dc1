// The offline commands (plan, status, transcript) open the same session and report a
// bad checkout the same way: exit 2 with what is wrong and where.
import type { ParsedCli } from '../cli-args.js';
import { openSession, type Session } from '../session.js';

/** Opens the session (its errors reach cli.ts's one handler: exit 2 with what is wrong and where), runs body, closes it. */
export async function withSession(cli: ParsedCli, body: (session: Session) => Promise<number>): Promise<number> {
  const session = await openSession({ flags: cli.flags });
  try {
    return await body(session);
  } finally {
    await session.close();
  }
}
