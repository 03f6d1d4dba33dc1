// users (migrate flow): admins and emails the migration did not carry are restored —
// promote-admin from MAS 1.3.0 (or the SQL update on older MAS), add-email (verify-email only
// where it still does something). first-admin (new flow): register the first administrator.
import { compareVersions } from '../../preflight/rules.js';
import { effective, effectiveBool, type VarsLayer } from '../../playbook/effective.js';
import { MAS_DB, SYNAPSE_DB } from '../../playbook/commands.js';
import type { FlowContext } from '../context.js';
import type { StepOutcome, StepRunner } from './step.js';
import { runPlanned } from '../exec.js';
import { count } from './verify.js';

async function rows(ctx: FlowContext, db: string, sql: string, params: string[] = []): Promise<string[][]> {
  const r = await runPlanned(ctx, ctx.session.cat.sql(db, sql, params), { step: 'users', quiet: true });
  if (r.code !== 0) throw new Error(`query failed (${sql}): ${r.output.trim().split('\n').slice(-2).join(' ')}`);
  return r.output
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.split('\t'));
}

const localpart = (mxid: string) => mxid.replace(/^@/, '').replace(/:.*$/, '');

function atLeast(masVersion: string | null, version: string): boolean {
  return masVersion !== null && (compareVersions(masVersion, version) ?? -1) >= 0;
}

function masAtLeast(ctx: FlowContext, version: string): boolean {
  return atLeast(ctx.session.checkout.masVersion, version);
}

const PROMOTE_SQL = 'UPDATE users SET can_request_admin = true WHERE username = $1';

/**
 * How an existing MAS user gets the admin flag. `mas-cli manage promote-admin` exists from MAS 1.3.0
 * (real-outputs.md §5; 0.15 and 0.16 have no such subcommand). Below that the wizard sets the very
 * column promote-admin sets, users.can_request_admin, in the MAS database: `register-user --admin`
 * only creates new users, and the admin API would need an admin token first. An unknown version
 * takes the SQL path, which works on every version.
 */
export function adminPromotion(masVersion: string | null): 'promote-admin' | 'sql' {
  return atLeast(masVersion, '1.3.0') ? 'promote-admin' : 'sql';
}

/**
 * MAS sends verification codes by email; with no working email (the transport `blackhole`, the
 * default without the exim relay) they appear only in MAS's log (the playbook's MAS docs,
 * "Working around email deliverability issues").
 */
export function emailNote(layers: readonly VarsLayer[]): { tone: 'warn' | 'info'; text: string } {
  const where = "MAS's log: journalctl -fu matrix-authentication-service (on the server)";
  const transport = effective(layers, 'matrix_authentication_service_config_email_transport');
  const relay = effectiveBool(layers, 'exim_relay_enabled').value;
  const value = transport.kind === 'value' ? String(transport.value) : undefined;
  if (value === 'blackhole' || (value === undefined && relay === false)) {
    return {
      tone: 'warn',
      text: `Email is not configured for MAS (email transport: blackhole): MAS sends no email. Verification codes (a new email address, a password registration or recovery) appear in ${where}.`,
    };
  }
  return { tone: 'info', text: `If an email from MAS does not arrive, its verification code also appears in ${where}.` };
}

