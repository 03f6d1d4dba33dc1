// `mas-cli manage …` subcommands the wizard uses (mas.md §5), against the MAS database.
import { ulid, ulidToUUID, uuidToULID } from 'ulid';
import { CliError, isActive, labDir, lit, log } from './context.js';
import { readMeta } from '../lab-meta.js';
import { labMasVersion } from '../scenarios.js';
import type { MasConfig } from './mas-config.js';
import { passwordScore } from './complexity.js';

const T = 'mas_cli::commands::manage';

interface UserRow {
  user_id: string;
  username: string;
  can_request_admin: boolean;
}

function localpart(name: string, homeserver: string): string {
  return name.replace(/^@/, '').replace(new RegExp(`:${homeserver.replace(/\./g, '\\.')}$`), '');
}

function findUser(config: MasConfig, username: string): UserRow {
  const [user] = config.db.query<UserRow>(`SELECT user_id, username, can_request_admin FROM users WHERE username = ${lit(username)}`);
  if (!user) throw new CliError('User not found');
  return user;
}

const uuid = () => ulidToUUID(ulid()).toLowerCase();

function registerUser(config: MasConfig, args: string[]): number {
  let username: string | undefined;
  let password: string | undefined;
  let admin = false;
  let yes = false;
  let ignoreComplexity = false;
  const emails: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-p' || a === '--password') password = args[++i];
    else if (a.startsWith('--password=')) password = a.slice(11);
    else if (a === '-e' || a === '--email') emails.push(args[++i] ?? '');
    else if (a === '-a' || a === '--admin') admin = true;
    else if (a === '-A' || a === '--no-admin') admin = false;
    else if (a === '-y' || a === '--yes') yes = true;
    else if (a === '--ignore-password-complexity') ignoreComplexity = true;
    else if (a === '-d' || a === '--display-name') i++;
    else if (a.startsWith('-')) throw new CliError(`unexpected argument '${a}' found`, [], 2);
    else if (username === undefined) username = a;
    else throw new CliError(`unexpected argument '${a}' found`, [], 2);
  }
  if (!yes) throw new CliError('The practice lab only supports `register-user --yes` (non-interactive)', [], 2);
  if (username === undefined) throw new CliError('Username is required when using --yes');
  if (password !== undefined && !ignoreComplexity && passwordScore(password, [username]) < config.minimumComplexity) {
    log('ERROR', `${T}:1024`, 'That password is too weak.');
    return 1;
  }
  const name = localpart(username, config.homeserver);
  if (!name) throw new CliError('Username cannot be empty');
  if (config.db.query(`SELECT 1 FROM users WHERE username = ${lit(name)}`).length) throw new CliError('User already exists');
  // MAS asks Synapse (/_synapse/mas/is_localpart_available) before creating the user.
  if (!isActive('matrix-synapse'))
    throw new CliError('Could not check if the username is available on the homeserver', [
      'error sending request for url (http://matrix-synapse:8008/_synapse/mas/is_localpart_available)',
    ]);
  const id = uuid();
  const emailSql = emails
    .map((e) => `INSERT INTO user_emails (user_email_id, user_id, email, created_at) VALUES (${lit(uuid())}, ${lit(id)}, ${lit(e.toLowerCase())}, now());`)
    .join('\n');
  // Passwords are stored with the newest scheme (argon2id in the effective config); the lab stores a marker, not a real hash.
  const newest = Math.max(1, ...config.schemes.map((s) => s.version));
  config.db.exec(`BEGIN;
INSERT INTO users (user_id, username, created_at, can_request_admin) VALUES (${lit(id)}, ${lit(name)}, now(), ${admin});
${password !== undefined ? `INSERT INTO user_passwords (user_password_id, user_id, hashed_password, created_at, version) VALUES (${lit(uuid())}, ${lit(id)}, ${lit(`$lab$not-a-real-hash$${name}`)}, now(), ${newest});` : ''}
${emailSql}
COMMIT;`);
  const pad = (k: string) => k.padEnd(18);
  process.stdout.write(
    `User attributes\n    ${pad('Username:')}${name}\n    ${pad('Matrix ID:')}@${name}:${config.homeserver}\n    ${pad('Display name:')}\n    ${pad('Password:')}${password !== undefined ? '********' : ''}\n    ${pad('Email:')}${emails.join(', ')}\n    ${pad('Can request admin:')}${admin}\n`,
  );
  if (!emails.length) log('WARN', `${T}:1102`, 'No email address provided, user will need to add one');
  log('INFO', `${T}:1141`, `User registered user.id=${uuidToULID(id)}`);
  return 0;
}

