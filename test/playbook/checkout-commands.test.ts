import { mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectCheckout, pickHost, CheckoutError, type Checkout } from '../../source/playbook/checkout.js';
import { bindSql, catalogue, CommandUnavailable } from '../../source/playbook/commands.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'maswiz-checkout-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A checkout with the files the real playbook has at these paths (reference/playbook.md §1, §7). */
function makeCheckout(name: string, generation: 'current' | 'legacy', opts: { justfile?: boolean; hosts?: string } = {}): string {
  const dir = path.join(root, name);
  const role = path.join(dir, 'roles/custom/matrix-authentication-service');
  mkdirSync(path.join(role, 'tasks'), { recursive: true });
  mkdirSync(path.join(role, 'defaults'), { recursive: true });
  mkdirSync(path.join(dir, 'roles/custom/matrix_playbook_migration/defaults'), { recursive: true });
  mkdirSync(path.join(dir, 'group_vars'), { recursive: true });
  mkdirSync(path.join(dir, 'inventory/host_vars/matrix.example.com'), { recursive: true });
  writeFileSync(path.join(dir, 'setup.yml'), '- hosts: "{{ target if target is defined else \'matrix_servers\' }}"\n');
  writeFileSync(path.join(role, 'tasks', generation === 'current' ? 'mas_cli_syn2mas.yml' : 'syn2mas.yml'), '---\n');
  writeFileSync(
    path.join(role, 'defaults/main.yml'),
    `---\n# MAS\nmatrix_authentication_service_enabled: true\n\nmatrix_authentication_service_version: ${generation === 'current' ? '1.23.0' : '0.15.0'}\n`,
  );
  writeFileSync(path.join(dir, 'roles/custom/matrix_playbook_migration/defaults/main.yml'), 'matrix_playbook_migration_expected_version: "v2026.05.18.0"\n');
  writeFileSync(path.join(dir, 'group_vars/matrix_servers'), 'matrix_authentication_service_enabled: false\n');
  writeFileSync(path.join(dir, 'inventory/hosts'), opts.hosts ?? '[matrix_servers]\nmatrix.example.com ansible_host=192.0.2.10 ansible_ssh_user=root\n');
  copyFileSync('test/fixtures/vars/examples.yml', path.join(dir, 'inventory/host_vars/matrix.example.com/vars.yml'));
  if (opts.justfile !== false) writeFileSync(path.join(dir, 'justfile'), 'run-tags tags *extra_args:\n\techo {{ tags }}\n');
  return dir;
}

describe('detectCheckout', () => {
  it('reads a current checkout: generation, MAS version with its line, hosts, vars file, just', () => {
    const c = detectCheckout(makeCheckout('cur', 'current'), { PATH: '' });
    expect(c).toMatchObject({
      generation: 'current',
      generationEvidence: 'roles/custom/matrix-authentication-service/tasks/mas_cli_syn2mas.yml',
      masVersion: '1.23.0',
      masVersionSource: 'roles/custom/matrix-authentication-service/defaults/main.yml:5',
      runner: 'just',
      expectedValidatedVersion: 'v2026.05.18.0',
    });
    expect(c.justPath).toMatch(/node_modules\/rust-just-linux-x64\/bin\/just$/);
    expect(c.hosts).toEqual([
      expect.objectContaining({
        name: 'matrix.example.com',
        group: 'matrix_servers',
        line: 2,
        varsExists: true,
        vars: { ansible_host: '192.0.2.10', ansible_ssh_user: 'root' },
      }),
    ]);
    expect(pickHost(c).name).toBe('matrix.example.com');
  });

  it('reads a legacy checkout without a justfile: raw ansible-playbook', () => {
    const c = detectCheckout(makeCheckout('leg', 'legacy', { justfile: false }));
    expect(c).toMatchObject({ generation: 'legacy', masVersion: '0.15.0', runner: 'ansible-playbook', justPath: null });
  });

  it('says clearly when the directory is not a checkout, and what to do', () => {
    expect(() => detectCheckout(path.join(root, 'nope'))).toThrow(/does not exist/);
    mkdirSync(path.join(root, 'empty'));
    expect(() => detectCheckout(path.join(root, 'empty'))).toThrow(/not a matrix-docker-ansible-deploy checkout.*--playbook DIR/);
    const dir = makeCheckout('nohosts', 'current');
    rmSync(path.join(dir, 'inventory/hosts'));
    expect(() => detectCheckout(dir)).toThrow(CheckoutError);
  });

  it('asks for --host when the inventory has several hosts', () => {
    const c = detectCheckout(makeCheckout('multi', 'current', { hosts: '[matrix_servers]\na.example.com\nb.example.com ansible_connection=local\n' }));
    expect(() => pickHost(c)).toThrow(/choose one with --host/);
    expect(pickHost(c, 'b.example.com').vars).toEqual({ ansible_connection: 'local' });
    expect(() => pickHost(c, 'c.example.com')).toThrow(/not in inventory\/hosts/);
  });
});