export const users: StepRunner = {
  id: 'users',
  commands: (s) => [
    adminPromotion(s.checkout.masVersion) === 'promote-admin' ? s.cat.promoteAdmin('USER').display : s.cat.sql(MAS_DB, PROMOTE_SQL, ['USER']).display,
    s.cat.addEmail('USER', 'EMAIL').display,
  ],
  async run(ctx): Promise<StepOutcome> {
    const { cat } = ctx.session;
    const synapseAdmins = (
      await rows(ctx, SYNAPSE_DB, 'SELECT name FROM users WHERE admin = 1 AND appservice_id IS NULL AND deactivated = 0 ORDER BY name')
    ).map((r) => localpart(r[0]));
    const masAdmins = new Set((await rows(ctx, MAS_DB, 'SELECT username FROM users WHERE can_request_admin ORDER BY username')).map((r) => r[0]));
    const promoted: string[] = [];
    for (const name of synapseAdmins.filter((a) => !masAdmins.has(a))) {
      if (
        !(await ctx.io.confirm({
          key: 'fix: users.admins',
          question: `${name} was a Synapse admin but cannot request admin in MAS. Promote?`,
          defaultYes: true,
        }))
      )
        continue;
      const r =
        adminPromotion(ctx.session.checkout.masVersion) === 'promote-admin'
          ? await runPlanned(ctx, cat.promoteAdmin(name), { step: 'users' })
          : await runPlanned(ctx, cat.sql(MAS_DB, PROMOTE_SQL, [name]), { step: 'users' });
      if (r.code !== 0) return { status: 'failed', error: `could not promote ${name}: ${r.output.trim().split('\n').slice(-2).join(' ')}` };
      promoted.push(name);
    }

    const synapseEmails = await rows(
      ctx,
      SYNAPSE_DB,
      "SELECT u.name, t.address FROM user_threepids t JOIN users u ON u.name = t.user_id WHERE t.medium = 'email' AND u.appservice_id IS NULL ORDER BY 1, 2",
    );
    const masEmails = new Set(
      (await rows(ctx, MAS_DB, 'SELECT u.username, e.email FROM user_emails e JOIN users u ON u.user_id = e.user_id')).map(
        (r) => `${r[0]}\t${r[1].toLowerCase()}`,
      ),
    );
    const added: string[] = [];
    for (const [mxid, address] of synapseEmails) {
      const name = localpart(mxid);
      if (masEmails.has(`${name}\t${address.toLowerCase()}`)) continue;
      const planned = masAtLeast(ctx, '0.13.0') ? cat.addEmail(name, address) : cat.verifyEmail(name, address);
      const r = await runPlanned(ctx, planned, { step: 'users' });
      if (r.code !== 0) return { status: 'failed', error: `could not add ${address} to ${name}: ${r.output.trim().split('\n').slice(-2).join(' ')}` };
      added.push(`${name} ${address}`);
    }

    const admins = (await rows(ctx, MAS_DB, 'SELECT username FROM users WHERE can_request_admin ORDER BY username')).map((r) => r[0]);
    const oidcLinks = await count(ctx, MAS_DB, 'SELECT count(*) FROM upstream_oauth_links', 'users');
    const masUsers = await count(ctx, MAS_DB, 'SELECT count(*) FROM users', 'users');
    ctx.io.say(
      `MAS: ${masUsers} users, admins: ${admins.join(', ') || 'none'}, ${oidcLinks} upstream login links. Promoted: ${promoted.join(', ') || 'none needed'}. Emails added: ${added.length}.`,
      'ok',
    );
    const email = emailNote(ctx.session.layers());
    ctx.io.say(email.text, email.tone);
    return { status: 'succeeded', outputs: { admins, promoted, emails_added: added, oidc_links: oidcLinks, mas_users: masUsers } };
  },
};

/** MAS's default password rule is zxcvbn ≥ 3; say so before register-user fails on it. */
export function passwordAdvice(password: string): string | null {
  if (password.length < 10) return 'MAS refuses weak passwords (zxcvbn score below 3): use at least 10–12 characters mixing words, digits and symbols';
  if (/^[a-z]+$/i.test(password) || /^\d+$/.test(password)) return 'MAS refuses weak passwords (zxcvbn score below 3): a single word or only digits will fail';
  return null;
}

export const firstAdmin: StepRunner = {
  id: 'first-admin',
  commands: (s) => [s.cat.registerUserScript('USERNAME', 'PASSWORD', true).display.replace('PASSWORD', '••••••')],
  inputs: (ctx): Record<string, string> => (ctx.answers?.first_admin ? { username: ctx.answers.first_admin.username } : {}),
  async run(ctx): Promise<StepOutcome> {
    const username =
      ctx.answers?.first_admin?.username ?? (await ctx.io.text({ key: 'first_admin.username', question: 'Username (localpart) of the first administrator' }));
    const password =
      ctx.answers?.first_admin?.password ??
      (await ctx.io.text({ key: 'first_admin.password', question: `Password for ${username}`, secret: true, validate: passwordAdvice }));
    ctx.addSecret(password, 'first admin password');
    const advice = passwordAdvice(password);
    if (advice) return { status: 'blocked', reasons: [advice] };
    const r = await runPlanned(ctx, ctx.session.cat.registerUserScript(username, password, true), { step: 'first-admin' });
    if (r.code !== 0) {
      const weak = /too weak/i.test(r.output);
      return {
        status: 'failed',
        error: weak
          ? 'MAS refused the password as too weak (zxcvbn score below 3); choose a longer one'
          : `register-user failed: ${r.output.trim().split('\n').slice(-2).join(' ')}`,
      };
    }
    const masUsers = await count(ctx, MAS_DB, 'SELECT count(*) FROM users', 'first-admin');
    const email = emailNote(ctx.session.layers());
    ctx.io.say(email.text, email.tone);
    return { status: 'succeeded', outputs: { admins: [username], mas_users: masUsers } };
  },
};