/** Subcommands added after MAS 0.10 (real-outputs.md §5): a lab pinned to an older MAS has not got them. */
const SINCE: Record<string, string> = {
  'add-email': '0.13.0',
  'issue-user-registration-token': '0.17.0',
  'promote-admin': '1.3.0',
  'demote-admin': '1.3.0',
  'list-admin-users': '1.3.0',
};

const older = (a: string, b: string) => {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i++) if (x![i] !== y![i]) return (x![i] ?? 0) < (y![i] ?? 0);
  return false;
};

export function manage(config: MasConfig, args: string[]): number {
  const [sub, ...rest] = args;
  const since = sub ? SINCE[sub] : undefined;
  if (since && older(labMasVersion(readMeta(labDir())), since)) {
    throw new CliError(`unrecognized subcommand '${sub}'\n\nUsage: mas-cli manage <COMMAND>\n\nFor more information, try '--help'.`, [], 2);
  }
  switch (sub) {
    case 'register-user':
      return registerUser(config, rest);
    case 'add-email': {
      const [username, email] = rest;
      if (!username || !email) throw new CliError('the following required arguments were not provided: <USERNAME> <EMAIL>', [], 2);
      const user = findUser(config, username);
      const existing = config.db.query<{ user_email_id: string }>(
        `SELECT user_email_id FROM user_emails WHERE user_id = ${lit(user.user_id)} AND email = ${lit(email)}`,
      );
      if (existing.length) {
        log('INFO', `${T}:318`, `Email already exists, makring as verified user.id=${user.user_id} email.id=${existing[0]!.user_email_id}`);
        return 0;
      }
      const id = uuid();
      config.db.exec(`INSERT INTO user_emails (user_email_id, user_id, email, created_at) VALUES (${lit(id)}, ${lit(user.user_id)}, ${lit(email)}, now());`);
      log('INFO', `${T}:332`, `Email added user.id=${user.user_id} user.username=${user.username} email.id=${id} email.email=${email}`);
      return 0;
    }
    case 'verify-email':
      log('WARN', `${T}:352`, "The 'verify-email' command is deprecated and will be removed in a future version. Use 'add-email' instead.");
      return 0;
    case 'promote-admin':
    case 'demote-admin': {
      const [username] = rest;
      if (!username) throw new CliError('the following required arguments were not provided: <USERNAME>', [], 2);
      const user = findUser(config, username);
      const promote = sub === 'promote-admin';
      config.db.exec(`UPDATE users SET can_request_admin = ${promote} WHERE user_id = ${lit(user.user_id)};`);
      log(
        'INFO',
        `${T}:${promote ? 405 : 425}`,
        `${promote ? 'User promoted to admin' : 'User is no longer admin'} user.id=${user.user_id} user.username=${user.username}`,
      );
      return 0;
    }
    case 'list-admin-users': {
      const users = config.db.query<UserRow>('SELECT user_id, username, can_request_admin FROM users WHERE can_request_admin ORDER BY username');
      log('INFO', `${T}:440`, `The following users can request admin privileges (${users.length} total):`);
      for (const u of users) log('INFO', `${T}:447`, `user.id=${u.user_id} username=${u.username}`);
      return 0;
    }
    default:
      throw new CliError(
        sub
          ? `unrecognized subcommand '${sub}'`
          : 'manage needs a subcommand (register-user, add-email, verify-email, promote-admin, demote-admin, list-admin-users)',
        [],
        2,
      );
  }
}