describe('command catalogue', () => {
  const current: Pick<Checkout, 'dir' | 'generation' | 'runner' | 'justPath'> = {
    dir: '/srv/mdad',
    generation: 'current',
    runner: 'just',
    justPath: '/usr/bin/just',
  };
  const legacy = { ...current, generation: 'legacy' as const, runner: 'ansible-playbook' as const, justPath: null };
  const cur = catalogue({ checkout: current, host: 'matrix.example.com' });
  const leg = catalogue({ checkout: legacy, host: 'matrix.example.com', layout: { base: '/lab/server/matrix', systemctl: '/lab/bin/systemctl' } });

  it('current playbook: syn2mas via the mas-cli tag, check always with dry_run=true (else Synapse stops)', () => {
    expect(cur.syn2mas('check').display).toBe(
      'just run-tags matrix-authentication-service-mas-cli-syn2mas -e matrix_authentication_service_syn2mas_subcommand=check -e matrix_authentication_service_syn2mas_migrate_dry_run=true --limit=matrix.example.com',
    );
    expect(cur.syn2mas('dry-run').command).toEqual({
      argv: [
        '/usr/bin/just',
        'run-tags',
        'matrix-authentication-service-mas-cli-syn2mas',
        '-e',
        'matrix_authentication_service_syn2mas_subcommand=migrate',
        '-e',
        'matrix_authentication_service_syn2mas_migrate_dry_run=true',
        '--limit=matrix.example.com',
      ],
    });
    // The real run is the documented bare tag: `-e …=false` would reach Jinja as the truthy string "false".
    expect(cur.syn2mas('migrate').display).toBe('just run-tags matrix-authentication-service-mas-cli-syn2mas --limit=matrix.example.com');
    expect(cur.syn2mas('migrate').cwd).toBe('/srv/mdad');
    expect(cur.install().display).toBe('just install-all --limit=matrix.example.com');
    expect(cur.install('setup-all').display).toBe('just setup-all --limit=matrix.example.com');
  });

  it('legacy playbook: old tag, old dry-run variable, provider mapping as JSON extra-vars, no check', () => {
    expect(leg.syn2mas('dry-run').command).toEqual({
      argv: [
        'ansible-playbook',
        '-i',
        'inventory/hosts',
        'setup.yml',
        '--tags=matrix-authentication-service-syn2mas',
        '--limit=matrix.example.com',
        '-e',
        '{"matrix_authentication_service_syn2mas_dry_run":true}',
      ],
    });
    const mapped = leg.syn2mas('migrate', { upstreamProviderMapping: { 'oidc-keycloak': '01HFVBY12TMNTYTBV8W921M5FA' } });
    // No dry-run variable on the real run (as documented); the mapping list needs JSON extra-vars.
    expect(JSON.parse((mapped.command as { argv: string[] }).argv.at(-1)!)).toEqual({
      matrix_authentication_service_syn2mas_process_extra_arguments: ['--upstreamProviderMapping', 'oidc-keycloak:01HFVBY12TMNTYTBV8W921M5FA'],
    });
    expect(() => leg.syn2mas('check')).toThrow(CommandUnavailable);
    expect(leg.install().display).toBe(
      'ansible-playbook -i inventory/hosts setup.yml --tags=install-all,ensure-matrix-users-created,start --limit=matrix.example.com',
    );
  });

  it('server scripts use the layout, mask passwords, and refuse arguments the mas-cli wrapper would split', () => {
    const r = leg.registerUserScript('alice', 'Correct-Horse-9', true);
    expect(r.command).toEqual({ argv: ['/lab/server/matrix/matrix-authentication-service/bin/register-user', 'alice', 'Correct-Horse-9', '1'] });
    expect(r.display).not.toContain('Correct-Horse-9');
    expect(() => leg.registerUserScript('alice', 'two words', false)).toThrow(/splits arguments on whitespace/);
    expect(cur.registerUserTag('bob', 'p w', false).display).not.toContain('p w');
    expect(leg.promoteAdmin('alice').display).toBe('/lab/server/matrix/matrix-authentication-service/bin/mas-cli manage promote-admin alice');
    expect(cur.addEmail('alice', 'alice@example.com').command).toEqual({
      argv: ['/matrix/matrix-authentication-service/bin/mas-cli', 'manage', 'add-email', 'alice', 'alice@example.com'],
    });
    expect(cur.verifyEmail('a', 'a@b.c').note).toMatch(/does nothing since MAS 0.13/);
    expect(leg.service('is-active', 'matrix-synapse.service').command).toEqual({ argv: ['/lab/bin/systemctl', 'is-active', 'matrix-synapse.service'] });
    expect(cur.doctorScript().display).toBe('/matrix/matrix-authentication-service/bin/mas-cli doctor');
    expect(cur.doctorTag().display).toContain('run-tags matrix-authentication-service-mas-cli-doctor');
    expect(leg.backupDumpAll('/lab/backup').produces).toBe('/lab/backup/latest-dump.sql.zst');
    expect(cur.backupOneOff().display).toContain('pg_dumpall -h matrix-postgres');
    expect(cur.backupOneOff().produces).toBe('/matrix/postgres.sql.gz');
  });

  it('the remedy for a container left by an interrupted docker run (exit 125, name in use) removes it by name, nothing else', () => {
    const rm = cur.removeContainer('matrix-authentication-service-syn2mas');
    expect(rm).toMatchObject({ where: 'server', become: true, command: { argv: ['docker', 'rm', '-f', 'matrix-authentication-service-syn2mas'] } });
    expect(rm.display).toBe('docker rm -f matrix-authentication-service-syn2mas');
    expect(() => cur.removeContainer('x; rm -rf /')).toThrow(CommandUnavailable);
  });

  it('a custom matrix_base_data_path reaches every server path: jobs, backups, mas-cli, psql (issue 14 point 3)', () => {
    const srv = catalogue({ checkout: current, host: 'matrix.example.com', layout: { base: '/srv/matrix-data/' } });
    expect(srv.paths).toEqual({
      jobs: '/srv/matrix-data/matrix-authentication-service/mas-wizard-jobs',
      masCli: '/srv/matrix-data/matrix-authentication-service/bin/mas-cli',
      backups: '/srv/matrix-data/postgres-backup',
    });
    expect(srv.configSync().display).toBe('/srv/matrix-data/matrix-authentication-service/bin/mas-cli config sync');
    expect(srv.sql('synapse', 'SELECT 1').display).toMatch(/^\/srv\/matrix-data\/postgres\/bin\/cli-non-interactive /);
    expect(srv.services('start').display).toBe('just run-tags start --limit=matrix.example.com');
    expect(srv.importPostgres('/srv/b/latest-dump.sql.zst').display).toBe(
      'just run-tags import-postgres -e server_path_postgres_dump=/srv/b/latest-dump.sql.zst -e postgres_default_import_database=matrix --limit=matrix.example.com',
    );
    expect(srv.verifyDump("/srv/b/it's.zst").display).toContain(`f='/srv/b/it'\\''s.zst'`);
    const all = JSON.stringify([
      srv.paths,
      srv.configSync(),
      srv.sql('synapse', 'SELECT 1'),
      srv.backupDumpAll(`${srv.paths.backups}/x`),
      srv.doctorScript(),
      srv.registerUserScript('a', 'b', false),
    ]);
    expect(all).not.toMatch(/(^|[^-])\/matrix\//);
  });

  it("postgres_enabled: false — SQL goes through the server's psql to the configured database, the password on stdin only", () => {
    const conn = (database: string, user: string) => ({ host: 'db.internal', port: '5433', user, password: 'pg-Secret-9', database });
    const ext = catalogue({
      checkout: current,
      host: 'matrix.example.com',
      layout: { database: { synapse: conn('synapse_prod', 'syn'), mas: conn('mas_prod', 'mas') } },
    });
    const q = ext.sql('synapse', 'SELECT count(*) FROM users');
    expect(q.display).toContain('psql -h db.internal -p 5433 -U syn -d synapse_prod');
    expect(q.display).not.toContain('cli-non-interactive');
    expect(JSON.stringify(q.command)).not.toContain('pg-Secret-9');
    expect(q.stdin).toBe('pg-Secret-9\n');
    expect(q.secrets).toEqual(['pg-Secret-9']);
    expect(ext.sql('matrix_authentication_service', 'SELECT 1').display).toContain('-U mas -d mas_prod');
    // pg_database is shared: the existence check runs over the Synapse connection
    expect(ext.sql('postgres', 'SELECT 1').display).toContain('-U syn -d postgres');
  });

  it('SQL parameters become escaped literals; the display is shell-quoted', () => {
    expect(bindSql('SELECT $1, $2, $3', ["o'brien", 5, null])).toBe("SELECT 'o''brien', 5, NULL");
    expect(bindSql('SELECT $1', ['$2'])).toBe("SELECT '$2'");
    expect(() => bindSql('SELECT $2', ['x'])).toThrow(/no value/);
    const q = cur.sql('synapse', 'SELECT count(*) FROM users WHERE name = $1', ["@o'b:example.com"]);
    expect((q.command as { argv: string[] }).argv.at(-1)).toBe("SELECT count(*) FROM users WHERE name = '@o''b:example.com'");
    expect(q.display).toContain(`-c 'SELECT count(*) FROM users WHERE name = '\\''@o'\\'''\\''b:example.com'\\'''`);
    expect(() => cur.sql('syn;apse', 'SELECT 1')).toThrow(/invalid database name/);
  });
});
