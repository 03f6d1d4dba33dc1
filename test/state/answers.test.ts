import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MASK, redact } from '../../source/logs/redact.js';
import { AnswersError, MissingAnswer, loadAnswers, parseAnswers, requireAnswer } from '../../state/answers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-answers-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const HEX = '0123456789abcdef'.repeat(4);

function issuesOf(text: string): AnswersError['issues'] {
  try {
    parseAnswers(text, 'a.yml');
  } catch (error) {
    expect(error).toBeInstanceOf(AnswersError);
    return (error as AnswersError).issues;
  }
  throw new Error('expected the answers to be refused');
}

describe('answers file', () => {
  it('the documented example parses', () => {
    const loaded = loadAnswers(path.join(import.meta.dirname, '../../state/answers.example.yml'));
    expect(loaded.answers).toMatchObject({
      mode: 'migrate',
      host: 'matrix.example.com',
      secret: { kind: 'generate' },
      hostname: 'matrix.example.com',
      path_prefix: '/auth',
      providers: 'convert-synapse-oidc',
      fix: ['synapse.registration-enabled'],
      accept: ['email.not-configured'],
      backup: { enabled: true, path: '/matrix/postgres/backups' },
      confirm_server_name: 'example.com',
    });
  });

  it('an empty file is valid: every key takes the playbook default', () => {
    expect(parseAnswers('', 'a.yml').answers).toEqual({});
    expect(parseAnswers('# only comments\n', 'a.yml').answers).toEqual({});
  });

  it('names an unknown key and its line and column', () => {
    const issues = issuesOf('mode: migrate\nhost: m\nhostnmae: auth.example.com\n');
    expect(issues).toEqual([
      { path: 'hostnmae', line: 3, column: 1, message: expect.stringMatching(/^unknown key "hostnmae" \(known keys: mode, host, secret, hostname/) },
    ]);
    const nested = issuesOf('mode: migrate\nbackup:\n  enabled: true\n  dir: /x\n');
    expect(nested).toEqual([{ path: 'backup.dir', line: 4, column: 3, message: 'unknown key "dir"' }]);
  });

  it('points a bad value at its own line and column', () => {
    expect(issuesOf('mode: migrate\npath_prefix: /auth/\n')).toEqual([
      { path: 'path_prefix', line: 2, column: 14, message: 'must not end with / (use /auth, not /auth/)' },
    ]);
    expect(issuesOf('mode: upgrade\n')[0]).toMatchObject({ path: 'mode', line: 1, column: 7 });
    expect(issuesOf('hostname: matrix\n')[0]).toMatchObject({ path: 'hostname', line: 1, message: expect.stringMatching(/fully qualified/) });
    expect(issuesOf('fix:\n  - ok.id\n  - Not An Id\n')[0]).toMatchObject({ path: 'fix.1', line: 3, column: 5 });
  });

  it('reports a YAML syntax error with its position', () => {
    const [issue] = issuesOf('mode: migrate\nhost: [unclosed\n');
    expect(issue.message).toMatch(/^not valid YAML/);
    expect(issue.line).toBeGreaterThanOrEqual(2);
  });

  it('reports a duplicate key rather than silently taking one', () => {
    expect(issuesOf('mode: new\nmode: migrate\n')[0].message).toMatch(/not valid YAML.*unique/i);
  });

  it('refuses a file that is not a mapping', () => {
    expect(issuesOf('- mode\n')).toEqual([{ path: '', line: 1, column: 1, message: expect.stringMatching(/must be a mapping/) }]);
  });

  it('takes the three forms of secret and never quotes a bad one', () => {
    expect(parseAnswers('secret: generate\n', 'a').answers.secret).toEqual({ kind: 'generate' });
    expect(parseAnswers(`secret: "${HEX}"\n`, 'a').answers.secret).toEqual({ kind: 'value', value: HEX });
    expect(parseAnswers('secret: {vault: "{{ vault_mas_secret }}"}\n', 'a').answers.secret).toEqual({ kind: 'reference', reference: '{{ vault_mas_secret }}' });
    const bad = `${HEX.slice(0, 60)}zzzz`;
    const [issue] = issuesOf(`secret: "${bad}"\n`);
    expect(issue).toMatchObject({ path: 'secret', line: 1, column: 9 });
    expect(issue.message).toMatch(/non-hex character at position 61/);
    expect(JSON.stringify(issue)).not.toContain(bad.slice(0, 20));
    expect(issuesOf('secret: 1234\n')[0].message).toMatch(/YAML read this as a number/);
    expect(issuesOf('secret: {vault: x, other: y}\n')[0].message).toMatch(/the object form is/);
  });

  it('checks providers with the MAS schema, unknown provider keys included, with lines', () => {
    const text = [
      'providers:',
      '  - id: 01JFVBY12TMNTYTBV8W921M5FA',
      '    issuer: https://id.example.com',
      '    client_id: matrix',
      '    client_secret: s3cret-value',
      '    token_endpoint_auth_method: client_secret_basic',
      '  - id: not-a-ulid',
      '    client_id: x',
      '    token_endpoint_auth_method: none',
      '    issuer: https://id.example.com',
      '    colour: blue',
      '',
    ].join('\n');
    const issues = issuesOf(text);
    expect(issues).toEqual([
      { path: 'providers.1.id', line: 7, column: 9, message: expect.stringMatching(/must be a ULID/) },
      { path: 'providers.1.colour', line: 11, column: 13, message: expect.stringMatching(/unknown key/) },
    ]);
    const good = parseAnswers(text.split('\n').slice(0, 6).join('\n'), 'a');
    expect(Array.isArray(good.answers.providers) && good.answers.providers[0].client_id).toBe('matrix');
    expect(good.secrets).toEqual(['s3cret-value']);
    expect(issuesOf('providers: all-of-them\n')[0].message).toBe('must be a list of providers or convert-synapse-oidc');
  });

  it('keeps first_admin to the new flow and backup to the migration', () => {
    expect(issuesOf('mode: migrate\nfirst_admin: {username: alice, password: pw}\n')[0]).toMatchObject({
      path: 'first_admin',
      line: 2,
      message: expect.stringMatching(/only for mode: new/),
    });
    expect(issuesOf('mode: new\nbackup: {enabled: true}\n')[0]).toMatchObject({ path: 'backup', message: expect.stringMatching(/only for mode: migrate/) });
    expect(issuesOf('first_admin: {username: Alice, password: pw}\n')[0].path).toBe('first_admin.username');
    expect(issuesOf('first_admin: {username: alice}\n')[0]).toMatchObject({ path: 'first_admin.password', message: 'required' });
    expect(parseAnswers('backup: {}\n', 'a').answers.backup).toEqual({ enabled: true });
  });

  it('loadAnswers warns when a file holding secrets is readable by others, and names an unreadable file', () => {
    const file = path.join(dir, 'open.yml');
    fs.writeFileSync(file, 'mode: new\nfirst_admin: {username: alice, password: correct-horse}\n', { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    const loaded = loadAnswers(file);
    expect(loaded.secrets).toEqual(['correct-horse']);
    expect(redact('register-user alice correct-horse 1')).toBe(`register-user alice ${MASK} 1`);
    expect(loaded.warnings).toEqual([`${file} holds secrets and is readable by others (mode 644): chmod 600 ${file}`]);
    fs.chmodSync(file, 0o600);
    expect(loadAnswers(file).warnings).toEqual([]);
    expect(() => loadAnswers(path.join(dir, 'missing.yml'))).toThrow(/missing\.yml: a problem.*\n.*cannot read the answers file: ENOENT/);
  });

  it('the error message lists every problem as file:line:column', () => {
    try {
      parseAnswers('mode: x\nextra: 1\n', 'answers.yml');
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toBe(
        'answers.yml: 2 problems; nothing was changed\n' +
          `  answers.yml:1:7: mode: ${(error as AnswersError).issues[0].message}\n` +
          `  answers.yml:2:1: extra: ${(error as AnswersError).issues[1].message}`,
      );
    }
  });

  it('MissingAnswer names the key and the question for a run without a terminal', () => {
    const error = new MissingAnswer('hostname', 'Which hostname should MAS use?');
    expect(error.message).toBe('no terminal to ask "Which hostname should MAS use?"; set `hostname` in the answers file');
    expect(() => requireAnswer(undefined, 'confirm_server_name', 'Type the server name to confirm')).toThrow(MissingAnswer);
    expect(requireAnswer('example.com', 'confirm_server_name', 'q')).toBe('example.com');
  });
});
