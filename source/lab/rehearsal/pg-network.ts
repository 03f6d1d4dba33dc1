// Preloaded (node --import) into the real legacy syn2mas when the docker stand-in runs its image:
// the container network's PostgreSQL host name (`matrix-postgres:5432`) reaches the lab's
// PostgreSQL socket, as Docker's network DNS would reach the postgres container.
import net from 'node:net';
import path from 'node:path';
import { containerSpec } from '../server/container.js';

const spec = containerSpec();
if (spec) {
  const connect = net.Socket.prototype.connect as (...args: unknown[]) => net.Socket;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]): net.Socket {
    const [port, host] = args;
    if (typeof port === 'number' && typeof host === 'string' && spec.pg.hosts.includes(host)) {
      return connect.call(this, path.join(spec.pg.socketDir, `.s.PGSQL.${spec.pg.port}`), ...args.slice(2));
    }
    return connect.apply(this, args);
  } as typeof net.Socket.prototype.connect;
}
