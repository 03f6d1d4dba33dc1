// One change to a vars.yml file. Values are plain data (string, number, boolean,
// arrays, objects); the editor decides the YAML form and keeps the rest of the file intact.

export type VarsValue = string | number | boolean | null | VarsValue[] | { [key: string]: VarsValue };

export type VarsEdit =
  /** `after`: put a NEW key right after this existing key (else after the file's last setting). */
  { op: 'set'; key: string; value: VarsValue; comment?: string; after?: string } | { op: 'remove'; key: string };
