// What stands in for `install-all` / `setup-all` in a rehearsal (the real tags need Docker, image
// pulls and ansible-core ≥ 2.15): a play in the copy that loads the copy's own roles exactly as its
// setup.yml lists them (so every real default and group_vars value is there) and runs only tasks
// that render the real roles' templates onto the lab's server and start its services. The copy's
// justfile recipes `install-all` and `setup-all` run it; every other recipe is the checkout's own.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';

export const STAND_IN_PLAY = 'mas-wizard-lab-stand-in.yml';
export const STAND_IN_TAG = 'mas-wizard-lab-stand-in';

/** The roles' image variables (the syn2mas one exists only in the legacy generation). */
const IMAGE_VARS = [
  'postgres_container_image',
  'matrix_synapse_container_image',
  'matrix_authentication_service_container_image',
  'matrix_authentication_service_syn2mas_container_image',
];
const MAS = 'roles/custom/matrix-authentication-service/templates';
const PG = 'roles/galaxy/postgres/templates';

/** A postgres script rendered from the role's template, with the server's PATH (its docker) put first. */
const pgScript = (name: string) => [
  {
    name: `Stand-in: render the postgres role's bin/${name} template`,
    'ansible.builtin.template': { src: `{{ playbook_dir }}/${PG}/bin/${name}.j2`, dest: `{{ postgres_bin_path }}/${name}`, mode: '0750' },
  },
  {
    name: `Stand-in: bin/${name} finds the server's docker first`,
    'ansible.builtin.lineinfile': {
      path: `{{ postgres_bin_path }}/${name}`,
      insertafter: '^#!/bin/bash',
      line: "export PATH={{ lab_server_bin }}:$PATH  # practice lab: the server's docker",
    },
  },
];

function tasks(): unknown[] {
  const mas = 'matrix_authentication_service_enabled | bool';
  return [
    {
      name: 'Stand-in notice',
      'ansible.builtin.debug': {
        msg: "Practice lab: the real {{ lab_stand_in_for }} tasks do not run here (they need Docker, image pulls and ansible-core >= 2.15). This stand-in renders the real roles' templates (MAS config.yaml, Synapse homeserver.yaml, the MAS and postgres scripts, the MAS systemd unit) and starts the services.",
      },
    },
    {
      name: 'Stand-in: ensure the server directories exist',
      'ansible.builtin.file': { path: '{{ item }}', state: 'directory', mode: '0750' },
      loop: '{{ [matrix_synapse_config_dir_path, postgres_bin_path, lab_docker_images | dirname] + ([matrix_authentication_service_config_path, matrix_authentication_service_bin_path, matrix_authentication_service_data_keys_path] if matrix_authentication_service_enabled | bool else []) }}',
    },
    {
      name: "Stand-in: render the matrix-synapse role's homeserver.yaml template",
      when: 'matrix_synapse_enabled | bool',
      'ansible.builtin.template': {
        src: '{{ playbook_dir }}/roles/custom/matrix-synapse/templates/synapse/homeserver.yaml.j2',
        dest: '{{ matrix_synapse_config_dir_path }}/homeserver.yaml',
        mode: '0640',
      },
      register: 'lab_synapse_config',
    },
    // What the roles' docker_image tasks would have pulled: the images their own variables name.
    {
      name: "Stand-in: the images the roles pull are present (the server's Docker Engine API answers for them)",
      'ansible.builtin.copy': {
        dest: '{{ lab_docker_images }}',
        mode: '0644',
        content: `{% for v in ${JSON.stringify(IMAGE_VARS).replace(/"/g, "'")} %}{{ lookup('ansible.builtin.vars', v, default='') }}\n{% endfor %}`,
      },
    },
    {
      name: "Stand-in: render the postgres role's env-postgres-psql template",
      'ansible.builtin.template': { src: `{{ playbook_dir }}/${PG}/env-postgres-psql.j2`, dest: '{{ postgres_base_path }}/env-postgres-psql', mode: '0640' },
    },
    ...['cli-non-interactive', 'cli', 'dump-all'].flatMap(pgScript),
    {
      name: "Stand-in: render the matrix-authentication-service role's config.yaml template",
      when: mas,
      'ansible.builtin.template': {
        src: `{{ playbook_dir }}/${MAS}/config.yaml.j2`,
        dest: '{{ matrix_authentication_service_config_path }}/config.yaml',
        mode: '0640',
      },
      register: 'lab_mas_config',
    },
    {
      name: "Stand-in: render the matrix-authentication-service role's scripts",
      when: mas,
      'ansible.builtin.template': {
        src: `{{ playbook_dir }}/${MAS}/bin/{{ item }}.j2`,
        dest: '{{ matrix_authentication_service_bin_path }}/{{ item }}',
        mode: '0750',
      },
      loop: ['mas-cli', 'register-user'],
    },
    {
      name: "Stand-in: render the matrix-authentication-service role's systemd unit",
      when: mas,
      'ansible.builtin.template': {
        src: `{{ playbook_dir }}/${MAS}/systemd/matrix-authentication-service.service.j2`,
        dest: '{{ lab_systemd_dir }}/matrix-authentication-service.service',
        mode: '0644',
      },
    },
    {
      name: 'Stand-in: MAS disabled — stop it and remove its unit and files (as the role uninstalls it)',
      when: `not (${mas})`,
      block: [
        {
          name: 'Stand-in: ensure matrix-authentication-service is stopped',
          'ansible.builtin.service': { name: 'matrix-authentication-service', state: 'stopped' },
          failed_when: false,
        },
        {
          name: 'Stand-in: remove the MAS unit and base path',
          'ansible.builtin.file': { path: '{{ item }}', state: 'absent' },
          loop: ['{{ lab_systemd_dir }}/matrix-authentication-service.service', '{{ matrix_authentication_service_base_path }}'],
        },
      ],
    },
    {
      name: 'Stand-in: restart what runs with a changed config',
      when: 'item.when',
      'ansible.builtin.service': { name: '{{ item.name }}', state: 'restarted' },
      loop: [
        {
          name: 'matrix-synapse',
          when: "{{ (lab_synapse_config is changed) and lookup('ansible.builtin.pipe', lab_server_bin + '/systemctl is-active matrix-synapse || true') == 'active' }}",
        },
        {
          name: 'matrix-authentication-service',
          when: "{{ (lab_mas_config is changed) and lookup('ansible.builtin.pipe', lab_server_bin + '/systemctl is-active matrix-authentication-service || true') == 'active' }}",
        },
      ],
    },
    {
      name: 'Stand-in: start the services the playbook manages (the start tag)',
      'ansible.builtin.service': { name: '{{ item }}', state: 'started' },
      loop: "{{ devture_systemd_service_manager_services_list_auto | map(attribute='name') | map('regex_replace', '[.]service$', '') | select('in', ['matrix-postgres', 'matrix-synapse', 'matrix-authentication-service']) | list }}",
    },
  ];
}

