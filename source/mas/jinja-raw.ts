// vars.yml is itself a Jinja template for Ansible: a MAS (or Synapse) template such as
// `{{ user.preferred_username }}` must be wrapped in {% raw %}…{% endraw %} or Ansible
// renders it (to an error or to an empty string) before MAS ever sees it.

const RAW_OPEN = /\{%-?\s*raw\s*-?%\}/g;
const RAW_CLOSE = /\{%-?\s*endraw\s*-?%\}/g;

/** True when the string holds Jinja syntax ({{ … }} or {% … %}). */
export function hasJinja(text: string): boolean {
  return /\{\{|\{%/.test(text);
}

/** Remove every {% raw %} / {% endraw %} marker, giving the text the template engine sees. */
export function unwrapRaw(text: string): string {
  return text.replace(RAW_OPEN, '').replace(RAW_CLOSE, '');
}

/** Wrap a template once so Ansible passes it through untouched; plain strings stay as they are. */
export function wrapRaw(text: string): string {
  const bare = unwrapRaw(text);
  return hasJinja(bare) ? `{% raw %}${bare}{% endraw %}` : bare;
}

/** A whole-value Ansible expression such as `{{ vault_mas_secret }}`: it points at a value kept elsewhere. */
export function isAnsibleReference(text: string): boolean {
  return /^\s*\{\{[\s\S]*\}\}\s*$/.test(text) && !/\{%-?\s*raw\s*-?%\}/.test(text);
}
