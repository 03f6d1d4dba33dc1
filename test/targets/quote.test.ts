// Quoting: every hostile string must reach the remote program byte for byte. Checked
// through the REAL loopback sshd (login shell + our wrapper + sh) and through local sh.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { commandLine, envAssignments, quoteArg, QuoteError } from '../../source/targets/quote.js';
import { MAX_COMMAND_BYTES } from '../../source/targets/remote-command.js';
import { SshTarget } from '../../source/targets/ssh.js';
import { startSshd, type Sshd } from '../harness/sshd.js';

// Strings a shell would love to misread, mixed with arbitrary unicode.
const hostile = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc
      .array(
        fc.constantFrom(
          "'",
          '"',
          '$',
          '$(id)',
          '`id`',
          ';',
          '&&',
          '|',
          '\n',
          '\r',
          '\t',
          ' ',
          '\\',
          '*',
          '?',
          '~',
          '#',
          '!',
          '-',
          '--',
          '>',
          '<',
          '${IFS}',
          'é',
          '😀',
          '\u202e',
          '\u0000x',
        ),
        { maxLength: 12 },
      )
      .map((a) => a.join('')),
    fc.string({ unit: 'grapheme', minLength: 1000, maxLength: 4_000 }),
  )
  .map((s) => s.replaceAll('\0', ''))
  .filter((s) => Buffer.from(s).toString() === s); // lone surrogates cannot be sent as UTF-8

const PRINT_ARGS = 'printf "%s\\0" "$@"';

function splitNul(out: string): string[] {
  const parts = out.split('\0');
  expect(parts.pop()).toBe('');
  return parts;
}

describe('quoteArg', () => {
  it('leaves plain words alone and quotes everything else', () => {
    expect(quoteArg('abc-1.2/x=y')).toBe('abc-1.2/x=y');
    expect(quoteArg('')).toBe("''");
    expect(quoteArg("it's")).toBe("'it'\\''s'");
    expect(quoteArg('$(rm -rf /)')).toBe("'$(rm -rf /)'");
  });

  it('refuses NUL bytes, naming the argument', () => {
    expect(() => commandLine(['echo', 'ok', 'a\0b'])).toThrow(QuoteError);
    expect(() => commandLine(['echo', 'ok', 'a\0b'])).toThrow(/NUL byte.*argument 2/);
    expect(() => commandLine([])).toThrow(/empty command/);
  });

  it('refuses environment names that are not names', () => {
    expect(envAssignments({ A_1: "x'y" })).toEqual(["'A_1=x'\\''y'"]);
    expect(() => envAssignments({ 'A;rm': 'x' })).toThrow(/invalid environment variable name/);
  });

  it('round-trips through local sh for thousands of hostile strings', () => {
    const batch = fc.array(hostile, { minLength: 1, maxLength: 30 }).filter((a) => Buffer.byteLength(commandLine(a)) < MAX_COMMAND_BYTES);
    fc.assert(
      fc.property(batch, (args) => {
        const out = execFileSync('sh', ['-c', commandLine(['sh', '-c', PRINT_ARGS, '_', ...args])], { encoding: 'utf8', maxBuffer: 1 << 26 });
        expect(splitNul(out)).toEqual(args);
      }),
      { numRuns: 150 },
    );
  });
});

describe('quoting through the real sshd', () => {
  let sshd: Sshd;
  let work: string;
  let target: SshTarget;

  beforeAll(async () => {
    sshd = await startSshd();
    work = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-quote-'));
    writeFileSync(path.join(work, 'known_hosts'), `${sshd.knownHostsLine}\n`);
    target = await SshTarget.connect({
      host: '127.0.0.1',
      port: sshd.port,
      username: sshd.user,
      identityFiles: [sshd.clientKey],
      knownHostsFile: path.join(work, 'known_hosts'),
      agent: null,
      defaultIdentityFiles: [],
    });
  });

  afterAll(async () => {
    await target?.close();
    sshd?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('the remote program receives the exact argv (batched property run)', async () => {
    let strings = 0;
    // Batches stay under the one-argument limit (tested separately below).
    const batch = fc.array(hostile, { minLength: 1, maxLength: 20 }).filter((a) => Buffer.byteLength(commandLine(a)) < MAX_COMMAND_BYTES - 2048);
    await fc.assert(
      fc.asyncProperty(batch, async (args) => {
        strings += args.length;
        const r = await target.run({ argv: ['sh', '-c', PRINT_ARGS, '_', ...args] });
        expect(r.code, r.stderr).toBe(0);
        expect(splitNul(r.stdout)).toEqual(args);
      }),
      { numRuns: 200, endOnFailure: true },
    ); // after a broken link every shrink step fails too: report the first case
    expect(strings).toBeGreaterThan(1000);
  });

  it('refuses a command line over the limit before sending it; the connection stays usable', async () => {
    const exact = 'y'.repeat(100_000);
    expect((await target.run({ argv: ['printf', '%s', exact] })).stdout).toBe(exact);
    await expect(target.run({ argv: ['printf', '%s', 'x'.repeat(MAX_COMMAND_BYTES)] })).rejects.toThrow(
      /command line too long: \d+ bytes .* limit is 130048 .*stdin/,
    );
    expect((await target.run({ argv: ['true'] })).code).toBe(0);
  });

  it('scripts, cwd and env values arrive exactly too', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, hostile, async (a, b) => {
        const r = await target.run({ script: `printf '%s\\0' "$V" ${quoteArg(a)}` }, { env: { V: b } });
        expect(splitNul(r.stdout)).toEqual([b, a]);
      }),
      { numRuns: 100 },
    );
    const dir = (await target.run({ argv: ['mktemp', '-d'] })).stdout.trim();
    const odd = `${dir}/a 'b' $(c) \`d\``;
    expect((await target.run({ argv: ['mkdir', odd] })).code).toBe(0);
    expect((await target.run({ argv: ['pwd'] }, { cwd: odd })).stdout).toBe(`${odd}\n`);
    await target.run({ argv: ['rm', '-rf', dir] });
  });
});