/** Writes the stand-in play next to the copy's setup.yml (so the copy's group_vars apply) and points the two recipes at it. */
export function writeStandIn(playbook: string): void {
  const plays = parse(readFileSync(path.join(playbook, 'setup.yml'), 'utf8')) as Array<Record<string, unknown>>;
  const first = plays.find((p) => Array.isArray(p.roles));
  if (!first) throw new Error(`${playbook}/setup.yml has no play with roles; is this a matrix-docker-ansible-deploy checkout?`);
  const play = {
    name: 'Practice lab stand-in for {{ lab_stand_in_for }} (not the real tasks)',
    hosts: first.hosts,
    become: first.become ?? false,
    roles: first.roles,
    tasks: tasks().map((t) => ({ ...(t as object), tags: [STAND_IN_TAG] })),
  };
  writeFileSync(
    path.join(playbook, STAND_IN_PLAY),
    `# Practice lab only (mas-wizard rehearsal): stands in for install-all / setup-all.\n${stringify([play], { lineWidth: 0 })}`,
  );
  const justfile = path.join(playbook, 'justfile');
  const recipe = (mode: string) => new RegExp(`^${mode} \\*extra_args:.*\\n(?:[ \\t]+.*\\n)*`, 'm');
  let text = readFileSync(justfile, 'utf8');
  for (const mode of ['install-all', 'setup-all']) {
    if (!recipe(mode).test(text)) throw new Error(`${justfile} has no "${mode} *extra_args" recipe`);
    text = text.replace(
      recipe(mode),
      `# Practice lab: stands in for the real ${mode} (see ${STAND_IN_PLAY}).\n${mode} *extra_args:\n    ansible-playbook -i inventory/hosts ${STAND_IN_PLAY} --tags=${STAND_IN_TAG} --extra-vars=lab_stand_in_for=${mode} {{ extra_args }}\n`,
    );
  }
  writeFileSync(justfile, text);
}
