// The offline commands (plan, status, transcript) open the same session and report a
// bad checkout the same way: exit 2 with what is wrong and where.
import type { ParsedCli } from '../cli-args.js';
import { openSession, type Session } from '../session.js';
import { describeStartError } from '../flow/errors.js';

export async function withSession(cli: ParsedCli, name: string, body: (session: Session) => Promise<number>): Promise<number> {
  let session: Session;
  try {
    session = await openSession({ flags: cli.flags });
  } catch (error) {
    process.stderr.write(`mas-wizard ${name}: ${describeStartError(error)}\n`);
    return 2;
  }
  try {
    return await body(session);
  } finally {
    await session.close();
  }
}
