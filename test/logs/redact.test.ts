import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineRedactor, MASK, Redactor, secretVariants } from '../../source/logs/redact.js';

const legacyDir = 'test/fixtures/upstream/mas/legacy-syn2mas-example';

describe('Redactor: configured secrets', () => {
  const secret = `Tr0ub4dor&3 "x" o'k $HOME\\`;
  const r = new Redactor();
  r.addSecret(secret, 'sudo password');

  it.each([
    ['raw', `sudo password is ${secret} ok`],
    ['JSON string', JSON.stringify({ pw: secret })],
    ['URL-encoded', `https://h/?q=${encodeURIComponent(secret)}`],
    ['form-encoded', `body: ${new URLSearchParams({ p: secret }).toString()}`],
    ['single-quoted for sh', `echo '${secret.replace(/'/g, `'\\''`)}'`],
    ['double-quoted for sh', `echo "${secret.replace(/(["\\$`])/g, '\\$1')}"`],
    ['base64 (HTTP basic auth)', `Authorization: Basic ${Buffer.from(secret).toString('base64')}`],
  ])('masks the %s form', (_name, line) => {
    const out = r.redact(line);
    expect(out).toContain(MASK);
    expect(out).not.toContain('Tr0ub4dor');
    expect(out).not.toContain(Buffer.from(secret).toString('base64'));
  });

  it('masks a secret that contains another one whole (longest first)', () => {
    const r2 = new Redactor();
    r2.addSecret('abc123');
    r2.addSecret('xxabc123yy');
    expect(r2.redact('a xxabc123yy b abc123 c')).toBe(`a ${MASK} b ${MASK} c`);
  });

  it('refuses an empty secret with a clear error and keeps working', () => {
    const r2 = new Redactor();
    expect(() => r2.addSecret('', 'client secret')).toThrow(/empty client secret/);
    expect(r2.size).toBe(0);
    expect(r2.redact('plain line')).toBe('plain line');
  });

  it('treats regex metacharacters in a secret literally', () => {
    const r2 = new Redactor();
    r2.addSecret('a.b*c');
    expect(r2.redact('aXbbbc a.b*c')).toBe(`aXbbbc ${MASK}`);
  });

  it('lists the variants without duplicates or empties', () => {
    const v = secretVariants('plain');
    expect(v).toContain('plain');
    expect(new Set(v).size).toBe(v.length);
    expect(v.every((x) => x.length > 0)).toBe(true);
  });
});

