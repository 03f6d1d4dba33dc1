// One error model, in the spirit of Shopify cli-kit: an AbortError is the operator's problem
// (what is wrong, what to do next, the exit code the command ends with); a BugError is ours (a
// state the code should never reach: report it). cli.ts has the one handler that prints either.
// This module is a leaf: every room may import it.

/** Exit codes of the DESIGN contract: 2 bad input, 3 blocked (or busy), 4 a step failed. */
export type AbortExit = 2 | 3 | 4;

export class AbortError extends Error {
  readonly exitCode: AbortExit;
  /** The next step, when the message alone does not say it. */
  readonly next?: string;

  constructor(message: string, options: { exitCode?: AbortExit; next?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? 2;
    this.next = options.next;
  }

  /** The words an operator reads (a subclass may add what kind of failure it was). */
  describe(): string {
    return this.message;
  }
}

export class BugError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** No terminal, and the answers file does not say: the error names the key to set (blocked, exit 3). */
export class MissingAnswer extends AbortError {
  constructor(
    readonly key: string,
    readonly question: string,
  ) {
    super(`no terminal to ask "${question}"; set \`${key}\` in the answers file`, { exitCode: 3 });
  }
}

/** An error in words an operator can act on: an AbortError as it describes itself, else its message. */
export function describeError(error: unknown): string {
  if (error instanceof AbortError) return error.describe();
  return error instanceof Error ? error.message : String(error);
}

/**
 * The one top-level handler: prints `mas-wizard <command>: …` (and the next step) and returns
 * the exit code. Anything that is not an AbortError is a bug: exit 1, with how to report it.
 */
export function reportError(error: unknown, command: string | undefined, write: (text: string) => void = (t) => process.stderr.write(t)): number {
  const who = command ? `mas-wizard ${command}` : 'mas-wizard';
  if (error instanceof AbortError) {
    write(`${who}: ${error.describe()}\n`);
    if (error.next) write(`  next: ${error.next}\n`);
    return error.exitCode;
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  write(
    `${who}: internal error (a bug in mas-wizard, not in your setup): ${text}\n` +
      '  Please report it with the output of `mas-wizard transcript` (secrets are redacted there).\n',
  );
  return 1;
}
