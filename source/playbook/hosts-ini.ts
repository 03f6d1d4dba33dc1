// Minimal reader for the playbook's INI inventory (inventory/hosts): which hosts are in
// [matrix_servers] and their `key=value` host-line variables. Stand-in until the shared
// source/playbook/inventory.ts (SSH host lookup) lands; it only needs names and lines.

export interface IniHost {
  name: string;
  group: string;
  /** 1-based line in inventory/hosts. */
  line: number;
  vars: Record<string, string>;
}

/** Split a host line on whitespace, keeping quoted values ('a b' / "a b") whole. */
function tokens(line: string): string[] {
  const out: string[] = [];
  const re = /(?:[^\s'"]+|'[^']*'|"[^"]*")+/g;
  for (const m of line.matchAll(re)) out.push(m[0]);
  return out;
}

const unquote = (v: string) => (/^(['"]).*\1$/.test(v) ? v.slice(1, -1) : v);

export function readHostsIni(text: string): IniHost[] {
  const hosts: IniHost[] = [];
  let group = 'ungrouped';
  let section: 'hosts' | 'other' = 'hosts';
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/^\uFEFF/, '').trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) return;
    const header = /^\[([^\]:]+)(?::(\w+))?\]$/.exec(line);
    if (header) {
      group = header[1];
      section = header[2] ? 'other' : 'hosts';
      return;
    }
    if (section !== 'hosts') return;
    const [name, ...rest] = tokens(line.replace(/\s+#.*$/, ''));
    const vars: Record<string, string> = {};
    for (const t of rest) {
      const eq = t.indexOf('=');
      if (eq > 0) vars[t.slice(0, eq)] = unquote(t.slice(eq + 1));
    }
    hosts.push({ name, group, line: i + 1, vars });
  });
  return hosts;
}