describe('Redactor: secret shapes nobody registered', () => {
  const r = new Redactor();
  const cases: [string, string, string][] = [
    // [name, input, expected]
    ['Synapse access token', 'token syt_YWxpY2U_accesstoken0000000001_abcdef used', `token ${MASK} used`],
    ['Synapse refresh token in JSON', '{"refresh_token":"syr_Ym9i_refreshtoken0000000001_abcdef"}', `{"refresh_token":"${MASK}"}`],
    ['MAS access token', 'Bearer-less mat_abcdefghijklmnopqrstuvwxyz1234_0a1b2c', `Bearer-less ${MASK}`],
    ['MAS refresh token', 'x mar_abcdefghijklmnopqrstuvwxyz1234_0a1b2c', `x ${MASK}`],
    ['MAS compat tokens', 'mct_AAAAAAAAAAAAAAAA_xx mcr_BBBBBBBBBBBBBBBB_yy', `${MASK} ${MASK}`],
    ['bcrypt hash', 'hash=$2b$12$abcdefghijklmnopqrstuuJ5bYvKQ1lZ0a4HOQw7pjB9cd9x3Kbi', `hash=${MASK}`],
    ['argon2 hash', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo', MASK],
    ['sha512-crypt in shadow', 'root:$6$rounds=5000$saltsalt$abcdefghijklmnopqrstuv:19000:0', `root:${MASK}:19000:0`],
    ['yescrypt', 'u:$y$j9T$abcd$efgh:1', `u:${MASK}:1`],
    ['YAML password', 'password: hunter2 # set by me', `password: ${MASK} # set by me`],
    ['YAML quoted client_secret', "  client_secret: 'abc def'", `  client_secret: '${MASK}'`],
    [
      'playbook var with secret in the name',
      'matrix_authentication_service_config_secrets_encryption: "0362141a2b"',
      `matrix_authentication_service_config_secrets_encryption: "${MASK}"`,
    ],
    ['JSON password number', '"password": 12345, "user": "bob"', `"password": ${MASK}, "user": "bob"`],
    ['env assignment', 'PGPASSWORD=foo psql -h db', `PGPASSWORD=${MASK} psql -h db`],
    [
      'extra-vars',
      'ansible-playbook --extra-vars="username=alice password=hunter2 admin=yes"',
      `ansible-playbook --extra-vars="username=alice password=${MASK} admin=yes"`,
    ],
    ['--password X', 'tool --password hunter2 --user bob', `tool --password ${MASK} --user bob`],
    ['--client-secret=X', 'tool --client-secret=xyz', `tool --client-secret=${MASK}`],
    [
      '-p "X" (mas-cli register-user)',
      'mas-cli manage register-user --yes -p "pw 1" --admin alice',
      `mas-cli manage register-user --yes -p "${MASK}" --admin alice`,
    ],
    ['postgres URL', 'uri: postgresql://synapse:pa55@db:5432/synapse', `uri: postgresql://synapse:${MASK}@db:5432/synapse`],
    ['postgres URL with a secret query key', 'postgres://u@h/db?sslmode=require&password=x1', `postgres://u@h/db?sslmode=require&password=${MASK}`],
    ['bearer header', 'Authorization: Bearer abcdefgh12345678', `Authorization: Bearer ${MASK}`],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(r.redact(input)).toBe(expected);
  });

  const untouched: [string, string][] = [
    ['ssh port', 'ssh -p 2222 matrix@example.org'],
    ['psql port', 'psql -h 127.0.0.1 -p 5432 -U postgres'],
    ['mkdir -p', 'mkdir -p build && mkdir -p /matrix/x'],
    ["sudo's empty prompt", "sudo -S -p '' true"],
    ['a path after -p', 'ansible-galaxy install -r requirements.yml -p roles/galaxy/ --force'],
    ['vault value', '  secret: !vault |'],
    ['block key without value', 'password_config:'],
    ['boolean under a secret-looking key', 'password_config_enabled: true'],
    ['an id column', 'refresh_token_id: 5'],
    ['a Jinja reference', 'matrix_synapse_macaroon_secret_key: "{{ vault_macaroon }}"'],
    ['ordinary ansible output', 'TASK [matrix-authentication-service : Ensure MAS is started] ***'],
    ['an ordinary identifier with mas_', 'mas_ok'],
    ['the mask itself', `password: ${MASK}`],
  ];
  it.each(untouched)('leaves %s visible', (_name, input) => {
    expect(r.redact(input)).toBe(input);
  });

  it('is idempotent', () => {
    for (const [, input] of cases) expect(r.redact(r.redact(input))).toBe(r.redact(input));
  });
});

describe('Redactor on the real legacy syn2mas output', () => {
  const files = readdirSync(legacyDir).filter((f) => f.startsWith('output-') && f.endsWith('.txt'));
  const r = new Redactor();
  it('has the recorded outputs to check', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });
  it.each(files)('%s: no Synapse token or password hash survives, other lines untouched', (file) => {
    const text = readFileSync(path.join(legacyDir, file), 'utf8');
    const out = text
      .split('\n')
      .map((l) => r.redact(l))
      .join('\n');
    expect(out).not.toMatch(/sy[tr]_[A-Za-z0-9]{4,}_[A-Za-z0-9]{8,}/);
    expect(out).not.toContain('refreshtoken0000000001');
    expect(out).not.toMatch(/\$2b\$12\$[./A-Za-z0-9]{10,}/);
    // Lines with nothing secret are passed through byte for byte.
    for (const line of text.split('\n')) {
      if (/Processing user|Completed migration|Running \d+ updates/.test(line)) expect(r.redact(line)).toBe(line);
    }
  });
  it('masks the refresh token printed in clear by the real tool', () => {
    const text = readFileSync(path.join(legacyDir, 'output-migrate-mapping.txt'), 'utf8');
    const line = text.split('\n').find((l) => l.includes('Refresh token 1 =>'))!;
    expect(line).toContain('syr_Ym9i_refreshtoken0000000001_abcdef');
    const out = r.redact(line);
    expect(out).toContain(`"refresh_token":"${MASK}"`);
    expect(out).toContain('"compat_session_id":"018BD003-EC80-48E7-5AF8-3DAE400AAB9A"');
  });
});

