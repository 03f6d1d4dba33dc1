// The redactor that sits in front of every sink (screen, transcript, plan, error text).
// It masks two kinds of things:
//  - values it was told about at runtime (configured secrets), in the encodings they
//    typically travel in: raw, JSON/YAML double-quoted, URL/form-encoded, shell-quoted, base64;
//  - shapes that are secret whoever produced them: Synapse/MAS tokens, password hashes,
//    `password: …`-style key/value pairs, `--password X` / `-p X` on command lines and
//    passwords inside URLs. The real legacy syn2mas prints `syr_` refresh tokens in clear,
//    so shape rules are not optional.
// It works on whole lines (streams are split into lines first, see line-buffer.ts), so a
// secret cannot straddle two calls.

export const MASK = '‹redacted›';

/** Key names whose value is secret (matched anywhere inside the key, case-insensitive). */
const SECRET_KEY = String.raw`[A-Za-z0-9_.-]*(?:password|passwd|passphrase|secret|token|api[_-]?key|private[_-]?key|credential|pwd)[A-Za-z0-9_.-]*`;
/** Keys that contain a secret word but name something that is not a secret. */
const NOT_SECRET_KEY =
  /(?:_id|_ids|_path|_file|_files|_enabled|_type|_expiry|_lifetime|_ttl|_length|_prefix|_count|_config|_auth_enabled|_method|_methods|_mode|_alg|_algs|_scheme|_schemes|_version)$/i;
