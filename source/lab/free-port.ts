// A port number for the lab's PostgreSQL socket name, picked synchronously (no TCP listener is
// opened by the lab's cluster; this only avoids clashing with a local PostgreSQL's socket name).
import { existsSync } from 'node:fs';

export function freePortSync(): number {
  for (let i = 0; i < 50; i++) {
    const port = 20000 + Math.floor(Math.random() * 40000);
    if (!existsSync(`/var/run/postgresql/.s.PGSQL.${port}`) && !existsSync(`/tmp/.s.PGSQL.${port}`)) return port;
  }
  return 54329;
}