describe('LineRedactor: secrets that span lines', () => {
  const run = (lines: string[]) => {
    const lr = new LineRedactor(new Redactor());
    return lines.map((l) => lr.line(l));
  };

  it('masks the body of a PEM private key, keeps the armour lines', () => {
    expect(
      run([
        'key follows:',
        '-----BEGIN OPENSSH PRIVATE KEY-----',
        'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ',
        'AAAAMwAAAAtzc2gtZW',
        '-----END OPENSSH PRIVATE KEY-----',
        'after',
      ]),
    ).toEqual(['key follows:', '-----BEGIN OPENSSH PRIVATE KEY-----', MASK, MASK, '-----END OPENSSH PRIVATE KEY-----', 'after']);
  });

  it('masks a one-line (JSON-escaped) PEM key body', () => {
    expect(new Redactor().redact('"key": "-----BEGIN RSA PRIVATE KEY-----\\nMIIEow\\n-----END RSA PRIVATE KEY-----"')).toContain(
      `-----BEGIN RSA PRIVATE KEY-----${MASK}-----END RSA PRIVATE KEY-----`,
    );
  });

  it('masks a block-scalar value under a secret key until the indentation comes back', () => {
    expect(
      run(['providers:', '  - id: 01H', '    client_secret: |', '      line-one-of-secret', '', '      line-two', '    scope: openid', 'next: 1']),
    ).toEqual(['providers:', '  - id: 01H', '    client_secret: |', `      ${MASK}`, '', `      ${MASK}`, '    scope: openid', 'next: 1']);
  });

  it('leaves !vault blocks and block values of ordinary keys alone', () => {
    const lines = ['secret: !vault |', '  $ANSIBLE_VAULT;1.1;AES256', '  6231', 'description: >', '  plain text here'];
    expect(run(lines)).toEqual(lines);
  });
});

describe('LineRedactor: a batch of lines is redacted exactly as line by line', () => {
  const fragments = [
    'plain text ',
    'password: hunter2',
    'client_secret: |',
    '  indented body',
    '-----BEGIN RSA PRIVATE KEY-----',
    'MIIEow',
    '-----END RSA PRIVATE KEY-----',
    'syt_YWxpY2U_accesstoken0000000001_abcdef',
    'postgres://u:pw@h/db',
    '$2b$12$abcdefghijklmnopqrstuv',
    'Bearer abcdefghijk',
    ' -p s3cret',
    'S3cretSudo!',
    'mas_cli_syn2mas',
    'key',
    'PaSsWoRd=x1',
    'API_KEY: abc',
    'Credential=zz',
    '',
  ];
  it('for any split of any lines into batches (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(fc.constantFrom(...fragments), { maxLength: 3 }).map((p) => p.join('')),
          { maxLength: 30 },
        ),
        fc.array(fc.nat(), { maxLength: 6 }),
        (lines, cuts) => {
          const r = new Redactor();
          r.addSecret('S3cretSudo!');
          const one = new LineRedactor(r);
          const expected = lines.map((l) => one.line(l));
          const batched = new LineRedactor(r);
          const points = [...new Set(cuts.map((c) => c % (lines.length + 1)))].sort((a, b) => a - b);
          const got: string[] = [];
          let last = 0;
          for (const p of [...points, lines.length]) {
            got.push(...batched.lines(lines.slice(last, p)));
            last = p;
          }
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('hands back the same array when nothing in the batch needs masking', () => {
    const lines = ['ok: [matrix.example.org]', 'TASK [matrix-synapse : Ensure directories exist]'];
    expect(new LineRedactor(new Redactor()).lines(lines)).toBe(lines);
  });
});
