// POSIX shell quoting for every command line that crosses into a shell (the remote
// login shell over SSH, `sh -c` locally). Single quotes keep every byte literal except
// the single quote itself, which is closed, escaped and reopened: it'\''s.

/** Raised for an argument no shell can carry (a NUL byte ends a C string). */
export class QuoteError extends Error {
  constructor(
    readonly index: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'QuoteError';
  }
}

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One argument, quoted so any POSIX sh passes it through byte for byte. */
export function quoteArg(value: string, index: number | null = null): string {
  if (value.includes('\0')) {
    const where = index === null ? '' : ` (argument ${index})`;
    throw new QuoteError(index, `cannot pass a NUL byte in a command argument${where}: ${JSON.stringify(value.slice(0, 40))}`);
  }
  if (value !== '' && SAFE.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A whole argv as one shell command line; every element reaches the program exactly. */
export function commandLine(argv: readonly string[]): string {
  if (argv.length === 0) throw new QuoteError(null, 'empty command: argv needs at least the program name');
  return argv.map((arg, i) => quoteArg(arg, i)).join(' ');
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `env NAME=value …` assignments, names checked so nothing can inject an option or command. */
export function envAssignments(env: Record<string, string>): string[] {
  return Object.entries(env).map(([name, value]) => {
    if (!ENV_NAME.test(name)) throw new QuoteError(null, `invalid environment variable name ${JSON.stringify(name)}: use letters, digits and _`);
    return quoteArg(`${name}=${value}`);
  });
}