/** Finding ids (`mas.secret-invalid`, `synapse.password-provider.ldap`) name a problem, not a secret: their text must stay readable. */
const FINDING_ID = /^[a-z0-9-]+(?:\.[a-z0-9-]+)+$/;
const isFindingId = (key: string) => FINDING_ID.test(key) && /(?:password|secret|token)[a-z]*-/.test(key);
/** Values that carry no secret even under a secret-looking key. */
const HARMLESS_VALUE = /^(?:|null|true|false|~|none|\||>|\{|\[|‹redacted›|redacted)$/i;

// Synapse: syt_ (access), syr_ (refresh); MAS: mat_/mar_ (OAuth access/refresh), mct_/mcr_ (compat), mas_ (other MAS tokens).
// Not inside a longer identifier (`matrix_authentication_service_mas_cli_…`) and not a file name
// (`tasks/mas_cli_syn2mas.yml`): Ansible prints both, and masking them made its output unreadable.
const TOKEN = /(?<![A-Za-z0-9_])(?:syt|syr|mat|mar|mct|mcr|mas)_[A-Za-z0-9_-]{8,}(?![A-Za-z0-9_-]|\.[A-Za-z])/g;
// bcrypt, argon2, sha-crypt ($1$ $5$ $6$), yescrypt ($y$ $gy$ $7$), pbkdf2, scrypt.
const HASH = /\$argon2(?:id|i|d)\$[A-Za-z0-9+/=,$]+|\$(?:2[abxy]?|pbkdf2[A-Za-z0-9-]*|scrypt|[156]|y|gy|7)\$[^\s"',;:]+/g;
// scheme://user:password@host — any scheme (postgres, postgresql, redis, https, …).
const URL_PASSWORD = /([A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:/@'"]*:)([^\s@/'"]+)(@)/g;
// "key": "value" / 'key': 'value' / key: value (YAML, JSON, logs). After a bare key the
// value runs to the end of the line (minus a YAML comment); after a quoted (JSON) key it ends
// at the next , } ] or space.
const KEY_COLON = new RegExp(String.raw`(["']?)(${SECRET_KEY})\1([ \t]*:[ \t]*)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s][^\n]*)`, 'gi');
// key=value (env, CLI, --extra-vars, query strings): the value ends at white space or & ; , "
const KEY_EQUALS = new RegExp(String.raw`(?<![A-Za-z0-9_.-])(${SECRET_KEY})(=)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s&;,"']+)`, 'gi');
// A whole PEM private key on one line (e.g. JSON-escaped): keep the armour, mask the body.
const PEM_INLINE = /(-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----)[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----)/g;
const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const PEM_END = /-----END [A-Z0-9 ]*PRIVATE KEY-----/;
// `key: |` / `key: >-` under a secret-looking key: the value is on the following, deeper-indented lines.
const BLOCK_SCALAR_KEY = new RegExp(String.raw`^(\s*)(?:-\s+)?["']?(${SECRET_KEY})["']?\s*:\s*[|>][-+0-9]*\s*(?:#.*)?$`, 'i');
// HTTP auth headers and curl -u user:pass.
const AUTH_HEADER = /\b((?:Bearer|Basic)\s+)([A-Za-z0-9._~+/=-]{8,})/g;
// --password X, --password=X, --client-secret X, --token X …
const LONG_FLAG = /(--[A-Za-z0-9-]*(?:password|passphrase|secret|token)[A-Za-z0-9-]*)(=|\s+)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s'"]+)/gi;
// -p X (mas-cli register-user, mysql, sshpass …). Ports (digits), paths, variables, flags and
// empty prompts (`sudo -S -p ''`) are left visible; `mkdir -p` never takes a value.
const SHORT_P = /(?<!\bmkdir(?:\s+-\S+)*)(\s-p\s+)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s'"]+)/g;

// Text none of whose lines holds one of these is left as it is by every shape rule below and
// starts no multi-line secret (each rule's own pre-check, or its regex, needs one of them): see
// mayChange(). A superset is safe; keep it in step with the rules. Chosen for speed on a batch of
// thousands of lines: includes() of a substring that starts with a rare character is nearly free
// ('-p' stands for ' -p': a search led by a space, which is everywhere, cost as much as a regex),
// and the secret words are one /i alternation (faster than case classes or one regex for all).
const TRIGGERS = ['$', '://', '-p', 'PRIVATE KEY-----', 'Bearer', 'Basic'];
const TOKEN_PREFIX = /(?:sy[rt]|ma[rst]|mc[rt])_/;
const SECRET_WORD = /pass|pwd|secret|token|key|credential/i;

function isHarmlessShortP(value: string): boolean {
  const bare = value.replace(/^(['"])(.*)\1$/s, '$2');
  return bare === '' || /^\d{1,5}$/.test(bare) || /^[-/.~$]/.test(bare) || bare.endsWith('/');
}

function isHarmlessValue(value: string): boolean {
  const bare = value.replace(/^(['"])(.*)\1$/s, '$2').trim();
  return HARMLESS_VALUE.test(bare) || bare.startsWith('!vault') || bare.startsWith('{{');
}

function maskQuoted(value: string): string {
  const q = value[0];
  return q === '"' || q === "'" ? `${q}${MASK}${q}` : MASK;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The forms a secret takes when it is printed inside JSON, URLs, shell commands or HTTP auth. */
export function secretVariants(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  const variants = new Set<string>([
    value,
    json,
    encodeURIComponent(value),
    new URLSearchParams({ v: value }).toString().slice(2),
    value.replace(/'/g, `'\\''`), // inside '…' in sh
    value.replace(/(["\\$`])/g, '\\$1'), // inside "…" in sh
    value.replace(/([^A-Za-z0-9_\-.,:/@%+=])/g, '\\$1'), // backslash-escaped bare word
    Buffer.from(value, 'utf8').toString('base64'),
  ]);
  return [...variants].filter((v) => v.length > 0);
}

export class Redactor {
  private readonly secrets = new Map<string, string>();
  private literal: RegExp | null = null;
  /** The same alternatives without the g flag, for test() (a g regex keeps lastIndex between calls). */
  private literalProbe: RegExp | null = null;
  /** Every addSecret() that added something, in order, and who else must learn of them (the log worker's redactor). */
  private readonly added: [value: string, label: string][] = [];
  private readonly followers = new Set<(value: string, label: string) => void>();

  /**
   * Registers a configured secret (encryption secret, client secret, DB or sudo password …)
   * so every form of it is masked from now on. Empty values are refused (they would mask nothing
   * meaningful and usually mean a missing value upstream).
   */
  addSecret(value: string, label = 'secret'): void {
    if (typeof value !== 'string' || value.length === 0) {
      throw new TypeError(`redactor: refusing to register an empty ${label}`);
    }
    let changed = false;
    for (const v of secretVariants(value)) {
      if (!this.secrets.has(v)) {
        this.secrets.set(v, label);
        changed = true;
      }
    }
    if (!changed) return;
    this.rebuild();
    this.added.push([value, label]);
    for (const follower of this.followers) follower(value, label);
  }

  /** Calls `follower` with every secret registered so far and then with each new one, until the returned function is called. */
  follow(follower: (value: string, label: string) => void): () => void {
    for (const [value, label] of this.added) follower(value, label);
    this.followers.add(follower);
    return () => {
      this.followers.delete(follower);
    };
  }

  /** How many distinct forms are being masked (for tests and diagnostics). */
  get size(): number {
    return this.secrets.size;
  }

  private rebuild(): void {
    // Longest first, so a secret that contains another is masked whole.
    const alts = [...this.secrets.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.literal = alts.length ? new RegExp(alts.join('|'), 'g') : null;
    this.literalProbe = alts.length ? new RegExp(alts.join('|')) : null;
  }

  /**
   * False when `redact()` would return `text` unchanged and no line of it starts a multi-line
   * secret: no known secret and nothing shaped like one. Works on one line or many joined with
   * \n (no rule's trigger spans a newline), so a whole batch is checked in one pass.
   */
  mayChange(text: string): boolean {
    return (
      TRIGGERS.some((t) => text.includes(t)) ||
      (text.includes('_') && TOKEN_PREFIX.test(text)) ||
      SECRET_WORD.test(text) ||
      (this.literalProbe !== null && this.literalProbe.test(text))
    );
  }

  /** Masks every known secret and secret shape in `text` (one line or several). */
  redact(text: string): string {
    if (!this.mayChange(text)) return text;
    let out = text;
    if (this.literal) out = out.replace(this.literal, MASK);
    // Cheap pre-checks keep the common case (an ordinary log line) fast.
    if (out.includes('PRIVATE KEY-----')) out = out.replace(PEM_INLINE, `$1${MASK}$2`);
    if (out.includes('://')) out = out.replace(URL_PASSWORD, (_m, pre: string, pass: string, at: string) => (pass === MASK ? _m : `${pre}${MASK}${at}`));
    if (out.includes('_')) out = out.replace(TOKEN, MASK);
    if (/Bearer|Basic/.test(out)) out = out.replace(AUTH_HEADER, `$1${MASK}`);
    if (out.includes('$')) out = out.replace(HASH, MASK);
    if (/pass|secret|token|key|credential|pwd/i.test(out)) {
      out = out.replace(LONG_FLAG, (m, flag: string, sep: string, value: string) => (value.startsWith('-') ? m : `${flag}${sep}${maskQuoted(value)}`));
      out = out.replace(KEY_COLON, (m, q: string, key: string, sep: string, value: string) => {
        if (NOT_SECRET_KEY.test(key) || isFindingId(key)) return m;
        let rest = '';
        if (!/^["']/.test(value)) {
          // JSON-ish (quoted key): stop at the next delimiter; YAML: keep a trailing " # comment".
          const cut = q ? value.search(/[,}\]\s]/) : value.search(/\s+#/);
          if (cut >= 0) {
            rest = value.slice(cut);
            value = value.slice(0, cut);
          }
        }
        if (isHarmlessValue(value)) return m;
        return `${q}${key}${q}${sep}${maskQuoted(value)}${rest}`;
      });
      out = out.replace(KEY_EQUALS, (m, key: string, sep: string, value: string) =>
        NOT_SECRET_KEY.test(key) || isHarmlessValue(value) ? m : `${key}${sep}${maskQuoted(value)}`,
      );
    }
    if (out.includes(' -p')) out = out.replace(SHORT_P, (m, flag: string, value: string) => (isHarmlessShortP(value) ? m : `${flag}${maskQuoted(value)}`));
    return out;
  }
}

/**
 * Redacts a stream line by line, remembering what spans lines: the body of a PEM private key
 * and the block-scalar value of a secret key (`client_secret: |`). One per output stream.
 */
export class LineRedactor {
  private inPem = false;
  /** Indentation of the secret key whose block value is being masked, or null. */
  private blockIndent: number | null = null;

  constructor(private readonly redactor: Redactor) {}

  /** Redacts a batch of consecutive lines (`text`: them joined with \n); returns `lines` itself when none needs a change. */
  lines(lines: string[], text = lines.join('\n')): string[] {
    if (this.inPem || this.blockIndent !== null || this.redactor.mayChange(text)) {
      return lines.map((l) => this.line(l));
    }
    return lines;
  }

  line(text: string): string {
    if (this.inPem) {
      if (PEM_END.test(text)) {
        this.inPem = false;
        return text.replace(/^.+?(-----END)/, `${MASK}$1`);
      }
      return MASK;
    }
    if (this.blockIndent !== null) {
      const indent = text.length - text.trimStart().length;
      if (text.trim() === '') return text;
      if (indent > this.blockIndent) return `${text.slice(0, indent)}${MASK}`;
      this.blockIndent = null;
    }
    if (!this.redactor.mayChange(text)) return text;
    const out = this.redactor.redact(text);
    if (PEM_BEGIN.test(out) && !PEM_END.test(out)) this.inPem = true;
    const block = BLOCK_SCALAR_KEY.exec(text);
    if (block && !NOT_SECRET_KEY.test(block[2])) this.blockIndent = block[1].length;
    return out;
  }
}

/**
 * The process-wide redactor. Engine parts register secrets here as soon as they learn them
 * (answers file, prompts, generated secrets); every sink calls `redact()` before writing.
 */
export const redactor = new Redactor();

export function redact(text: string): string {
  return redactor.redact(text);
}
